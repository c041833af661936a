/**
 * The run loop: runs planned tasks in order within their run's context, sharing one open
 * resource between consecutive tasks that need it, skipping the rest after a failure (unless
 * a task runs with exceptions) or once the run is stopped, and builds the run's report.
 */
import { BigraysError, TaskError } from '../errors';
import { metricsSoFar } from '../live-metrics';
import { logger } from '../log';
import { taskMessage } from '../messages';
import type { RunContext } from '../output';
import { shortRunId, type RunReport, type TaskReport } from '../report';
import { ResourceManager } from '../resources/resource';
import { scrubErrorIn, scrubIn } from '../secrets';
import { Interrupted, watchSignals } from '../signals';
import { skipReason, taskMetrics, type BaseTask } from '../task';
import { within } from '../timing';
import { attempt } from './attempt';
import { blameInput } from './input-failure';
import { setRunKeywords } from './failure-keywords';
import type { RunObserver } from '../run-observer';
import { own, type PlannedTask } from './planned-task';
import { LockLostError } from '../lock/lock-lost';
import { RunLock } from '../lock/run-lock';
import { letGoIncremental } from '../tasks/incremental';

const log = logger('run');

/** How long closing the open resource may take after a run was interrupted. */
const CLOSE_AFTER_INTERRUPT_MS = 4000;

/** Calls `observer` (if any) through `call`; what it throws is logged, never raised. */
function tell(observer: RunObserver | undefined, call: (o: RunObserver) => void): void {
  if (!observer) return;
  try {
    call(observer);
  } catch (error) {
    log('the run observer failed: %s', (error as Error)?.message ?? String(error));
  }
}

/** The run of `context` as its tasks' progress names it while another top-level run is in progress; else undefined. */
function runTag(context: RunContext): string | undefined {
  const runId = (context.parent ? undefined : context.identity?.runId);
  return runId !== undefined && context.runtime.signals.runs.size > 1 ? shortRunId(runId) : undefined;
}

/**
 * Lets go of what a task that did not finish (or skipped itself) was given to read: a stream in
 * one of its fields (a file it opened, a query cursor) is closed, not left open until the
 * process ends, and an incremental task's rows take back the cursor they staged; `output`,
 * what the task passes on, is kept. Resolves once they are closed.
 */
async function releaseInputs(task: BaseTask<unknown>, output?: unknown): Promise<void> {
  for (const value of Object.values(own(task))) {
    if (value === null || typeof value !== 'object' || value === output) continue;
    if (await letGoIncremental(value)) continue;
    const candidate = value as { destroy?: unknown; pipe?: unknown; destroyed?: boolean; release?: unknown; rows?: unknown };
    if (typeof candidate.pipe === 'function' && typeof candidate.destroy === 'function' && !candidate.destroyed) {
      (candidate.destroy as () => void).call(value);
    } else if (typeof candidate.release === 'function' && candidate.rows !== undefined) {
      await Promise.resolve((candidate.release as () => unknown).call(value)).catch(() => undefined);
    }
  }
}

function asTaskError(error: unknown, name: string, context: RunContext): BigraysError {
  if (error instanceof BigraysError && error.taskName !== undefined) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TaskError(scrubIn(context.runtime, `${name} failed: ${message}`), { cause: error, taskName: name });
}

/** Closes the run's open resource; after an interrupt, gives up waiting after CLOSE_AFTER_INTERRUPT_MS. */
async function releaseAll(manager: ResourceManager, interrupted: boolean): Promise<void> {
  if (!interrupted) {
    await manager.releaseAll();
    return;
  }
  if (!(await within(manager.releaseAll(), CLOSE_AFTER_INTERRUPT_MS))) {
    log('closing the open resource took over %d ms after the interrupt: leaving it', CLOSE_AFTER_INTERRUPT_MS);
  }
}

/**
 * Runs planned tasks in order within `context`; resolves to the report, or rejects with
 * BigraysError. A top-level run holds its job's run lock (config `LOCK`) until its state is settled.
 */
export async function execute(planned: PlannedTask[], context: RunContext, observer?: RunObserver): Promise<RunReport> {
  const lock = context.parent ? undefined : new RunLock(context);
  try {
    return await runPlanned(planned, context, observer, lock);
  } finally {
    await lock?.release();
  }
}

/** The run itself: its tasks in order, after `lock` (a top-level run's) was taken. */
async function runPlanned(planned: PlannedTask[], context: RunContext, observer: RunObserver | undefined, lock: RunLock | undefined): Promise<RunReport> {
  for (const { cls } of planned) context.states.set(cls, 'pending');
  const manager = new ResourceManager(context.handles, context.parent?.manager);
  context.manager = manager;
  // A top-level run stops on SIGINT/SIGTERM; a nested one (a functional call inside a task) with that task.
  const controller = new AbortController();
  const parentSignal = context.parent?.taskSignal ?? context.stopSignal;
  const runSignal = parentSignal ? AbortSignal.any([controller.signal, parentSignal]) : controller.signal;
  const unwatch = context.parent ? () => undefined : watchSignals(context.runtime.signals, controller);
  const report: RunReport = { ...(context.parent ? {} : { runId: context.identity?.runId }), startedAt: new Date().toISOString(), tasks: [] };
  context.report = report;
  const errors: unknown[] = [];
  const runStarted = Date.now();
  try {
    await lock?.take(runSignal, (lost) => controller.abort(lost));
    for (const task of planned) {
      setRunKeywords(context);
      const failed = errors.length > 0 && !task.task.runWithExceptions;
      const entry = runSignal.aborted || failed
        ? await skip(task, context, runSignal.aborted)
        : await runOne(task, context, manager, runSignal, errors, observer);
      report.tasks.push(entry);
      tell(observer, (o) => o.taskEnded?.(entry, runTag(context)));
    }
  } finally {
    await releaseAll(manager, runSignal.aborted);
    unwatch();
    report.endedAt = new Date().toISOString();
  }
  for (const name of manager.unreleased) {
    log('%s.output was never read: its SQL session was closed at the end of the run', name);
    const entry = report.tasks.find((t) => t.name === name);
    if (entry) entry.unread = true;
  }
  errors.push(...manager.closeErrors);
  const closeFailed = manager.closeErrors.length > 0;
  // A lock lost by now stops the run: its state is not written.
  if (errors.length === 0 && !runSignal.aborted) await lock?.confirm();
  if (!context.parent) await settleState(context, errors.length === 0 && !runSignal.aborted, errors);
  const failed = report.tasks.filter((t) => t.status === 'failed').map((t) => t.name);
  log('run finished in %dms: %d ok, %d failed, %d skipped', Date.now() - runStarted,
    report.tasks.filter((t) => t.status === 'ok').length, failed.length,
    report.tasks.filter((t) => t.status === 'skipped').length);
  const failure = runFailure(context, errors, failed, controller.signal, closeFailed);
  if (failure) throw failure;
  return report;
}

/**
 * The end of a top-level run for its job's state: the changes its tasks staged are written
 * when it succeeded (a failed write fails the run), else dropped; the report says which.
 */
async function settleState(context: RunContext, succeeded: boolean, errors: unknown[]): Promise<void> {
  const state = context.jobState;
  if (!state) return;
  try {
    if (succeeded) await state.commit();
  } catch (error) {
    errors.push(error instanceof BigraysError ? error
      : new BigraysError(`writing the state of job ${state.job} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
  }
  try {
    const shown = await state.report();
    if (shown && context.report) context.report.state = shown;
  } finally {
    await state.close().catch((error) => log('closing the state store failed: %s', (error as Error)?.message));
  }
}

/** A task the run does not start: after a failure, or once the run was stopped. */
async function skip({ cls, task }: PlannedTask, context: RunContext, stopped: boolean): Promise<TaskReport> {
  log('skipping %s: %s', cls.name, stopped ? 'the run was stopped' : 'an earlier task failed');
  context.states.set(cls, 'skipped');
  await releaseInputs(task);
  return { name: cls.name, status: 'skipped', durationMs: 0 };
}

/** Runs one task through its attempts; its report entry. A failure joins `errors`. */
async function runOne(
  planned: PlannedTask, context: RunContext, manager: ResourceManager, runSignal: AbortSignal, errors: unknown[], observer?: RunObserver,
): Promise<TaskReport> {
  const { cls, task, config } = planned;
  const name = cls.name;
  const entry: TaskReport = { name, status: 'ok', startedAt: new Date().toISOString(), durationMs: 0 };
  const started = performance.now();
  context.states.set(cls, 'running');
  log('running %s', name);
  tell(observer, (o) => o.taskStarted?.(name, entry.startedAt!, () => metricsSoFar(task), runTag(context)));
  const result = await attempt(planned, context, manager, runSignal);
  entry.attempts = result.attempts;
  if (result.error === undefined) {
    context.outputs.set(cls, result.output);
    context.states.set(cls, 'ok');
    const reason = skipReason(task);
    if (reason !== undefined) {
      // Skipped by itself: its output stands, what it was to read is let go.
      entry.status = 'skipped';
      entry.reason = scrubIn(context.runtime, reason, config);
      await releaseInputs(task, result.output);
    }
  } else {
    // An SQLStream whose query failed as this task read it failed first; this task, because of it.
    const input = blameInput(context, name, result.error);
    if (input) {
      errors.push(input.streamError);
      if (input.entry) tell(observer, (o) => o.taskEnded?.(input.entry!, runTag(context)));
    }
    const error = asTaskError(scrubErrorIn(context.runtime, input?.readerError ?? result.error, config), name, context);
    await releaseInputs(task);
    manager.noteFailure(error);
    context.states.set(cls, 'failed');
    entry.status = 'failed';
    entry.error = scrubIn(context.runtime, error.message, config);
    errors.push(error);
  }
  // A session its rows held open closes once they are read (or their reader failed).
  await manager.settle();
  entry.durationMs = Math.round(performance.now() - started);
  const { rows, bytes } = taskMetrics(task);
  if (rows !== undefined) entry.rows = rows;
  if (bytes !== undefined) entry.bytes = bytes;
  const ended = entry.status === 'failed' ? `failed (${entry.error})` : entry.status === 'skipped' ? `skipped itself (${entry.reason})` : 'finished';
  log('%s %s in %dms', name, ended, entry.durationMs);
  return entry;
}

/**
 * The error a run rejects with, when a task failed, a resource could not be closed, or the
 * run was stopped (by a signal, or from outside: a deadline of the caller's, a failure even
 * between two tasks); undefined when it went well.
 */
function runFailure(context: RunContext, errors: unknown[], failed: string[], runSignal: AbortSignal, closeFailed: boolean): BigraysError | undefined {
  const { report, stopSignal } = context;
  const interrupted = runSignal.reason instanceof Interrupted ? runSignal.reason.signal : undefined;
  const lockLost = runSignal.reason instanceof LockLostError ? runSignal.reason : undefined;
  const stop = stopSignal?.aborted && interrupted === undefined ? stopSignal.reason : undefined;
  const stopped = stop === undefined ? undefined : stop instanceof Error ? stop.message : String(stop);
  if (errors.length === 0 && interrupted === undefined && stopped === undefined && lockLost === undefined) return undefined;

  const details = errors.map((e) => {
    const err = e as BigraysError;
    return `  ${taskMessage(err.taskName ?? 'after the run', scrubIn(context.runtime, err.message))}`;
  });
  let head = failed.length > 0
    ? `bigrays run failed: ${failed.length === 1 ? 'task' : 'tasks'} ${failed.join(', ')} failed`
    : closeFailed ? 'bigrays run failed: a resource could not be closed'
      : errors.length > 0 ? "bigrays run failed: its tasks ran, but the job's state could not be written" : 'bigrays run failed';
  if (interrupted !== undefined) head += `; interrupted by ${interrupted}, the tasks after it were skipped`;
  if (stopped !== undefined) head += `; stopped (${stopped}), the tasks after it were skipped`;
  if (lockLost !== undefined) head = `${failed.length > 0 ? `${head};` : 'bigrays run failed:'} ${lockLost.message}`;
  const error = new BigraysError(`${head}\n${details.join('\n')}`, { cause: errors[0] ?? lockLost ?? stop });
  error.errors = errors;
  error.report = report;
  if (interrupted !== undefined) error.signal = interrupted;
  return error;
}
