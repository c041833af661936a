/**
 * SIGINT and SIGTERM while runs are in progress. bigrays listens only while a run of a runtime
 * is under way (the runtime keeps the watch): the first signal aborts every run in progress
 * (the running task stops, later tasks are skipped, resources close), then the signal takes
 * its usual effect; a second one exits at once.
 *
 * The same watch fails a run the process can no longer finish: when node is about to exit
 * because nothing is left to wait for (no timer, socket, child or file operation: its
 * `beforeExit`) while a run is in progress, the running task waits on a promise nothing will
 * ever settle. Without the watch the process would end with status 0 and the task would
 * count as done; with it, the task fails saying so, and the run ends as any failed run does.
 */
import { BigraysError } from './errors';
import { logger } from './log';
import type { SignalWatch, StopSignal } from './runtime';

const log = logger('run');

export type { SignalWatch, StopSignal };

/** The exit code of a process ended by `signal`, as shells report it (128 + its number). */
export const SIGNAL_EXIT_CODES: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Why a run was aborted by a signal: the running task fails with it. */
export class Interrupted extends BigraysError {
  constructor(override readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
  }
}

/** Why a run was aborted because the process had nothing left that could finish it: the running task fails with it. */
export class Stalled extends BigraysError {
  constructor() {
    super('its run() was still waiting when the process had nothing left that could end the wait (no timer, socket, child process or file operation pending): a promise that is never resolved or rejected?');
  }
}

function onSignal(watch: SignalWatch, signal: StopSignal): void {
  if (watch.received !== undefined) {
    log('%s again: exiting now', signal);
    process.exit(SIGNAL_EXIT_CODES[signal]);
  }
  watch.received = signal;
  log('%s: stopping the running task, skipping the rest, closing resources', signal);
  for (const controller of watch.runs) controller.abort(new Interrupted(signal));
}

/** How long the process is kept alive, after a stall, for the stopped runs to close their resources and report. */
const STALL_WIND_DOWN_MS = 10_000;

/**
 * `beforeExit` while runs are in progress. Decided a turn of the loop later: the job's own
 * `beforeExit` listeners may have started something (a flush, a timer) that settles the task;
 * then nothing is stopped, and a stall that remains is seen at the next `beforeExit`.
 */
function onStalled(watch: SignalWatch): void {
  if (watch.stallCheck !== undefined || watch.stallWindDown !== undefined) return;
  // What is listed now keeps nothing alive (an idle stdout pipe, say): only what is added counts.
  const idle = process.getActiveResourcesInfo().length;
  watch.stallCheck = setImmediate(() => {
    watch.stallCheck = undefined;
    if (watch.runs.size === 0 || process.getActiveResourcesInfo().length > idle) return;
    log('nothing is left that could finish the run in progress: failing its running task');
    for (const controller of watch.runs) controller.abort(new Stalled());
    // Closing may wait on the same stalled work: the process ends once the runs settle, or
    // after the wind-down, then with status 1 (never 0 for a run that did not finish).
    watch.stallWindDown = setTimeout(() => {
      watch.stallWindDown = undefined;
      if (watch.runs.size === 0) return;
      process.exitCode = 1;
      process.stderr.write(`bigrays: a task never finished (nothing was left that could end its wait) and its run did not close within ${STALL_WIND_DOWN_MS / 1000} s: exiting with status 1\n`);
    }, STALL_WIND_DOWN_MS);
  });
}

function listen(watch: SignalWatch, on: boolean): void {
  if (on) {
    watch.listener ??= (signal) => onSignal(watch, signal);
    watch.stalled ??= () => onStalled(watch);
  }
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) {
    if (on) process.on(signal, watch.listener!);
    else if (watch.listener) process.off(signal, watch.listener);
  }
  if (on) {
    // First, so that what the job's own listeners start is seen as started.
    process.prependListener('beforeExit', watch.stalled!);
    return;
  }
  if (watch.stalled) process.off('beforeExit', watch.stalled);
  clearImmediate(watch.stallCheck);
  clearTimeout(watch.stallWindDown);
  watch.stallCheck = undefined;
  watch.stallWindDown = undefined;
}

/**
 * Aborts `controller` on SIGINT/SIGTERM (or when the process has nothing left to do) until the returned function is called. Handlers are
 * installed while at least one run of `watch` is in progress, and removed after the last.
 */
export function watchSignals(watch: SignalWatch, controller: AbortController): () => void {
  if (watch.runs.size === 0) {
    watch.received = undefined;
    listen(watch, true);
  }
  watch.runs.add(controller);
  return () => {
    if (!watch.runs.delete(controller) || watch.runs.size > 0) return;
    listen(watch, false);
  };
}

/**
 * After a run that a signal stopped has settled: lets the signal end the process as it would
 * have without bigrays (exit status 130/143), unless the job listens to that signal itself.
 * `beforeExit` runs first (to print the summary, or hand the report over).
 */
export async function endInterrupted(watch: SignalWatch, signal: StopSignal, beforeExit: () => Promise<void> | void): Promise<void> {
  if (watch.runs.size > 0) return; // another run is still stopping; the last one to settle ends the process
  await beforeExit();
  if (process.listenerCount(signal) > 0) {
    log('the job listens to %s itself: leaving the exit to it', signal);
    return;
  }
  watch.received = undefined;
  process.kill(process.pid, signal);
  // The signal ends the process in a moment; nothing of the job runs meanwhile. Where it is
  // ignored (a background job of a shell), the exit code says the same.
  await new Promise<never>(() => setTimeout(() => process.exit(SIGNAL_EXIT_CODES[signal]), 500));
}
