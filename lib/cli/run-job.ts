/**
 * `bigrays run <job>`: load a job script (TypeScript without a build step), take over its
 * `bigraysRun()` call, and run its registered tasks with the command's options.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BigraysError } from '../errors';
import { updateFormatKws } from '../format';
import { planRun, type RunPlan } from '../plan';
import { registeredTasks } from '../registry';
import type { RunReport } from '../report';
import { interceptRuns, runTasks } from '../run';
import type { TaskClass } from '../task';
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

async function runSelected(tasks: TaskClass[], options: RunOptions): Promise<JobOutcome> {
  const started = Date.now();
  let local: LocalSession | undefined;
  try {
    const selected = selectTasks(tasks, options);
    if (Object.keys(options.set).length > 0) updateFormatKws(options.set);
    if (options.local) local = await startLocal(options.job, options.dryRun);
    if (options.dryRun) {
      const plan = planRun(selected);
      const report: RunReport = { tasks: selected.map((t) => ({ name: t.name, status: 'skipped', durationMs: 0 })) };
      return { report, plan, notes: local?.notes() ?? [], elapsedMs: Date.now() - started };
    }
    try {
      const report = await runTasks(selected);
      return { report, notes: (await local?.finish()) ?? [], elapsedMs: Date.now() - started };
    } catch (error) {
      const report = (error as BigraysError).report ?? { tasks: [] };
      return { report, error, notes: (await local?.finish()) ?? [], elapsedMs: Date.now() - started };
    }
  } catch (error) {
    return { report: { tasks: [] }, error, notes: [], elapsedMs: Date.now() - started };
  } finally {
    await local?.stop();
  }
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Loads the job and runs it with `options`; resolves to what happened (it never rejects for a failed run). */
export async function runJob(options: RunOptions): Promise<JobOutcome> {
  const path = resolve(options.job);
  if (!existsSync(path)) throw new UsageError(`no job script at ${options.job}`);
  await registerTypeScript();

  let outcome: Promise<JobOutcome> | undefined;
  let requested: () => void = () => undefined;
  const runRequested = new Promise<'requested'>((r) => {
    requested = () => r('requested');
  });
  const start = (tasks: TaskClass[]): Promise<JobOutcome> => {
    if (!outcome) {
      outcome = runSelected(tasks, options);
      requested();
    }
    return outcome;
  };
  const runErrors = new Set<unknown>();
  const jobErrors: unknown[] = [];
  // Errors the job's own code leaves unhandled (its handler of bigraysRun(), say) are reported, not a crash.
  const onUnhandled = (reason: unknown): void => {
    if (!runErrors.has(reason)) jobErrors.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  interceptRuns(async (tasks) => {
    const result = await start(tasks.length > 0 ? tasks : registeredTasks());
    // A dry run never gives the job a report to act on: its code after bigraysRun() does not run.
    if (options.dryRun) return new Promise<never>(() => undefined);
    if (result.error !== undefined) {
      runErrors.add(result.error);
      throw result.error;
    }
    return result.report;
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
    if (!outcome && registeredTasks().length === 0) {
      throw new UsageError(
        `the job ${options.job} registered no tasks: decorate its task classes with @register (from 'bigrays'), or call register(Task)`,
      );
    }
    const result = await start(registeredTasks());
    // Let the job's own code after its bigraysRun() run before the summary is printed.
    await nextTurn();
    await nextTurn();
    if (jobErrors.length > 0 && result.error === undefined) {
      const error = jobErrors[0] as Error;
      return { ...result, error: new BigraysError(`the job's own code failed after the run: ${error?.message ?? String(error)}`, { cause: error }) };
    }
    return result;
  } finally {
    interceptRuns(undefined);
    process.off('unhandledRejection', onUnhandled);
  }
}
