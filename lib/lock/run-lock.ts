/**
 * The run lock of a top-level run: with config `LOCK` set, taken before the run's first task
 * and released after its last (and after its state was written), so that two runs of one job
 * never overlap. Busy: the run fails at once with a LockedError naming the holder, or, with
 * `LOCK_WAIT_MS`, tries again every RETRY_MS until the lock is free or the time is up. A run
 * stopped while it waits (SIGINT/SIGTERM) stops waiting and takes nothing.
 *
 * A functional call outside any run (`sqlQuery({…})` at a job's top level) is a run of its own:
 * with `LOCK` set it takes the lock for its own duration. A run or a call nested in a task runs
 * under its task's run, and takes nothing. A dry run never gets here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { effectiveConfig } from '../config';
import { logger } from '../log';
import { newIdentity } from '../run-identity';
import type { RunContext } from '../runtime';
import { lockedError, thisHolder } from './holder';
import type { HeldLock } from './lock-place';
import { openLockPlace } from './open-lock-place';
import { lockSettings } from './lock-settings';

const log = logger('lock');

/** How often a run that waits for the lock tries again. */
export const RETRY_MS = 250;

export class RunLock {
  private held?: HeldLock;

  constructor(private readonly context: RunContext) {}

  /**
   * Takes the lock when config `LOCK` is set; rejects with LockedError when another run holds
   * it (after waiting `LOCK_WAIT_MS`). Resolves without the lock once `signal` aborts.
   */
  async take(signal: AbortSignal): Promise<void> {
    const config = effectiveConfig(undefined, this.context.runtime);
    const settings = lockSettings(config);
    if (!settings.on) return;
    const identity = (this.context.identity ??= newIdentity(this.context.runtime));
    const place = await openLockPlace(identity.job, thisHolder(identity.runId), settings, config);
    const started = Date.now();
    try {
      for (;;) {
        const attempt = await place.tryTake();
        if ('held' in attempt) {
          this.held = attempt.held;
          log('took the run lock of job %s (%s)', identity.job, place.where);
          return;
        }
        const waited = Date.now() - started;
        if (waited >= settings.waitMs) throw lockedError(identity.job, attempt.holder, place.where, settings.waitMs > 0 ? waited : undefined);
        log('the run lock of job %s is held (%s): trying again in %d ms', identity.job, attempt.holder, RETRY_MS);
        if (!(await pause(Math.min(RETRY_MS, settings.waitMs - waited), signal))) return;
      }
    } finally {
      if (!this.held) await place.close();
    }
  }

  /** Lets go of the lock, if this run holds it; never rejects. */
  async release(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    await held.release();
    log('released the run lock');
  }
}

/** Waits `ms`; false when `signal` aborted meanwhile (or before). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
