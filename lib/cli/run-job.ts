/**
 * `bigrays run <job>`: load a job script (TypeScript without a build step), take over the runs
 * it starts, and run its registered tasks with the command's options. A script of functional
 * calls (`sqlQuery({…})`) runs as it is, its calls reported like tasks.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BigraysError } from '../errors';
import { pinFormatKws } from '../format';
import { planRun, type RunPlan } from '../plan';
import { registeredTasks } from '../registry';
import type { RunReport, TaskReport } from '../report';
import { interceptRuns, runTasks, type TaskCall } from '../run';
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
}

/** The tasks `--only` / `--from` select, in run order. */
export function selectTasks(tasks: TaskClass[], options: Pick<RunOptions, 'only' | 'from'>): TaskClass[] {
  const names = tasks.map((t) => t.name);
  const known = names.length > 0 ? names.join(', ') : 'none';
  const unknown = [...options.only, ...(options.from === undefined ? [] : [options.from])].filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`no task named ${unknown.map((n) => `\`${n}\``).join(', ')} in this job; its tasks: ${known}`);
  }
  if (options.only.length > 0) return tasks.filter((t) => options.only.includes(t.name));
  if (options.from !== undefined) return tasks.slice(names.indexOf(options.from));
  return tasks;
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
async function runSelected(tasks: TaskClass[], options: RunOptions): Promise<JobOutcome> {
  const started = Date.now();
  try {
    const selected = selectTasks(tasks, options);
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

/** Resolves when the process has nothing left to do: the job's code, its runs and calls are all done. */
function idle(local: LocalSession | undefined): Promise<void> {
  local?.unref();
  return new Promise((done) => process.once('beforeExit', () => done()));
}

/** Loads the job and runs it with `options`; resolves to what happened (it never rejects for a failed run). */
export async function runJob(options: RunOptions): Promise<JobOutcome> {
  const path = resolve(options.job);
  if (!existsSync(path)) throw new UsageError(`no job script at ${options.job}`);
  await registerTypeScript();
  const started = Date.now();
  if (Object.keys(options.set).length > 0) pinFormatKws(options.set);
  // Local mode starts before the job loads, so that functional calls go local too.
  const local = options.local ? await startLocal(options.job, options.dryRun) : undefined;

  const runs: JobOutcome[] = [];
  const entries: TaskReport[] = [];
  const runErrors = new Set<unknown>();
  const jobErrors: unknown[] = [];
  // Errors the job's own code leaves unhandled (its handler of bigraysRun(), say) are reported, not a crash.
  const onUnhandled = (reason: unknown): void => {
    if (!runErrors.has(reason)) jobErrors.push(reason);
  };
  const runOnce = async (tasks: TaskClass[]): Promise<JobOutcome> => {
    const outcome = await runSelected(tasks, options);
    runs.push(outcome);
    entries.push(...outcome.report.tasks);
    if (outcome.error !== undefined) runErrors.add(outcome.error);
    return outcome;
  };
  process.on('unhandledRejection', onUnhandled);
  interceptRuns({
    // Each bigraysRun() of the job is a run of its own, with the command's options.
    async run(tasks) {
      const outcome = await runOnce(tasks.length > 0 ? tasks : registeredTasks());
      // A dry run never gives the job a report to act on: its code after bigraysRun() does not run.
      if (options.dryRun) return never();
      if (outcome.error !== undefined) throw outcome.error;
      return outcome.report;
    },
    async call(task: BaseTask<unknown>, proceed: () => Promise<TaskCall>) {
      if (options.dryRun) {
        entries.push({ name: task.taskName, status: 'skipped', durationMs: 0 });
        return never();
      }
      try {
        const result = await proceed();
        entries.push(result.report);
        return result;
      } catch (error) {
        runErrors.add(error);
        entries.push((error as BigraysError).report?.tasks[0] ?? { name: task.taskName, status: 'failed', durationMs: 0 });
        throw error;
      }
    },
  });
  try {
    let loadError: { error: unknown } | undefined;
    void import(pathToFileURL(path).href).catch((error: unknown) => {
      loadError = { error };
    });
    // Wait for the whole job: code after its bigraysRun(), timers, functional calls.
    await idle(local);
    const nothingRan = runs.length === 0 && entries.length === 0;
    if (loadError && nothingRan) {
      const error = loadError.error as Error;
      throw new UsageError(`could not load the job ${options.job}: ${error?.message ?? String(error)}`);
    }
    if (loadError && !runErrors.has(loadError.error)) jobErrors.push(loadError.error);
    if (nothingRan) {
      if (registeredTasks().length === 0) {
        throw new UsageError(
          `the job ${options.job} registered no tasks and called none: decorate its task classes with @register (from 'bigrays'), or call register(Task)`,
        );
      }
      // A job that only registers its tasks: the command runs them.
      await runOnce(registeredTasks());
    }
    const report: RunReport = { tasks: entries };
    let error = runs.find((r) => r.error !== undefined)?.error;
    if (error === undefined && jobErrors.length > 0) error = jobFailure(jobErrors[0], report);
    if (error === undefined && entries.some((e) => e.status === 'failed')) {
      error = jobFailure(new Error(`${entries.filter((e) => e.status === 'failed').map((e) => e.name).join(', ')} failed`), report);
    }
    const plan = runs.find((r) => r.plan)?.plan;
    let notes: string[] = [];
    try {
      notes = options.dryRun ? (local?.notes() ?? []) : ((await local?.finish()) ?? []);
    } catch (failure) {
      notes = [...(local?.notes() ?? []), `could not save the local outputs: ${(failure as Error)?.message ?? String(failure)}`];
      error ??= jobFailure(failure, report);
    }
    return { report, error, plan, notes, elapsedMs: Date.now() - started };
  } finally {
    interceptRuns(undefined);
    process.off('unhandledRejection', onUnhandled);
    await local?.stop();
  }
}

/** A failure of the job's own code (not of a task): exit code 1, like a failed task. */
function jobFailure(error: unknown, report: RunReport): BigraysError {
  if (error instanceof BigraysError && error.report !== undefined) return error;
  const message = error instanceof Error ? error.message : String(error);
  const failure = new BigraysError(`the job failed: ${message}`, { cause: error });
  failure.report = report;
  return failure;
}
