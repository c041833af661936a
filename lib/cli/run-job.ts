/**
 * `bigrays run <job>`: load a job script (TypeScript without a build step), take over the runs
 * it starts, and run its registered tasks with the command's options. A script of functional
 * calls (`sqlQuery({…})`) runs as it is, its calls reported like tasks.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BigraysConfig } from '../config';
import { BigraysError } from '../errors';
import { defaultRuntime } from '../runtime';
import { planRun, type RunPlan } from '../plan';
import { registeredTasks } from '../registry';
import type { RunReport, TaskReport } from '../report';
import { interceptRuns, JobExit, runTasks, type TaskCall } from '../run';
import type { BaseTask, TaskClass } from '../task';
import { UsageError, type RunOptions } from './args';
import { startLocal, type LocalSession } from './local';

export interface JobOutcome {
  report: RunReport;
  /** The failure, when the run failed or could not start. */
  error?: unknown;
  plan?: RunPlan;
  /** Lines saying where local-mode outputs went. */
  notes: string[];
  elapsedMs: number;
  /** The job was done but kept the process alive (or asked to exit): the command must end it. */
  forced?: boolean;
  /** The code the job passed to process.exit() or left in process.exitCode, if not 0. */
  exitRequested?: number;
  /** Things the user should know that are not failures. */
  warnings?: string[];
}

/** What `--only` / `--from` select from each run of a job (a job may run several times). */
export class TaskSelection {
  /** Names of every task the job offered to run. */
  private readonly seen = new Set<string>();
  private fromReached: boolean;

  constructor(private readonly options: Pick<RunOptions, 'only' | 'from'>) {
    this.fromReached = options.from === undefined;
  }

  /** Whether the command runs only some tasks. */
  get narrowed(): boolean {
    return this.options.only.length > 0 || this.options.from !== undefined;
  }

  /** The tasks of one run to run, in order. */
  select(tasks: TaskClass[]): TaskClass[] {
    for (const task of tasks) this.seen.add(task.name);
    if (this.options.only.length > 0) return tasks.filter((t) => this.options.only.includes(t.name));
    if (this.fromReached) return tasks;
    const index = tasks.findIndex((t) => t.name === this.options.from);
    if (index < 0) return [];
    this.fromReached = true;
    return tasks.slice(index);
  }

  /** A usage error for names no run of the job had, if any. */
  unknown(registered: TaskClass[]): UsageError | undefined {
    for (const task of registered) this.seen.add(task.name);
    const names = [...this.options.only, ...(this.options.from === undefined ? [] : [this.options.from])];
    const missing = names.filter((n) => !this.seen.has(n));
    if (missing.length === 0) return undefined;
    const known = this.seen.size > 0 ? [...this.seen].join(', ') : 'none';
    return new UsageError(`no task named ${missing.map((n) => `\`${n}\``).join(', ')} in this job; its tasks: ${known}`);
  }
}

let tsxRegistered = false;

/** Lets `import()` load TypeScript job scripts (CommonJS and ES modules). */
async function registerTypeScript(): Promise<void> {
  if (tsxRegistered) return;
  tsxRegistered = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('tsx/cjs/api') as { register(): unknown }).register();
  // The ES module build: it locates its loader from its own URL.
  const esm = (await import('tsx/esm/api')) as { register(): unknown };
  esm.register();
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Runs (or plans) the selected tasks of one `bigraysRun()` of the job. */
async function runSelected(selected: TaskClass[], options: RunOptions): Promise<JobOutcome> {
  const started = Date.now();
  try {
    if (options.dryRun) {
      const plan = planRun(selected);
      const report: RunReport = { tasks: selected.map((t) => ({ name: t.name, status: 'skipped', durationMs: 0 })) };
      return { report, plan, notes: [], elapsedMs: Date.now() - started };
    }
    try {
      return { report: await runTasks(selected), notes: [], elapsedMs: Date.now() - started };
    } catch (error) {
      return { report: (error as BigraysError).report ?? { tasks: [] }, error, notes: [], elapsedMs: Date.now() - started };
    }
  } catch (error) {
    return { report: { tasks: [] }, error, notes: [], elapsedMs: Date.now() - started };
  }
}

/** How long a job may keep the process alive doing nothing before the command reports anyway. */
function quietMs(): number {
  const seconds = Number(process.env.BIGRAYS_CLI_IDLE_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}

/** Follows what the job does, to tell when it is done. */
class JobWatch {
  private inFlight = 0;
  private lastActivity = Date.now();
  private isLoaded = false;
  /** The command has stopped listening: whatever the job starts now does not run. */
  ended = false;

  get loaded(): boolean {
    return this.isLoaded;
  }

  set loaded(value: boolean) {
    this.isLoaded = value;
    this.lastActivity = Date.now();
  }
  /** The exit code the job asked for with process.exit(), if it did. */
  exitRequested?: number;
  private wake: () => void = () => undefined;

  /** Counts `work` as the job being busy. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
      this.lastActivity = Date.now();
    }
  }

  /** The job asked to end (process.exit): report now. */
  requestExit(code: number): void {
    this.exitRequested ??= code;
    this.wake();
  }

  /**
   * Resolves when the job is done: the process has nothing left to do, or the job asked to
   * exit, or it has been loaded and idle for CLI_IDLE_SECONDS while something (an open connection, a
   * timer) keeps the process alive; `forced` is true then.
   */
  done(local: LocalSession | undefined): Promise<{ forced: boolean }> {
    local?.unref();
    return new Promise((resolve) => {
      const finish = (forced: boolean): void => {
        clearInterval(check);
        process.off('beforeExit', onBeforeExit);
        this.ended = true;
        resolve({ forced });
      };
      const onBeforeExit = (): void => finish(false);
      const quiet = quietMs();
      const check = setInterval(() => {
        if (this.loaded && this.inFlight === 0 && Date.now() - this.lastActivity > quiet) finish(true);
      }, 100);
      check.unref();
      this.wake = () => finish(true);
      if (this.exitRequested !== undefined) finish(true);
      process.once('beforeExit', onBeforeExit);
    });
  }
}

/** Loads the job and runs it with `options`; resolves to what happened (it never rejects for a failed run). */
export async function runJob(options: RunOptions): Promise<JobOutcome> {
  const path = resolve(options.job);
  if (!existsSync(path)) throw new UsageError(`no job script at ${options.job}`);
  await registerTypeScript();
  const started = Date.now();
  if (Object.keys(options.set).length > 0) defaultRuntime.keywords.pin(options.set);
  // Local mode starts before the job loads, so that functional calls go local too.
  const local = options.local ? await startLocal(options.job, options.dryRun) : undefined;

  const selection = new TaskSelection(options);
  const watch = new JobWatch();
  const runs: JobOutcome[] = [];
  const entries: TaskReport[] = [];
  const runErrors = new Set<unknown>();
  const jobErrors: unknown[] = [];
  const usageErrors: UsageError[] = [];
  // What the job's own code leaves unhandled (an error after its run, say) is reported, not a crash.
  const onJobError = (reason: unknown): void => {
    if (!runErrors.has(reason) && !(reason instanceof JobExit)) jobErrors.push(reason);
  };
  const stopped = (): boolean => watch.ended || watch.exitRequested !== undefined;
  const exit = process.exit;
  // process.exit() ends the job where it is called, as it would without the command; the
  // command then reports and exits itself.
  process.exit = ((code?: number | string | null) => {
    const exitCode = Number(code ?? process.exitCode ?? 0);
    watch.requestExit(exitCode);
    throw new JobExit(exitCode);
  }) as typeof process.exit;
  process.on('unhandledRejection', onJobError);
  process.on('uncaughtException', onJobError);
  interceptRuns({
    // Each bigraysRun() of the job is a run of its own, with the command's options.
    async run(tasks) {
      if (stopped()) return never();
      const selected = selection.select(tasks.length > 0 ? tasks : registeredTasks());
      const outcome = await watch.track(() => runSelected(selected, options));
      runs.push(outcome);
      entries.push(...outcome.report.tasks);
      // A dry run never gives the job a report to act on: its code after the first planned run
      // does not run. A run the selection left empty lets the job go on to its next run.
      if ((options.dryRun && selected.length > 0) || stopped()) return never();
      if (outcome.error !== undefined) {
        runErrors.add(outcome.error);
        throw outcome.error;
      }
      return outcome.report;
    },
    // A functional call: reported like a task; its failure is the job's to handle.
    async call(task: BaseTask<unknown>, proceed: () => Promise<TaskCall>) {
      if (stopped()) return never();
      if (selection.narrowed) {
        const refusal = new UsageError(`--only and --from pick registered tasks; run this job without them (it calls ${task.taskName}() directly)`);
        usageErrors.push(refusal);
        throw refusal;
      }
      if (options.dryRun) {
        entries.push({ name: task.taskName, status: 'skipped', durationMs: 0 });
        return never();
      }
      return watch.track(async () => {
        try {
          const result = await proceed();
          entries.push(result.report);
          return result;
        } catch (error) {
          entries.push((error as BigraysError).report?.tasks[0] ?? { name: task.taskName, status: 'failed', durationMs: 0 });
          throw error;
        }
      });
    },
  });
  try {
    let loadError: { error: unknown } | undefined;
    void import(pathToFileURL(path).href).then(
      () => {
        watch.loaded = true;
      },
      (error: unknown) => {
        watch.loaded = true;
        loadError = { error };
      },
    );
    // Wait for the whole job: code after its bigraysRun(), timers, functional calls.
    const { forced } = await watch.done(local);
    if (loadError?.error instanceof JobExit) loadError = undefined;
    const nothingRan = runs.length === 0 && entries.length === 0;
    if (loadError && nothingRan) {
      const error = loadError.error as Error;
      throw new UsageError(`could not load the job ${options.job}: ${error?.message ?? String(error)}`);
    }
    if (loadError && !runErrors.has(loadError.error)) jobErrors.push(loadError.error);
    // Only a job that ended on its own (not one cut off while it may still be waiting) has its registry run.
    if (nothingRan && !forced && jobErrors.length === 0 && watch.exitRequested === undefined) {
      if (registeredTasks().length === 0) {
        throw new UsageError(
          `the job ${options.job} registered no tasks and called none: decorate its task classes with @register (from 'bigrays'), or call register(Task)`,
        );
      }
      // A job that only registers its tasks: the command runs them.
      const outcome = await runSelected(selection.select(registeredTasks()), options);
      runs.push(outcome);
      entries.push(...outcome.report.tasks);
    }
    const report: RunReport = { tasks: entries };
    let error: unknown = usageErrors[0] ?? selection.unknown(registeredTasks());
    error ??= runs.find((r) => r.error !== undefined)?.error;
    if (error === undefined && jobErrors.length > 0) error = jobErrors[0] instanceof UsageError ? jobErrors[0] : jobFailure(jobErrors[0], report);
    const plans = runs.flatMap((r) => (r.plan ? [r.plan] : []));
    const plan = plans.length === 0 ? undefined : { steps: plans.flatMap((p) => p.steps), finally: plans.flatMap((p) => p.finally) };
    let notes: string[] = [];
    try {
      notes = options.dryRun ? (local?.notes() ?? []) : ((await local?.finish()) ?? []);
    } catch (failure) {
      notes = [...(local?.notes() ?? []), `could not save the local outputs: ${(failure as Error)?.message ?? String(failure)}`];
      error ??= jobFailure(failure, report);
    }
    const warnings: string[] = [];
    if (forced && watch.exitRequested === undefined) {
      const idle = Number(process.env.BIGRAYS_CLI_IDLE_SECONDS) || 60;
      warnings.push(
        `the job did nothing for ${idle} s but kept the process alive (an open connection or timer?): the command ended it. ` +
          'A job that waits longer between runs can raise BIGRAYS_CLI_IDLE_SECONDS.',
      );
    }
    // A non-zero process.exitCode the job set (a check of its own) is kept, as node would keep it.
    const exitRequested = watch.exitRequested ?? (Number(process.exitCode ?? 0) || undefined);
    process.exitCode = undefined;
    return { report, error, plan, notes, warnings, elapsedMs: Date.now() - started, forced: forced || watch.exitRequested !== undefined, exitRequested };
  } finally {
    interceptRuns(undefined);
    process.exit = exit;
    process.off('unhandledRejection', onJobError);
    process.off('uncaughtException', onJobError);
    await local?.stop();
  }
}

/** A failure of the job's own code (not of a task): exit code 1, like a failed task. */
function jobFailure(error: unknown, report: RunReport): BigraysError {
  // A task's failure carries its report (exit 1); a configuration or attribute error does not (exit 2).
  if (error instanceof BigraysError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const failure = new BigraysError(`the job failed: ${message}`, { cause: error });
  failure.report = report;
  return failure;
}
