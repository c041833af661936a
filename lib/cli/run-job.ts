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

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Runs (or plans) the selected tasks of a job. */
async function runSelected(tasks: TaskClass[], options: RunOptions, local: LocalSession | undefined): Promise<JobOutcome> {
  const started = Date.now();
  try {
    const selected = selectTasks(tasks, options);
    if (Object.keys(options.set).length > 0) pinFormatKws(options.set);
    if (options.dryRun) {
      const plan = planRun(selected);
      const report: RunReport = { tasks: selected.map((t) => ({ name: t.name, status: 'skipped', durationMs: 0 })) };
      return { report, plan, notes: local?.notes() ?? [], elapsedMs: Date.now() - started };
    }
    let report: RunReport;
    let error: unknown;
    try {
      report = await runTasks(selected);
    } catch (failure) {
      error = failure;
      report = (failure as BigraysError).report ?? { tasks: [] };
    }
    return { report, error, notes: (await local?.finish()) ?? [], elapsedMs: Date.now() - started };
  } catch (error) {
    return { report: { tasks: [] }, error, notes: [], elapsedMs: Date.now() - started };
  }
}

/** Loads the job and runs it with `options`; resolves to what happened (it never rejects for a failed run). */
export async function runJob(options: RunOptions): Promise<JobOutcome> {
  const path = resolve(options.job);
  if (!existsSync(path)) throw new UsageError(`no job script at ${options.job}`);
  await registerTypeScript();
  const started = Date.now();
  // Local mode starts before the job loads, so that functional calls go local too.
  const local = options.local ? await startLocal(options.job, options.dryRun) : undefined;

  let outcome: Promise<JobOutcome> | undefined;
  let requested: () => void = () => undefined;
  const runRequested = new Promise<'requested'>((r) => {
    requested = () => r('requested');
  });
  const start = (tasks: TaskClass[]): Promise<JobOutcome> => {
    if (!outcome) {
      outcome = runSelected(tasks, options, local);
      requested();
    }
    return outcome;
  };
  const calls: TaskReport[] = [];
  const runErrors = new Set<unknown>();
  const jobErrors: unknown[] = [];
  // Errors the job's own code leaves unhandled (its handler of bigraysRun(), say) are reported, not a crash.
  const onUnhandled = (reason: unknown): void => {
    if (!runErrors.has(reason)) jobErrors.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  interceptRuns({
    async run(tasks) {
      const result = await start(tasks.length > 0 ? tasks : registeredTasks());
      // A dry run never gives the job a report to act on: its code after bigraysRun() does not run.
      if (options.dryRun) return never();
      if (result.error !== undefined) {
        runErrors.add(result.error);
        throw result.error;
      }
      return result.report;
    },
    async call(task: BaseTask<unknown>, proceed: () => Promise<TaskCall>) {
      if (options.dryRun) {
        calls.push({ name: task.taskName, status: 'skipped', durationMs: 0 });
        return never();
      }
      try {
        const result = await proceed();
        calls.push(result.report);
        return result;
      } catch (error) {
        const failed = (error as BigraysError).report?.tasks[0];
        calls.push(failed ?? { name: task.taskName, status: 'failed', durationMs: 0 });
        throw error;
      }
    },
  });
  try {
    const loaded = import(pathToFileURL(path).href).then(
      () => 'loaded' as const,
      (error: unknown) => ({ error }),
    );
    // A job with top-level `await bigraysRun()` finishes loading only after its run: don't wait for it.
    const first = await Promise.race([loaded, runRequested]);
    if (typeof first === 'object' && !outcome) {
      const error = first.error as Error;
      throw new UsageError(`could not load the job ${options.job}: ${error?.message ?? String(error)}`);
    }
    // Give a job that starts its run from a promise chain a moment to call bigraysRun().
    if (!outcome) await nextTurn();
    if (!outcome && registeredTasks().length === 0) return await runScript(options, calls, jobErrors, local, started);
    const result = await start(registeredTasks());
    // Let the job's own code after its bigraysRun() run before the summary is printed.
    await nextTurn();
    await nextTurn();
    if (jobErrors.length > 0 && result.error === undefined) return { ...result, error: jobFailure(jobErrors[0]) };
    return result;
  } finally {
    interceptRuns(undefined);
    process.off('unhandledRejection', onUnhandled);
    await local?.stop();
  }
}

function jobFailure(error: unknown): BigraysError {
  const message = error instanceof Error ? error.message : String(error);
  return new BigraysError(`the job's own code failed: ${message}`, { cause: error });
}

/** A job of functional calls: wait until it has nothing left to do, then report its calls. */
async function runScript(
  options: RunOptions,
  calls: TaskReport[],
  jobErrors: unknown[],
  local: LocalSession | undefined,
  started: number,
): Promise<JobOutcome> {
  await new Promise<void>((done) => {
    local?.unref();
    process.once('beforeExit', () => done());
  });
  if (calls.length === 0 && jobErrors.length === 0) {
    throw new UsageError(
      `the job ${options.job} registered no tasks and called none: decorate its task classes with @register (from 'bigrays'), or call register(Task)`,
    );
  }
  const report: RunReport = { tasks: calls };
  const failedCall = calls.some((c) => c.status === 'failed');
  let error: unknown;
  if (jobErrors.length > 0) error = jobFailure(jobErrors[0]);
  else if (failedCall || process.exitCode) error = new BigraysError(`the job's functional calls failed: ${calls.filter((c) => c.status === 'failed').map((c) => c.name).join(', ') || 'see above'}`);
  if (error instanceof BigraysError) error.report = report;
  const notes = options.dryRun ? (local?.notes() ?? []) : ((await local?.finish()) ?? []);
  return { report, error, notes, elapsedMs: Date.now() - started };
}
