/**
 * The run lock of a top-level run: with config `LOCK` set, taken before the run's first task
 * and released after its last (and after its state was written), so that two runs of one job
 * never overlap. Busy: the run fails at once with a LockedError naming the holder, or, with
 * `LOCK_WAIT_MS`, tries again every RETRY_MS until the lock is free or the time is up. A run
 * stopped while it waits (SIGINT/SIGTERM) stops waiting and takes nothing. The command line's
 * `--lock` / `--wait-lock MS` win over the job's config; under `--local` the lock is a lease in
 * the local state store.
 *
 * A run whose lock is lost while it runs (its lease taken over after it went unrenewed, its
 * connection dropped) is told at once and stops; its state is never written after that, as
 * the lock is checked once more just before.
 *
 * A functional call outside any run (`sqlQuery({…})` at a job's top level) is a run of its own:
 * with `LOCK` set it takes the lock for its own duration. A run or a call nested in a task runs
 * under its task's run, and takes nothing. A dry run never gets here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../log';
import { newIdentity } from '../run-identity';
import type { RunContext } from '../runtime';
import { runStateConfig } from '../state/open-store';
import { lockedError, thisHolder } from './holder';
import { lockLostError, type LockLostError } from './lock-lost';
import type { HeldLock } from './lock-place';
import { openLockPlace } from './open-lock-place';
import { lockSettings } from './lock-settings';

const log = logger('lock');

/** How often a run that waits for the lock tries again. */
export const RETRY_MS = 250;

export class RunLock {
  private held?: HeldLock;
  private job = '';
  private onLost: (error: LockLostError) => void = () => undefined;
  private lostError?: LockLostError;

  constructor(private readonly context: RunContext) {}

  /**
   * Takes the lock when config `LOCK` is set (or the command line says so); rejects with
   * LockedError when another run holds it (after waiting `LOCK_WAIT_MS`). Resolves without the
   * lock once `signal` aborts. `lost` is told, once, if the lock is lost later.
   */
  async take(signal: AbortSignal, lost: (error: LockLostError) => void): Promise<void> {
    const { runtime } = this.context;
    const config = runStateConfig(runtime);
    const settings = lockSettings(config, runtime.driver?.lock);
    if (!settings.on) return;
    const identity = (this.context.identity ??= newIdentity(runtime));
    this.job = identity.job;
    this.onLost = lost;
    const place = await openLockPlace(identity.job, thisHolder(identity.runId), settings, config, runtime.driver?.local !== undefined);
    const started = Date.now();
    try {
      for (;;) {
        const attempt = await place.tryTake((why) => this.lose(why));
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

  private lose(why: string): void {
    if (this.lostError) return;
    this.lostError = lockLostError(this.job, why);
    this.onLost(this.lostError);
  }

  /**
   * Whether the lock is still this run's, asked of the lock itself (a lease is renewed): the
   * error it was lost with (`lost` was told too), else undefined. Never rejects.
   */
  async confirm(): Promise<LockLostError | undefined> {
    const why = await this.held?.check();
    if (why !== undefined) this.lose(why);
    return this.lostError;
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
