/**
 * The options of `bigrays run` as the job's process receives them: JSON in one env var,
 * `BIGRAYS_RUN_OPTIONS`, which the command sets for the job it starts.
 */
import { BigraysError } from '../errors';

/** The env var that carries the run options to the job's process. */
export const RUN_OPTIONS_ENV = 'BIGRAYS_RUN_OPTIONS';

export interface RunOptions {
  /** The job script (an absolute path). */
  job: string;
  /** Format keywords from `--set key=value`: they win over the job's own and every task's. */
  set: Record<string, string>;
  /** `--only Task …`: run just these tasks of each run, in order. */
  only: string[];
  /** `--from Task`: run the tasks from this one on (across the job's runs). */
  from?: string;
  /** `--dry-run`: check and plan, open and change nothing. */
  dryRun: boolean;
  /** `--local`: the command provides an emulator and SQLite through the env; task configs are kept offline. */
  local: boolean;
  /** `--lock` / `--wait-lock MS`: the job's runs take its run lock, whatever the job's config says. */
  runLock?: { waitMs?: number };
}

export function encodeRunOptions(options: RunOptions): string {
  const { job, set, only, from, dryRun, local, runLock } = options;
  return JSON.stringify({ job, set, only, ...(from === undefined ? {} : { from }), dryRun, local, ...(runLock === undefined ? {} : { runLock }) });
}

function invalid(what: string): BigraysError {
  return new BigraysError(`${RUN_OPTIONS_ENV} is set by \`bigrays run\`; its ${what}`);
}

/** Reads the options from the env var's text; throws BigraysError for anything else. */
export function decodeRunOptions(text: string): RunOptions {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid('value is not JSON');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('value must be a JSON object');
  const value = raw as Record<string, unknown>;
  if (typeof value.job !== 'string' || value.job === '') throw invalid('`job` must name the job script');
  const set = value.set ?? {};
  if (set === null || typeof set !== 'object' || Array.isArray(set) || Object.values(set).some((v) => typeof v !== 'string')) {
    throw invalid('`set` must be an object of strings');
  }
  const only = value.only ?? [];
  if (!Array.isArray(only) || only.some((n) => typeof n !== 'string')) throw invalid('`only` must be an array of task names');
  if (value.from !== undefined && typeof value.from !== 'string') throw invalid('`from` must be a task name');
  const lock = value.runLock as { waitMs?: unknown } | undefined;
  if (lock !== undefined && (lock === null || typeof lock !== 'object' || (lock.waitMs !== undefined && (typeof lock.waitMs !== 'number' || !(lock.waitMs >= 0))))) {
    throw invalid('`runLock` must be an object with an optional `waitMs` (a number of milliseconds)');
  }
  return {
    job: value.job,
    set: { ...(set as Record<string, string>) },
    only: [...(only as string[])],
    ...(value.from === undefined ? {} : { from: value.from as string }),
    dryRun: value.dryRun === true,
    local: value.local === true,
    ...(lock === undefined ? {} : { runLock: lock.waitMs === undefined ? {} : { waitMs: lock.waitMs as number } }),
  };
}

/** What `--only` / `--from` select from each run of a job (a job may run several times). */
export class TaskSelection {
  private fromReached: boolean;

  constructor(private readonly options: Pick<RunOptions, 'only' | 'from'>) {
    this.fromReached = options.from === undefined;
  }

  /** Whether only some tasks run. */
  get narrowed(): boolean {
    return this.options.only.length > 0 || this.options.from !== undefined;
  }

  /** The tasks of one run to run, in order. */
  select<T extends { readonly name: string }>(tasks: ReadonlyArray<T>): T[] {
    if (this.options.only.length > 0) return tasks.filter((t) => this.options.only.includes(t.name));
    if (this.fromReached) return [...tasks];
    const index = tasks.findIndex((t) => t.name === this.options.from);
    if (index < 0) return [];
    this.fromReached = true;
    return tasks.slice(index);
  }
}

/** The names `--only` / `--from` give that no run of the job had. */
export function unknownTaskNames(options: Pick<RunOptions, 'only' | 'from'>, seen: Iterable<string>): string[] {
  const known = new Set(seen);
  const names = [...options.only, ...(options.from === undefined ? [] : [options.from])];
  return names.filter((n) => !known.has(n));
}
