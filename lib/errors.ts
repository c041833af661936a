/**
 * The bigrays error tree. Every error the library raises for a user mistake or a failed
 * task is a `BigraysError`, with `name` set and the underlying error kept as `cause`.
 */

export interface BigraysErrorOptions {
  cause?: unknown;
  /** The task the error is about, when there is one. */
  taskName?: string;
}

export class BigraysError extends Error {
  /** The task the error is about, when there is one. */
  readonly taskName?: string;
  /** Each failed task's error, in run order (set on the error a failed run rejects with). */
  errors: unknown[] = [];
  /** The run report (set on the error a failed run rejects with). */
  report?: import('./report').RunReport;
  /** The signal that stopped the run (set on the error a run stopped by SIGINT/SIGTERM rejects with). */
  signal?: 'SIGINT' | 'SIGTERM';

  constructor(message: string, options: BigraysErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.taskName !== undefined) this.taskName = options.taskName;
  }
}

/** A configuration value a resource needs is missing or malformed. */
export class ConfigurationError extends BigraysError {
  /** The env vars to set, e.g. `['BIGRAYS_DB_DSN']`. */
  readonly missing: string[];

  constructor(message: string, options: BigraysErrorOptions & { missing?: string[] } = {}) {
    super(message, options);
    this.missing = options.missing ?? [];
  }
}

/** A resource could not be opened or closed, or its handle was used while closed. */
export class ResourceError extends BigraysError {}

/** A task failed, or used something (an output, a keyword) it could not have. */
export class TaskError extends BigraysError {}

/**
 * A task class does not define what its type requires (an attribute, `run()`). A kind of
 * `TaskError`, as in the original bigrays: `e instanceof TaskError` sees both.
 */
export class TaskInterfaceError extends TaskError {
  /** The missing or invalid attributes, per task class name. */
  readonly attributes: Record<string, string[]>;

  constructor(message: string, options: BigraysErrorOptions & { attributes?: Record<string, string[]> } = {}) {
    super(message, options);
    this.attributes = options.attributes ?? {};
  }
}
