/**
 * A job's run lock as a lease in the state store: the document `<job>.lock`,
 * `{ holder: { host, pid, startedAt, runId }, expiresAt }`. It is created only if there is none
 * (a conditional write), taken over only once it expired (a conditional write against the
 * version read), renewed every third of the lease while the run lives (./held-lease.ts: a run
 * whose lease was taken over is stopped), and removed at the end (conditional on the version
 * this run wrote). A run that is killed stops renewing it: the
 * lease is free once it expires. Expiry is read on the clock of the run that finds the lease.
 */
import { BigraysError } from '../errors';
import { logger } from '../log';
import { StateConflictError, type StateStore, type StoredDocument } from '../state/store';
import { HeldLease, type Lease } from './held-lease';
import { describeHolder, type LockHolder } from './holder';
import type { LockAttempt, LockPlace, OnLockLost } from './lock-place';

const log = logger('lock');

export type { Lease };

/** How many times a try reads again when another run wrote the lease between its read and its write. */
const RACES = 3;

/** The store key of `job`'s lease. */
export function leaseKey(job: string): string {
  return `${job}.lock`;
}

/** When the lease `found` expires (ms since the epoch); BigraysError for a document that is not a lease. */
function expiry(found: StoredDocument, where: string): number {
  const lease = found.value as Partial<Lease> | null;
  const at = typeof lease?.expiresAt === 'string' ? Date.parse(lease.expiresAt) : NaN;
  if (Number.isNaN(at) || lease?.holder === null || typeof lease?.holder !== 'object') {
    throw new BigraysError(`the run lock's lease ${where} is not a lease (\`holder\` and \`expiresAt\`): remove it if no run of the job is running`);
  }
  return at;
}

export class LeaseLockPlace implements LockPlace {
  readonly where: string;
  private readonly key: string;

  constructor(private readonly store: StateStore, job: string, private readonly holder: LockHolder, private readonly leaseMs: number) {
    this.key = leaseKey(job);
    this.where = `the lease \`${this.key}\` in ${store.where}`;
  }

  private lease(): Lease {
    return { holder: this.holder, expiresAt: new Date(Date.now() + this.leaseMs).toISOString() };
  }

  async tryTake(lost: OnLockLost): Promise<LockAttempt> {
    for (let race = 0; ; race++) {
      const found = await this.store.read(this.key);
      if (found && expiry(found, this.where) > Date.now()) {
        const holder = (found.value as Lease).holder;
        return { holder: `${describeHolder(holder)}, its lease expires ${(found.value as Lease).expiresAt}` };
      }
      try {
        const lease = this.lease();
        const version = await this.store.write(this.key, lease, found?.version);
        if (found) log('took over the expired lease %s of %s', this.key, describeHolder((found.value as Lease).holder));
        return { held: new HeldLease(this.store, this.key, version, this.holder, this.leaseMs, lost, lease) };
      } catch (error) {
        if (!(error instanceof StateConflictError) || race + 1 >= RACES) throw error;
        // Another run wrote it first: read who.
      }
    }
  }

  async close(): Promise<void> {
    await this.store.close().catch((error) => log('closing the state store failed: %s', (error as Error).message));
  }
}
