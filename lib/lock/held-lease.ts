/**
 * A lease this run holds (see ./lease-lock.ts): renewed every third of it until released. Each
 * renewal is a conditional write bounded to a third of the lease; a tick that finds one still
 * under way does not queue another behind it. The lease is lost, and the run told, when another
 * run took it over, or when it expired before a renewal got through.
 */
import { logger } from '../log';
import { StateConflictError, type StateStore, type StoredDocument } from '../state/store';
import { within } from '../timing';
import { describeHolder, type LockHolder } from './holder';
import type { HeldLock, OnLockLost } from './lock-place';

const log = logger('lock');

/** The lease document. */
export interface Lease {
  holder: LockHolder;
  /** ISO 8601: when the lease is free unless renewed. */
  expiresAt: string;
}

/** Whether `a` and `b` are the same run. */
function sameHolder(a: LockHolder, b: LockHolder | undefined): boolean {
  return b !== undefined && a.runId === b.runId && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

/** Rejects when `work` takes over `ms`. */
async function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export class HeldLease implements HeldLock {
  private readonly timer: NodeJS.Timeout;
  private readonly boundMs: number;
  private renewing?: Promise<void>;
  /** When the last lease written expires (ms since the epoch, on this run's clock). */
  private expiresAt: number;
  private lostWhy?: string;

  constructor(
    private readonly store: StateStore,
    private readonly key: string,
    private version: string,
    private readonly holder: LockHolder,
    private readonly leaseMs: number,
    private readonly lost: OnLockLost,
    written: Lease,
  ) {
    this.expiresAt = Date.parse(written.expiresAt);
    this.boundMs = Math.floor(leaseMs / 3);
    this.timer = setInterval(() => this.tick(), this.boundMs);
    // The run keeps the process alive, not its lease.
    this.timer.unref();
  }

  private tick(): void {
    if (this.lostWhy !== undefined) return;
    if (this.renewing) {
      if (Date.now() >= this.expiresAt) this.lose(`its lease \`${this.key}\` in ${this.store.where} expired while a renewal of it went unanswered`);
      return;
    }
    this.renewing = this.renew().finally(() => {
      this.renewing = undefined;
    });
  }

  private lose(why: string): void {
    if (this.lostWhy !== undefined) return;
    this.lostWhy = why;
    clearInterval(this.timer);
    log('the run lock was lost: %s', why);
    this.lost(why);
  }

  /** One renewal: the lease written again for another `leaseMs`, conditional on the version this run wrote last. */
  private async renew(): Promise<void> {
    const lease: Lease = { holder: this.holder, expiresAt: new Date(Date.now() + this.leaseMs).toISOString() };
    try {
      this.version = await bounded(this.store.write(this.key, lease, this.version), this.boundMs);
      this.expiresAt = Date.parse(lease.expiresAt);
    } catch (error) {
      if (error instanceof StateConflictError && (await this.afterConflict()) !== 'unknown') return;
      if (Date.now() >= this.expiresAt) {
        this.lose(`its lease \`${this.key}\` in ${this.store.where} expired before it could be renewed (${(error as Error).message})`);
      } else {
        log('renewing the lease %s failed (tried again in a moment): %s', this.key, (error as Error).message);
      }
    }
  }

  /**
   * After a conflict, whose the lease is: 'ours' when a renewal that had not answered in time
   * got through after all (its version is the one to write against next); 'lost' (and the run
   * told) when another run wrote or removed it; 'unknown' when it could not be read.
   */
  private async afterConflict(): Promise<'ours' | 'lost' | 'unknown'> {
    let found: StoredDocument | undefined;
    try {
      found = await bounded(this.store.read(this.key), this.boundMs);
    } catch {
      return 'unknown';
    }
    const lease = found?.value as Partial<Lease> | undefined;
    if (found && sameHolder(this.holder, lease?.holder)) {
      this.version = found.version;
      return 'ours';
    }
    const other = lease?.holder ? `another run (${describeHolder(lease.holder)})` : 'another run';
    this.lose(`its lease \`${this.key}\` in ${this.store.where} was ${found ? `taken over by ${other}` : 'removed'} after this run did not renew it in time`);
    return 'lost';
  }

  async check(): Promise<string | undefined> {
    if (this.lostWhy === undefined) {
      await within(this.renewing, this.boundMs);
      await this.renew();
    }
    return this.lostWhy;
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await within(this.renewing, this.boundMs);
    try {
      if (this.lostWhy === undefined) await bounded(this.store.remove(this.key, this.version), this.boundMs);
    } catch (error) {
      log('removing the lease %s failed: %s', this.key, (error as Error).message);
    } finally {
      await this.store.close().catch((error) => log('closing the state store failed: %s', (error as Error).message));
    }
  }
}
