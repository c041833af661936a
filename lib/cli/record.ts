/**
 * The record of a run: one JSON line appended to the file `--record FILE` or
 * `BIGRAYS_RUN_LOG` names, for every `bigrays run`, whether it succeeded, failed or was
 * interrupted. One write of one line to a file opened for appending, so runs that end at the
 * same time never interleave their lines. Nothing in it carries a secret: errors and keyword
 * values are masked as the library masks log lines.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors';
import { errorText, masked as mask } from '../messages';
import type { TaskReport } from '../report';
import type { StateReport } from '../state/state-document';
import type { RunCommand } from './args';

/** The environment variable that names the record file when `--record` does not. */
export const RUN_LOG_ENV = 'BIGRAYS_RUN_LOG';

export interface RunRecord {
  /** Random, one per run. */
  runId: string;
  /** The job script, as an absolute path. */
  job: string;
  /** When the command started and when the job ended, ISO 8601 in UTC. */
  startedAt: string;
  endedAt: string;
  durationMs: number;
  options: { set: Record<string, string>; only: string[]; from?: string; local: boolean; dryRun: boolean };
  tasks: Array<Pick<TaskReport, 'name' | 'status' | 'startedAt' | 'durationMs' | 'rows' | 'bytes' | 'attempts' | 'error' | 'reason'>>;
  exitCode: number;
  /** The signal that interrupted the run. */
  signal?: string;
  /** Why the run failed, masked. */
  error?: string;
  /** The job's state, when the run used it: whether its changes were written. */
  state?: Pick<StateReport, 'job' | 'committed'>;
}

/** Where the run's record goes: `--record`, else `BIGRAYS_RUN_LOG`, else nowhere. */
export function recordTarget(command: RunCommand, env: NodeJS.ProcessEnv = process.env): { file: string; from: string } | undefined {
  if (command.record !== undefined) return { file: resolve(command.record), from: `--record ${command.record}` };
  const file = env[RUN_LOG_ENV];
  return file ? { file: resolve(file), from: `${RUN_LOG_ENV}=${file}` } : undefined;
}

/** Refuses, before the job starts, a record file that cannot be appended to (the file is created if missing). */
export function checkRecordTarget(target: { file: string; from: string }): void {
  try {
    closeSync(openSync(target.file, 'a'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'its directory does not exist' : (error as Error).message;
    throw new UsageError(`${target.from}: cannot append the run record to ${target.file} (${reason}): create its directory, or name another file`);
  }
}

/** What one run did, as a record (errors and `--set` values masked). */
export function runRecord(fields: {
  runId: string; command: RunCommand; startedAt: number; endedAt: number; tasks: TaskReport[]; exitCode: number;
  signal?: string; error?: Error; state?: StateReport;
}): RunRecord {
  const { command } = fields;
  const set = Object.fromEntries(Object.entries(command.set).map(([k, v]) => [k, mask(v)]));
  const record: RunRecord = {
    runId: fields.runId,
    job: resolve(command.job),
    startedAt: new Date(fields.startedAt).toISOString(),
    endedAt: new Date(fields.endedAt).toISOString(),
    durationMs: fields.endedAt - fields.startedAt,
    options: { set, only: [...command.only], ...(command.from === undefined ? {} : { from: command.from }), local: command.local, dryRun: command.dryRun },
    tasks: fields.tasks.map((t) => ({
      name: t.name,
      status: t.status,
      ...(t.startedAt === undefined ? {} : { startedAt: t.startedAt }),
      durationMs: t.durationMs,
      ...(t.rows === undefined ? {} : { rows: t.rows }),
      ...(t.bytes === undefined ? {} : { bytes: t.bytes }),
      ...(t.attempts === undefined ? {} : { attempts: t.attempts }),
      ...(t.error === undefined ? {} : { error: mask(t.error) }),
      ...(t.reason === undefined ? {} : { reason: mask(t.reason) }),
    })),
    exitCode: fields.exitCode,
  };
  if (fields.signal) record.signal = fields.signal;
  if (fields.error) record.error = mask(errorText(fields.error));
  if (fields.state) record.state = { job: fields.state.job, committed: fields.state.committed };
  return record;
}

/** Appends `record` to `file` as one line, in one write; throws when it could not. */
export function appendRecord(file: string, record: RunRecord): void {
  const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
  const fd = openSync(file, 'a');
  try {
    const written = writeSync(fd, line);
    if (written !== line.length) throw new Error(`only ${written} of ${line.length} bytes were written`);
  } finally {
    closeSync(fd);
  }
}
