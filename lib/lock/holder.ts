/**
 * Who holds a run lock: the host, process and start time of the run that took it (and its run
 * id, where the lock can keep it), as the lock records it and as a refused run names it.
 */
import { hostname } from 'node:os';
import { envName } from '../config';
import { LockedError } from '../errors';

export interface LockHolder {
  readonly host: string;
  readonly pid: number;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly runId?: string;
}

/** This process as the holder of a lock its run `runId` takes now. */
export function thisHolder(runId: string | undefined): LockHolder {
  return { host: hostname(), pid: process.pid, startedAt: new Date().toISOString(), ...(runId === undefined ? {} : { runId }) };
}

/**
 * `host web-1, pid 4242, started 2026-12-06T02:00:00.000Z`; when that is this process (a run or
 * call of the job it started earlier and has not finished: the lock is not shared between
 * them), it says so.
 */
export function describeHolder(holder: LockHolder): string {
  const self = holder.pid === process.pid && holder.host !== '' && hostname().startsWith(holder.host);
  return `host ${holder.host}, pid ${holder.pid}, started ${holder.startedAt}${self ? ', this very process: a run or call of the job it started before' : ''}`;
}

/**
 * The error of a run that did not get its job's lock: the job, who holds it (`holder`, as
 * `describeHolder` words it, or what else is known), where the lock is, and what to do.
 * `waitedMs`: how long the run waited for it (undefined: it did not wait).
 */
export function lockedError(job: string, holder: string, where: string, waitedMs: number | undefined): LockedError {
  const head = `job ${job} is locked: another run of it holds its run lock (${holder}; ${where})`;
  const fix = waitedMs === undefined
    ? `Let that run end and run again, or run with --wait-lock MS (or ${envName('LOCK_WAIT_MS')}) to wait up to MS milliseconds for the lock`
    : `It was still held after waiting ${waitedMs} ms: let that run end, or wait longer with a larger --wait-lock MS (or ${envName('LOCK_WAIT_MS')})`;
  return new LockedError(`${head}. ${fix}`);
}
