/**
 * SIGINT and SIGTERM while runs are in progress. bigrays listens only while a run of a runtime
 * is under way (the runtime keeps the watch): the first signal aborts every run in progress
 * (the running task stops, later tasks are skipped, resources close), then the signal takes
 * its usual effect; a second one exits at once.
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

function onSignal(watch: SignalWatch, signal: StopSignal): void {
  if (watch.received !== undefined) {
    log('%s again: exiting now', signal);
    process.exit(SIGNAL_EXIT_CODES[signal]);
  }
  watch.received = signal;
  log('%s: stopping the running task, skipping the rest, closing resources', signal);
  for (const controller of watch.runs) controller.abort(new Interrupted(signal));
}

function listen(watch: SignalWatch, on: boolean): void {
  if (on) watch.listener ??= (signal) => onSignal(watch, signal);
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) {
    if (on) process.on(signal, watch.listener!);
    else if (watch.listener) process.off(signal, watch.listener);
  }
}

/**
 * Aborts `controller` on SIGINT/SIGTERM until the returned function is called. Handlers are
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
