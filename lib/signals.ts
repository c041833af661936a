/**
 * SIGINT and SIGTERM while runs are in progress. bigrays listens only while a run is under way:
 * the first signal aborts every run in progress (the running task stops, later tasks are
 * skipped, resources close), then the signal takes its usual effect; a second one exits at once.
 */
import { BigraysError } from './errors';
import { logger } from './log';

const log = logger('run');

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit code of a process ended by `signal`, as shells report it (128 + its number). */
export const SIGNAL_EXIT_CODES: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Why a run was aborted by a signal: the running task fails with it. */
export class Interrupted extends BigraysError {
  constructor(override readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
  }
}

/** The runs in progress in this process, each by the controller that aborts it. */
const runs = new Set<AbortController>();
let received: StopSignal | undefined;

function onSignal(signal: StopSignal): void {
  if (received !== undefined) {
    log('%s again: exiting now', signal);
    process.exit(SIGNAL_EXIT_CODES[signal]);
  }
  received = signal;
  log('%s: stopping the running task, skipping the rest, closing resources', signal);
  for (const controller of runs) controller.abort(new Interrupted(signal));
}

function listen(on: boolean): void {
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) {
    if (on) process.on(signal, onSignal);
    else process.off(signal, onSignal);
  }
}

/**
 * Aborts `controller` on SIGINT/SIGTERM until the returned function is called. Handlers are
 * installed while at least one run is watched, and removed after the last.
 */
export function watchSignals(controller: AbortController): () => void {
  if (runs.size === 0) {
    received = undefined;
    listen(true);
  }
  runs.add(controller);
  return () => {
    if (!runs.delete(controller) || runs.size > 0) return;
    listen(false);
  };
}

/**
 * After a run that a signal stopped has settled: lets the signal end the process as it would
 * have without bigrays (exit status 130/143), unless the job listens to that signal itself.
 * `beforeExit` runs first (to print the summary, or hand the report over).
 */
export async function endInterrupted(signal: StopSignal, beforeExit: () => Promise<void> | void): Promise<void> {
  if (runs.size > 0) return; // another run is still stopping; the last one to settle ends the process
  await beforeExit();
  if (process.listenerCount(signal) > 0) {
    log('the job listens to %s itself: leaving the exit to it', signal);
    return;
  }
  received = undefined;
  process.kill(process.pid, signal);
  // The signal ends the process in a moment; nothing of the job runs meanwhile. Where it is
  // ignored (a background job of a shell), the exit code says the same.
  await new Promise<never>(() => setTimeout(() => process.exit(SIGNAL_EXIT_CODES[signal]), 500));
}
