/**
 * The bigrays error tree. Every error the library raises for a user mistake or a failed
 * task is a `BigraysError`, with `name` set and the underlying error kept as `cause`.
 *
 * Each error has a kind, and the kind alone decides the command's exit code (`exitCodeOf`):
 * - `usage`: the command or the job was used wrongly (an unknown option, no job script) → 2;
 * - `refused`: found before anything ran (configuration, a task's attributes) → 2;
 * - `failed`: a run, or a task called on its own, failed → 1;
 * - `crash`: an error of the job's own code, not bigrays' → 1;
 * - `locked`: another run of the job holds its run lock → 75 (EX_TEMPFAIL: try again later).
 */

/** What kind of error an error is; its exit code follows from it (`EXIT_CODES`). */
export type ErrorKind = 'usage' | 'refused' | 'failed' | 'crash' | 'locked';

/** An exit code of the command for an error. */
export type ErrorExitCode = 1 | 2 | 75;

/** The command's exit code for each kind of error. */
export const EXIT_CODES: Readonly<Record<ErrorKind, ErrorExitCode>> = { usage: 2, refused: 2, failed: 1, crash: 1, locked: 75 };

const KINDS = new Set<string>(Object.keys(EXIT_CODES));

/** Whether `value` names a kind of error (as it arrives over IPC). */
export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && KINDS.has(value);
}

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

  /** `failed` once a run gave the error its report; before that, nothing ran: `refused`. */
  get kind(): ErrorKind {
    return this.report === undefined ? 'refused' : 'failed';
  }

  /** The command's exit code for this error: see `EXIT_CODES`. */
  get exitCode(): ErrorExitCode {
    return EXIT_CODES[this.kind];
  }
}

/** The command, or the job, was used wrongly: an unknown option, no job script, a job that registers nothing. */
export class UsageError extends BigraysError {
  override get kind(): ErrorKind {
    return 'usage';
  }
}

/**
 * The kind of any thrown value: a bigrays error's own, else `otherwise` (by default `crash`:
 * the job's own code failed).
 */
export function kindOf(error: unknown, otherwise: ErrorKind = 'crash'): ErrorKind {
  return error instanceof BigraysError ? error.kind : otherwise;
}

/** The command's exit code for `error` (see `kindOf`). */
export function exitCodeOf(error: unknown, otherwise: ErrorKind = 'crash'): ErrorExitCode {
  return EXIT_CODES[kindOf(error, otherwise)];
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

/** Another run of the job holds its run lock (`--lock`): this run did not start its tasks. */
export class LockedError extends BigraysError {
  override get kind(): ErrorKind {
    return 'locked';
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
