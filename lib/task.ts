/**
 * Tasks: the classes a job is made of. A job author subclasses `Task` (or a built-in task),
 * sets its attributes as instance fields, and registers it.
 */
import { effectiveConfig, type ConfigValues } from './config';
import { TaskError } from './errors';
import {
  formatTemplate, FormatError, keywordsFor, noteKeywordsUsed, taskKeywords, templateKeywords, UnsafeKeywordError,
  type FormatKws, type FormatOptions, type SqlQuoting,
} from './format';
import { logger, type Logger } from './log';
import { attributeMessage, taskMessage } from './messages';
import { outputOrRef } from './output';
import type { Resource } from './resources/resource';
import type { TaskMetrics } from './run-observer';
import { currentRuntime, type Runtime } from './runtime';
import { taskStatePart, type TaskStatePart } from './state/task-state';

/** The attributes whose `{keyword}` placeholders the runner fills before a task runs. */
export const TEMPLATED_ATTRIBUTES = [
  'query',
  'statement',
  'tablename',
  'bucket',
  'key',
  'prefix',
  'suffix',
  'filename',
  'topic',
  'subject',
] as const;

export type { TaskMetrics };

/**
 * A task's part in the run that planned it: the runtime it belongs to, the configuration of
 * its resource (resolved once, when the run planned it), the signal it sees while it runs, whether
 * its `run()` has begun, and the figures it records for the report.
 */
export interface TaskRun {
  readonly runtime: Runtime;
  /** `BigraysConfig` with the task's `resourceConfig` over it, as the run planned the task. */
  readonly config?: ConfigValues;
  signal?: AbortSignal;
  /** Set as `run()` begins: the runner has filled the task's templated attributes in place. */
  running?: boolean;
  metrics: TaskMetrics;
  /** Why the task skipped itself (`skip()`), in the attempt that ran last. */
  skipped?: string;
  /** Reads the running task's figures so far (see live-metrics.ts). */
  sampler?: () => TaskMetrics;
}

/** Where a task keeps its part in its run (a symbol: never one of the task's own fields). */
const RUN = Symbol('bigrays task run');

/** The signal of a task outside any run: it never aborts. */
const NEVER_ABORTED = new AbortController().signal;

/** Makes `run` the task's part in the run that planned it (a task created again for each run gets its own). */
export function joinRun(task: BaseTask<unknown>, run: TaskRun): TaskRun {
  (task as unknown as Record<symbol, TaskRun>)[RUN] = run;
  return run;
}

/** The task's part in its run; a task no run planned has one of its own, in the runtime of the run in progress (else the default one). */
export function taskRun(task: BaseTask<unknown>): TaskRun {
  return (task as unknown as Record<symbol, TaskRun | undefined>)[RUN] ?? joinRun(task, { runtime: currentRuntime(), metrics: {} });
}

/**
 * The root of every task. `O` is what `run()` returns: the task's output.
 * Subclasses set attributes as instance fields; required ones are `abstract`.
 */
export abstract class BaseTask<O = unknown> {
  /**
   * Attribute names a subclass must set; checked before any task runs, for JavaScript
   * users (TypeScript users get a compile error from the `abstract` declarations first).
   */
  static requiredAttributes: readonly string[] = [];

  /**
   * After this task ran, the value its `run()` returned. Before, a lazy reference, so that
   * `input = X.output` works as a field initializer of a task that runs after `X`.
   * Typed loosely; `outputOf(X)` is the typed equivalent.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static get output(): any {
    return outputOrRef(this as unknown as abstract new () => BaseTask<unknown>);
  }

  /** Run even when an earlier task failed (the original's `run_with_exceptions`). @default false */
  runWithExceptions = false;

  /** Allow replacing an existing object or file (ToS3, ToCSV). @default false */
  overwriteIfExists = false;

  /** The resource this task needs open while it runs. @default undefined (none) */
  requiredResource?: Resource<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  /** Config merged over `BigraysConfig` for this task's resource, e.g. another `DB_DSN`. */
  resourceConfig?: ConfigValues;

  /** Format keywords for this task; they win over the global ones. */
  formatKws?: FormatKws;

  /**
   * The task's deadline in milliseconds: past it, `this.signal` aborts and the task fails.
   * @default config `TASK_TIMEOUT_MS`, else none
   */
  timeoutMs?: number;

  /**
   * How many times to try again after an error that can pass (connection refused, reset or
   * lost, a timeout, throttling, a 5xx), where a retry cannot duplicate or lose data. @default 0
   */
  retries = 0;

  /** The wait before the first retry in ms, doubled for each next one (with jitter). @default 1000 */
  retryDelayMs = 1000;

  /**
   * Aborts on the task's timeout, on SIGINT/SIGTERM, or when the run is aborted. Built-in
   * tasks stop promptly when it does; a custom task passes it on to what it awaits.
   */
  get signal(): AbortSignal {
    return taskRun(this).signal ?? NEVER_ABORTED;
  }

  /**
   * The task's part of its job's state, kept between runs: `await this.state.get()` reads it,
   * `this.state.set(value)` stages a new one (JSON), written only if the whole run succeeds.
   */
  get state(): TaskStatePart {
    return taskStatePart(this.taskName, () => taskRun(this).runtime);
  }

  /** Does the task's work; its return value is the task's output. */
  abstract run(): O | Promise<O>;

  /**
   * Whether a failed attempt may be tried again, for an error that can pass (the runner asks
   * only then, and only while `retries` allows). Built-in tasks answer for their own work: a
   * retry must not duplicate or lose data. A custom task's `retries` is its author's word that
   * trying again is safe. @default true
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  canRetry(error: unknown): boolean {
    return true;
  }

  /** The task's name, as reports and errors show it. */
  get taskName(): string {
    return this.constructor.name;
  }

  /** A `debug` logger for `bigrays:task:<Name>`. */
  protected get log(): Logger {
    return logger(`task:${this.taskName}`);
  }

  /** The format keywords for this task: the global ones, `formatKws` over them, the command's `--set` over both. */
  protected get keywords(): FormatKws {
    return taskKeywords(this.formatKws, taskRun(this).runtime);
  }

  /**
   * The configuration of the task's resource: `BigraysConfig` with `resourceConfig` over it,
   * as it was when the run planned the task.
   */
  protected get resolvedConfig(): ConfigValues {
    const run = taskRun(this);
    return run.config ?? effectiveConfig(this.resourceConfig, run.runtime);
  }

  /**
   * Fills `{keyword}` placeholders in `template` from this task's keywords
   * (Python `str.format` rules). A missing keyword is a TaskError naming it and the task.
   * (Named `render`, not `format`: `format` is the data format attribute of ToS3, ToCSV, FromS3.)
   */
  render(template: string, keep?: ReadonlySet<string>): string {
    return this.fill(template, keywordsFor(this.formatKws, taskRun(this).runtime), { keep });
  }

  /**
   * Fills templated attribute `attribute` (the runner calls it before the task runs, and
   * pre-flight and the dry-run plan with the keywords known then). The task's late keywords
   * stay in place; SQL text is quoted and checked for the session's engine (see `sqlQuoting`).
   */
  renderAttribute(attribute: string, template: string, kws: FormatKws = keywordsFor(this.formatKws, taskRun(this).runtime)): string {
    return this.fill(template, kws, { keep: new Set(this.lateKeywords(attribute)), sql: this.sqlQuoting(attribute) }, attribute);
  }

  /**
   * How templated attribute `attribute` is quoted when it holds SQL text (`{kw!q}`, `{kw!i}`,
   * and the check of a plain `{kw}`); undefined when it is not SQL. SQL tasks answer for
   * `query`, `statement` and `tablename`. @default undefined
   */
  sqlQuoting(attribute: string): SqlQuoting | undefined {
    void attribute;
    return undefined;
  }

  /**
   * Fills `template` from `kws` with `options` (see `formatTemplate`). A problem is a
   * TaskError naming the task and `where` (the attribute), with the fix.
   */
  protected fill(template: string, kws: FormatKws, options: FormatOptions, where?: string): string {
    try {
      noteKeywordsUsed(templateKeywords(template), this.formatKws, taskRun(this).runtime);
      return formatTemplate(template, kws, options);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      let text: string;
      if (error instanceof UnsafeKeywordError) {
        text = `${error.message}. ${unsafeKeywordFix(error, options.sql)}`;
      } else {
        const hint = error.problem === 'missing' ? `. Set it with updateFormatKws({ ${error.keyword}: … }) or in the task's formatKws` : '';
        text = `${error.message} in ${JSON.stringify(template)}${hint}`;
      }
      const message = where === undefined ? taskMessage(this, text) : attributeMessage(this, where, text);
      throw new TaskError(message, { taskName: this.taskName, cause: error });
    }
  }

  /**
   * Keywords of templated attribute `attribute` that the task fills itself while it runs
   * (ToS3's `{part}`): the runner leaves them in place and pre-flight does not ask for them.
   * @default none
   */
  lateKeywords(attribute: string): readonly string[] {
    void attribute;
    return [];
  }

  /**
   * Problems with the task's own attribute values that can be seen before the run (a value
   * out of its set, say), each starting with the attribute's name. Pre-flight reports them
   * with the other attribute problems. @default none
   */
  attributeProblems(): string[] {
    return [];
  }

  /**
   * Reports the task skipped, with `reason` (as in `s3://bucket/key exists`): called inside
   * `run()`, which then returns its output as usual. The run keeps that output for later tasks,
   * lets go of what the task was given to read (an SQLStream's rows are closed) and does not
   * count the task as failed.
   */
  protected skip(reason: string): void {
    taskRun(this).skipped = String(reason);
  }

  /**
   * What a dry run shows of the task besides its templated attributes: attribute names with
   * what the task will do with them (ToS3's `ifExists`). @default none
   */
  planAttributes(): Record<string, string> {
    return {};
  }

  /** Records figures for the run report (rows read or written, bytes moved). */
  protected recordMetrics(figures: TaskMetrics): void {
    const run = taskRun(this);
    run.metrics = { ...run.metrics, ...figures };
  }
}

/** The ways out of an unsafe `{kw}` in SQL text: bind the value, quote it, or vouch for it as SQL. */
function unsafeKeywordFix(error: UnsafeKeywordError, sql: SqlQuoting | undefined): string {
  const name = error.keyword ?? 'value';
  const param = /^[A-Za-z_]\w*$/.test(name) ? name : 'value';
  const engine = sql && sql.engine !== 'SQL' ? ` for ${sql.engine}` : '';
  const q = `{${name}!q}`;
  const i = `{${name}!i}`;
  const quoted = error.quotedWith === undefined ? undefined : `${error.quotedWith}${error.field}${error.quotedWith}`;
  const literal = error.quotedWith === "'" ? `${q} in place of ${quoted} (it makes its own quotes)` : q;
  const named = error.quotedWith === '"' ? `${i} in place of ${quoted} (it makes its own quotes)` : i;
  return (
    `Keep values out of SQL text: bind it (write :${param} in the SQL and set params = { ${param}: … }), ` +
    `or let bigrays quote it${engine}: ${literal} for a string literal, ${named} for a table or column name; ` +
    `only for a trusted SQL fragment the job itself writes, {${name}!sql} inserts it as it is`
  );
}

/** The figures a task recorded while it ran. */
export function taskMetrics(task: BaseTask<unknown>): TaskMetrics {
  return taskRun(task).metrics;
}

/** Why the task skipped itself in its last attempt (`skip()`); undefined when it did not. */
export function skipReason(task: BaseTask<unknown>): string | undefined {
  return taskRun(task).skipped;
}

/**
 * A custom task: implement `run()`; its return value is the output.
 *
 * @example
 * class Predict extends Task<DataFrame> {
 *   run() { return fit(outputOf(PullTrainingData)); }
 * }
 */
export abstract class Task<O = unknown> extends BaseTask<O> {}

/** A task class (the constructor, as `register` and `bigraysRun` take it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskClass<T extends BaseTask<any> = BaseTask<any>> = abstract new () => T;

/** Whether `value` is a task class (a subclass of BaseTask). */
export function isTaskClass(value: unknown): value is TaskClass {
  return typeof value === 'function' && value.prototype instanceof BaseTask;
}

/** Every `requiredAttributes` along the class chain. */
export function requiredAttributesOf(cls: TaskClass): string[] {
  const names = new Set<string>();
  for (let c: unknown = cls; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const own = Object.prototype.hasOwnProperty.call(c, 'requiredAttributes')
      ? (c as { requiredAttributes?: readonly string[] }).requiredAttributes
      : undefined;
    for (const name of own ?? []) names.add(name);
  }
  return [...names];
}
