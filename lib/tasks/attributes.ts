/**
 * Reading a task's attributes with a clear error for a wrong value: before the run (a task's
 * `attributeProblems()`, which pre-flight and `--dry-run` report) and inside `run()`.
 */
import { NotTabularError, payloadOf, type Payload, type PayloadOptions } from '../data/payload';
import { TaskError, TaskInterfaceError } from '../errors';
import { formatTemplate, keywordsFor, templateKeywords } from '../format';
import { attributeMessage, attributeName, shown, taskMessage } from '../messages';
import { OutputRef } from '../output';
import { taskRun, type BaseTask } from '../task';

export { shown } from '../messages';

/** Whether `task`'s `run()` has begun in its run: the runner has filled its templated attributes. */
function isRunning(task: BaseTask<unknown>): boolean {
  return taskRun(task).running === true;
}

/** Attribute `name` of `task`, which must be a non-empty string. */
export function textAttribute(task: BaseTask<unknown>, name: string): string {
  const value = (task as unknown as Record<string, unknown>)[name];
  if (typeof value === 'string' && value.length > 0) return value;
  throw new TaskInterfaceError(`${attributeName(task, name)} must be a non-empty string, got ${shown(value)}`, {
    taskName: task.taskName,
    attributes: { [task.taskName]: [name] },
  });
}

/** Attribute `name` of `task`: undefined, or a string. */
export function optionalTextAttribute(task: BaseTask<unknown>, name: string): string | undefined {
  const value = (task as unknown as Record<string, unknown>)[name];
  if (value === undefined || value === null || value === '') return undefined;
  return textAttribute(task, name);
}

/** The bytes to write for the task's `input` (see `payloadOf`); an input of the wrong kind is a TaskError. */
export async function inputPayload(task: BaseTask<unknown>, options?: PayloadOptions, input?: unknown): Promise<Payload> {
  try {
    return await payloadOf(input ?? (task as unknown as { input?: unknown }).input, options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof NotTabularError) {
      throw new TaskInterfaceError(attributeMessage(task, 'input', `${reason}; set ${attributeName(task, 'format')} = 'csv' or give it rows`), {
        cause: error,
        taskName: task.taskName,
        attributes: { [task.taskName]: ['input', 'format'] },
      });
    }
    throw new TaskError(attributeMessage(task, 'input', reason), { cause: error, taskName: task.taskName });
  }
}

/**
 * The value templated attribute `name` has when the task runs: inside `run()`, the value the
 * runner filled in; before the run, its template filled with the keywords known now. Keywords
 * the task fills itself (ToS3's `{part}`) are filled with 0. Undefined when the value cannot be
 * known before the run: the attribute is not a string, or a keyword is missing (pre-flight
 * reports that), malformed or set to a task's output.
 */
export function filledAttribute(task: BaseTask<unknown>, name: string): string | undefined {
  const value = (task as unknown as Record<string, unknown>)[name];
  if (typeof value !== 'string') return undefined;
  const late = task.lateKeywords(name);
  try {
    let filled = value;
    if (!isRunning(task)) {
      const kws = keywordsFor(task.formatKws, taskRun(task).runtime);
      if (templateKeywords(value).some((kw) => kws[kw] instanceof OutputRef)) return undefined;
      filled = formatTemplate(value, kws, new Set(late));
    }
    return late.length === 0 ? filled : formatTemplate(filled, Object.fromEntries(late.map((kw) => [kw, 0])));
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a text attribute before the run: set to something other than a string,
 * or (`nonEmpty`) an empty string. A missing required one is pre-flight's own check.
 */
export function textProblems(task: BaseTask<unknown>, name: string, nonEmpty = true): string[] {
  const value = (task as unknown as Record<string, unknown>)[name];
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string') return [`${name} must be a string, got ${shown(value)}`];
  if (nonEmpty && value === '') return [`${name} must be a non-empty string, got ""`];
  return [];
}

/** `"value"`, and the template it was filled from when that differs: `"a-b" (from "a-{x}")`. */
export function filledFrom(task: BaseTask<unknown>, name: string, filled: string): string {
  const template = (task as unknown as Record<string, unknown>)[name];
  return template === filled || isRunning(task) ? shown(filled) : `${shown(filled)} (from ${shown(template)})`;
}

/**
 * Throws a TaskInterfaceError naming task and attributes for what `attributeProblems()` finds:
 * the pre-flight check, again at the start of `run()`, where the templated attributes are filled.
 */
export function checkAttributes(task: BaseTask<unknown>): void {
  taskRun(task).running = true;
  const problems = task.attributeProblems();
  if (problems.length === 0) return;
  throw new TaskInterfaceError(taskMessage(task, problems.join('; ')), {
    taskName: task.taskName,
    attributes: { [task.taskName]: problems.map((p) => p.split(' ')[0]) },
  });
}
