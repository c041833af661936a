/**
 * The ways into a run: `bigraysRun(...)` (a run of task classes), a functional call
 * (`sqlQuery({…})`: one task instance in a run of its own), and a run with settings of the
 * caller's (the Lambda handler's). A top-level run or call of a runtime with a driver goes
 * through it (see ./driver.ts); one inside a task is nested in that task's run.
 */
import { BigraysError } from '../errors';
import { activeContext, currentContext, type RunContext } from '../output';
import { planRun } from './plan';
import { printerFor, progressObserver } from '../progress';
import { registeredTasks } from '../registry';
import type { RunReport, TaskReport } from '../report';
import { currentRuntime, type Runtime } from '../runtime';
import type { BaseTask, TaskClass } from '../task';
import type { RunDriver } from '../run-driver';
import type { RunPlan } from '../run-plan';
import { execute } from './execute';
import type { RunObserver } from '../run-observer';
import { settleInterrupted } from './interrupted';
import { preflightFetching, type PlannedTask, type TaskOverlay } from './preflight';
import type { UnsetKeywordFix } from './template-checks';

/** How one run runs, besides its tasks. */
export interface RunSettings {
  /** Applied to every task before the pre-flight checks. */
  overlay?: TaskOverlay;
  /** Called once the tasks are planned, with the run's context (a runner follows the run through it). */
  onStart?(context: RunContext, planned: PlannedTask[]): void;
  /** Stops the run when it aborts: the running task is aborted with its reason, the rest skipped. */
  signal?: AbortSignal;
  /** Told as each task starts and ends (progress of the run). */
  observer?: RunObserver;
  /** How a keyword no task has is told to be set, when not in the job's code (the Lambda handler's: in the event). */
  unsetKeyword?: UnsetKeywordFix;
}

/** A functional call's output and its one-line report. */
export interface TaskCall {
  output: unknown;
  report: TaskReport;
}

/**
 * Progress on stderr for a job run without a driver (`node job.mjs`): only when
 * `BIGRAYS_PROGRESS=1`, and only for a top-level run. A driver reports its own.
 */
function ownProgress(runtime: Runtime): RunObserver | undefined {
  if (process.env.BIGRAYS_PROGRESS !== '1' || activeContext(runtime) || runtime.driver) return undefined;
  return progressObserver(printerFor(process.stderr).print);
}

/** The overlay of the run `active` is nested in (a functional call inside a task), if it has one. */
function inheritedOverlay(active: RunContext | undefined): TaskOverlay | undefined {
  return active?.overlay && ((task, name) => active.overlay!(task, name));
}

/** The driver's overlay as a run applies it. */
function overlayOf(driver: RunDriver): TaskOverlay | undefined {
  return driver.overlay && ((task, name) => driver.overlay!(task, name));
}

/** Runs `entries` (task classes) as one run of `runtime` (nested in the run in progress here, if any). */
export async function runTasks(entries: ReadonlyArray<TaskClass>, settings: RunSettings = {}, runtime: Runtime = currentRuntime()): Promise<RunReport> {
  const active = activeContext(runtime);
  const context = runtime.newContext(active);
  if (!active) {
    runtime.latest = context;
  }
  const overlay = settings.overlay ?? inheritedOverlay(active);
  if (overlay) context.overlay = overlay;
  const planned = await preflightFetching(entries, context, overlay, { identify: !active, unsetKeyword: settings.unsetKeyword });
  if (settings.signal) context.stopSignal = settings.signal;
  settings.onStart?.(context, planned);
  return execute(planned, context, settings.observer ?? ownProgress(runtime));
}

/** A top-level run its driver picks the tasks of, and hears the end of (a dry run: plans them). */
async function drivenRun(driver: RunDriver, tasks: TaskClass[], runtime: Runtime): Promise<RunReport> {
  const startedAt = Date.now();
  const offeredTasks = tasks.length > 0 ? tasks : registeredTasks(runtime);
  const offered = offeredTasks.map((t) => t.name);
  const selected = driver.select(offeredTasks) as TaskClass[];
  if (driver.dryRun) return dryRun(driver, selected, offered, startedAt, runtime);
  try {
    const report = await runTasks(selected, {
      overlay: overlayOf(driver),
      observer: driver.observer,
      onStart: (_context, planned) => driver.runStarted?.(offered, planned.map((p) => p.cls.name)),
    }, runtime);
    await driver.runEnded({ offered, report, startedAt });
    return report;
  } catch (error) {
    await driver.runEnded({ offered, report: (error as BigraysError).report ?? { tasks: [] }, error, startedAt });
    throw error;
  }
}

/** A dry run: the tasks checked and planned, nothing opened or run; the driver hears the plan. */
async function dryRun(driver: RunDriver, selected: TaskClass[], offered: string[], startedAt: number, runtime: Runtime): Promise<RunReport> {
  const report: RunReport = { tasks: selected.map((t) => ({ name: t.name, status: 'skipped', durationMs: 0 })) };
  let plan: RunPlan;
  try {
    plan = await planRun(selected, overlayOf(driver), runtime);
  } catch (error) {
    await driver.runEnded({ offered, report: { tasks: [] }, error, startedAt });
    throw error;
  }
  await driver.runEnded({ offered, report, plan, startedAt });
  return report;
}

/**
 * `bigraysRun(...tasks)` of `runtime`: with no tasks the registered ones, else exactly those
 * given; through the runtime's driver, if it has one, unless nested in a running task.
 */
export async function runOn(runtime: Runtime, tasks: TaskClass[]): Promise<RunReport> {
  // A run inside a task (a nested run) shares the outer run's resources and stops with its task.
  if (activeContext(runtime)) return runTasks(tasks.length > 0 ? tasks : registeredTasks(runtime), {}, runtime);
  try {
    const driver = runtime.driver;
    return await (driver ? drivenRun(driver, tasks, runtime) : runTasks(tasks.length > 0 ? tasks : registeredTasks(runtime), {}, runtime));
  } catch (error) {
    // Stopped by a signal: once the report is out, the signal ends the process.
    await settleInterrupted(error, runtime);
    throw error;
  }
}

/**
 * Runs tasks in order: with no arguments the registered ones, else exactly those given.
 * Resolves to the run report; rejects with BigraysError when any task failed (after the
 * others ran or were skipped), or before anything runs when configuration or a task's
 * attributes are missing.
 */
export async function bigraysRun(...tasks: TaskClass[]): Promise<RunReport> {
  return runOn(currentRuntime(), tasks);
}

/** Runs one task instance in a run of its own of `runtime`; its output and report. */
export async function callTask(
  task: BaseTask<unknown>, overlay?: TaskOverlay, observer?: RunObserver, runtime: Runtime = currentRuntime(),
): Promise<TaskCall> {
  // Inside a task: a nested run that may share the task's resource. Outside: a run of its own
  // that reads the last run's outputs but never touches a resource a run has open.
  const active = activeContext(runtime);
  const context = active ? runtime.newContext(active) : runtime.newContext(undefined, currentContext(runtime));
  const applied = overlay ?? inheritedOverlay(active);
  if (applied) context.overlay = applied;
  const planned = await preflightFetching([task], context, applied, { identify: !active });
  try {
    const report = await execute(planned, context, observer ?? (active ? undefined : ownProgress(runtime)));
    return { output: context.outputs.get(planned[0].cls), report: report.tasks[0] };
  } catch (error) {
    // The task's own error, not a run summary; the report and the signal ride along for runners.
    const run = error as BigraysError;
    const first = run.errors?.[0] ?? error;
    if (first instanceof BigraysError && run.report) first.report ??= run.report;
    if (first instanceof BigraysError && run.signal) first.signal ??= run.signal;
    throw first;
  }
}

/** A functional call outside any run, as the driver has it: refused, only planned, or run and reported. */
async function drivenCall(driver: RunDriver, task: BaseTask<unknown>, runtime: Runtime): Promise<TaskCall> {
  await driver.callStarting(task.taskName);
  const skipped: TaskReport = { name: task.taskName, status: 'skipped', durationMs: 0 };
  if (driver.dryRun) return { output: undefined, report: skipped };
  try {
    const result = await callTask(task, overlayOf(driver), driver.observer, runtime);
    await driver.callEnded(result.report);
    return result;
  } catch (error) {
    await driver.callEnded((error as BigraysError).report?.tasks[0] ?? { name: task.taskName, status: 'failed', durationMs: 0 });
    throw error;
  }
}

/** Runs one task instance right away in a run of `runtime` of its own (through its driver, outside any run); its output. */
export async function callOn<O>(runtime: Runtime, task: BaseTask<O>): Promise<O> {
  const instance = task as BaseTask<unknown>;
  const active = activeContext(runtime);
  const driver = active ? undefined : runtime.driver;
  try {
    return (await (driver ? drivenCall(driver, instance, runtime) : callTask(instance, undefined, undefined, runtime))).output as O;
  } catch (error) {
    if (!active) await settleInterrupted(error, runtime);
    throw error;
  }
}

/** Runs one task instance right away, in a run of its own; resolves to its output. */
export async function runTaskInstance<O>(task: BaseTask<O>): Promise<O> {
  return callOn(currentRuntime(), task);
}
