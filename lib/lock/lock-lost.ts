/** The error of a run whose run lock was lost while it ran (see ./run-lock.ts). */
import { BigraysError } from '../errors';

/** The run lock of a run was lost (its lease taken over, its connection dropped): the run stopped there. */
export class LockLostError extends BigraysError {}

/** `job`'s run lost its run lock, for `why` (what the lock knows). */
export function lockLostError(job: string, why: string): LockLostError {
  return new LockLostError(`the run lock of job ${job} was lost: ${why}; the tasks after it were skipped and its state was not written`);
}
