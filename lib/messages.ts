/**
 * How bigrays words its messages: the one place that says how a value is shown, how a task,
 * an attribute or a keyword is named, and that masks secrets as a message is built.
 *
 * - `shown(value)`: a bad value in a message — `"text"` (masked), `5`, `12n`, `null`,
 *   `class Foo`, `an array`, `an object (Map)`; `shown(value, { as: 'kind' })` names its kind
 *   only (`string`, `number`), for values whose text would say nothing or too much.
 * - `taskMessage(task, text)`: `Task: text` (not twice when `text` starts with the task
 *   already), masked; `attributeMessage(task, attr, text)`: `Task.attr: text`, masked.
 * - `taskName(task)`, `attributeName(task, attr)` (`Task.attr`), `keywordName(kw)`
 *   (``the keyword `kw` ``): the names, for a sentence that starts with them
 *   (`${attributeName(task, 'key')} must be a string, got ${shown(key)}`).
 * - `masked(text, ...configs)`: `text` with every secret masked (the resource configs given,
 *   the environment's and those the run has seen); `errorText(error)`: `Name: message`, as
 *   the command prints an error.
 *
 *     throw new TaskError(taskMessage(task, masked(`could not open ${dsn}`, config)), { taskName: task.taskName });
 *
 * It imports nothing of the command or the job's process; the masking loads when first used.
 */
import type { ConfigValues } from './config';

/** A task as messages name it: a task instance, its class, or its name. */
export type TaskLike = string | { readonly taskName: string } | { readonly name: string };

export interface ShownOptions {
  /**
   * `value` (the default): the value as written when it is short and plain (a string quoted,
   * a number, a bigint with `n`, `null`), its kind otherwise. `kind`: its kind only
   * (`string`, `number`, `null`): the value itself is not the point, or would be too long.
   */
  as?: 'value' | 'kind';
}

/** What a function is in a message: a class by its name (`class Foo`), any other function as one. */
function shownFunction(fn: (...args: never[]) => unknown): string {
  const isClass = /^class\b/.test(Function.prototype.toString.call(fn));
  if (isClass || /^[A-Z]/.test(fn.name)) return `class ${fn.name || '(anonymous)'}`;
  return fn.name ? `function ${fn.name}` : 'a function';
}

/** An object in a message, by its constructor: `an object`, `an object (Map)`. */
function shownObject(value: object): string {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const maker = proto?.constructor?.name;
  return proto === null || proto === Object.prototype || !maker ? 'an object' : `an object (${maker})`;
}

/** `value` for a message, as `options` say (see `ShownOptions`). */
export function shown(value: unknown, options: ShownOptions = {}): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return shownFunction(value as (...args: never[]) => unknown);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return shownObject(value);
  if (options.as === 'kind') return typeof value;
  if (typeof value === 'string') return masked(JSON.stringify(value));
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/** The name a message gives `task`. */
export function taskName(task: TaskLike): string {
  if (typeof task === 'string') return task;
  return 'taskName' in task ? task.taskName : task.name;
}

/** `Task.attr`: attribute `attr` of `task`, as a message names it. */
export function attributeName(task: TaskLike, attr: string): string {
  return `${taskName(task)}.${attr}`;
}

/** ``the keyword `kw` ``, as a message names a format keyword. */
export function keywordName(keyword: string): string {
  return `the keyword \`${keyword}\``;
}

/** Whether `text` starts with `name` as a message's subject: `name:`, `name.` or `name `. */
function startsWithName(text: string, name: string): boolean {
  return text.startsWith(name) && [':', '.', ' '].includes(text.charAt(name.length));
}

/** `Task: text`, unless `text` names the task first already; masked. */
export function taskMessage(task: TaskLike, text: string): string {
  const name = taskName(task);
  return masked(startsWithName(text, name) ? text : `${name}: ${text}`);
}

/** `Task.attr: text`, unless `text` names the attribute first already; masked. */
export function attributeMessage(task: TaskLike, attr: string, text: string): string {
  const name = attributeName(task, attr);
  return masked(startsWithName(text, name) ? text : `${name}: ${text}`);
}

/**
 * `text` with its secrets masked: those of `configs` (a resource's config), the environment's
 * configuration and the ones the run has seen. Loads the masking on first use, so the command
 * starts without the configuration it reads.
 */
export function masked(text: string, ...configs: Array<ConfigValues | null | undefined>): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./secrets') as typeof import('./secrets')).scrub(text, ...configs);
}

/** An error as one line of text: `Name: message`, the name left out for a plain `Error`; not masked. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
}
