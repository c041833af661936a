/**
 * What `bigrays run` sets up before the job starts, wherever it runs: the job's path (it must
 * exist), the run's id and start, the record's target (checked), the job's run options, and
 * the collector of what the job tells the command (with the progress printer).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors';
import type { RunOptions } from '../job/run-options';
import type { ProgressEvent } from '../progress';
import type { RunCommand } from './args';
import { Collected } from './job-outcome';
import { checkRecordTarget, recordTarget } from './record';

export interface RunStart {
  /** The job script, as an absolute path. */
  path: string;
  started: number;
  runId: string;
  /** Where the run's record goes, if anywhere. */
  record?: { file: string; from: string };
  options: RunOptions;
  collected: Collected;
}

/** `--lock` / `--wait-lock MS` as the job's run options: they win over the job's config, in code or in the env. */
function lockOption(command: RunCommand): Pick<RunOptions, 'runLock'> {
  if (!command.lock) return {};
  return { runLock: command.waitLockMs === undefined ? {} : { waitMs: command.waitLockMs } };
}

/**
 * Where progress lines go: stderr (stdout is the summary's, or --json's), unless --quiet or
 * `BIGRAYS_PROGRESS=0`. Lines for a person on a terminal, timestamped log lines elsewhere.
 */
function progressPrinter(command: RunCommand): ((event: ProgressEvent) => void) | undefined {
  if (command.quiet || process.env.BIGRAYS_PROGRESS === '0') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../progress') as typeof import('../progress')).printerFor(process.stderr).print;
}

/** Sets up a run of `command`'s job; throws UsageError when there is no job script or the record cannot be written. */
export function startRun(command: RunCommand): RunStart {
  const path = resolve(command.job);
  if (!existsSync(path)) throw new UsageError(`no job script at ${command.job}`);
  const started = Date.now();
  const record = recordTarget(command);
  if (record) checkRecordTarget(record);
  const options: RunOptions = { job: path, set: command.set, only: command.only, from: command.from, dryRun: command.dryRun, local: command.local, ...lockOption(command) };
  return { path, started, runId: randomUUID(), record, options, collected: new Collected(progressPrinter(command)) };
}
