/**
 * `bigrays run <job>` as the parent of the job's process, when the job runs apart from the
 * command (./job-entry says when). The job runs in a node process of its own (JavaScript on
 * plain node, TypeScript through tsx: see ../job/loader), gets the run options in
 * `BIGRAYS_RUN_OPTIONS`, and reports each run over IPC; the command adds them up, and takes
 * its exit code from them and from how the job's process ended. The job's process is a process group of its own, so a
 * terminal's Ctrl-C reaches the command only: the command passes the signal on once, waits
 * for the interrupted run's report, and ends with 130 (SIGINT) or 143 (SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { jobLoader, tsxImportArgs } from '../job/loader';
import { isJobMessage } from '../job/messages';
import { encodeRunOptions, RUN_OPTIONS_ENV } from '../job/run-options';
import type { Logger } from '../log';
import type { RunCommand } from './args';
import { jobEntry, OWN_ENTRY } from './job-entry';
import { Collected, jobOutcome, STOP_GRACE_MS, recordRun, ReportedError, type Ending, type JobOutcome, type LocalResult } from './job-outcome';
import type { LocalSession } from './local';
import { startRun, type RunStart } from './run-start';

export { ReportedError, signalExitCode, STOP_GRACE_MS, type JobOutcome } from './job-outcome';
export { jobEntry } from './job-entry';

/*
 * The command loads only what starting the job and following it take; the rest (the
 * emulator and AWS SDK of --local, the logger) when it is used.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
/** The command's logger, loaded on first use: a memo of a module in the command's own process. */
let cliLog: Logger | undefined;
function log(formatter: string, ...args: unknown[]): void {
  cliLog ??= (require('../log') as typeof import('../log')).logger('cli');
  cliLog(formatter, ...args);
}

/**
 * The node arguments that start the job's process: its entry alone, which loads tsx when the
 * job needs it. Another copy of bigrays (which may be older, and expect tsx loaded) gets a
 * TypeScript job with `--import tsx`, as before.
 */
export function jobNodeArgs(job: string, entry: string = jobEntry(job)): string[] {
  const own = entry === OWN_ENTRY;
  return own || jobLoader(job) === 'node' ? [entry] : [...tsxImportArgs(), entry];
}

/** Starts the job's process and follows it to its end, passing SIGINT/SIGTERM on. */
function follow(child: ChildProcess, collected: Collected): Promise<Ending> {
  return new Promise((resolveEnding) => {
    let interrupted: NodeJS.Signals | undefined;
    let grace: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (ending: Ending): void => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolveEnding(ending);
    };
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (interrupted !== undefined) {
        // A second signal: the job ends now, with what it reported so far.
        log('%s again: killing the job', signal);
        killGroup();
        finish({ code: null, signal: 'SIGKILL', interrupted });
        return;
      }
      interrupted = signal;
      log('%s: passing it on to the job', signal);
      child.kill(signal);
      grace = setTimeout(() => {
        log('the job did not stop within %d ms: killing it', STOP_GRACE_MS);
        killGroup();
      }, STOP_GRACE_MS);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    child.on('message', (message: unknown) => {
      if (isJobMessage(message)) collected.take(message);
    });
    child.on('error', (error) => {
      collected.jobErrors.push({ error: new ReportedError({ name: 'Error', message: `could not start the job: ${error.message}`, kind: 'refused' }), load: true });
      finish({ code: 2, signal: null, interrupted });
    });
    // 'close': the process ended and its IPC channel has delivered every message.
    child.on('close', (code, signal) => finish({ code, signal, interrupted }));
  });
}

/** Runs the job in a process of its own with `command`'s options; resolves to what happened. */
export async function runJob(command: RunCommand, start: RunStart = startRun(command)): Promise<JobOutcome> {
  const { path, started, runId, record, options, collected } = start;
  const local: LocalSession | undefined = command.local ? await (require('./local') as typeof import('./local')).startLocal(command.job, command.dryRun) : undefined;
  let ending: Ending;
  try {
    const child = spawn(process.execPath, jobNodeArgs(path), {
      // Its own process group: a terminal's Ctrl-C reaches the command, which passes it on.
      detached: true,
      // With --json, stdout carries the report alone: what the job prints goes to stderr.
      stdio: ['inherit', command.json ? 2 : 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...local?.env, [RUN_OPTIONS_ENV]: encodeRunOptions(options) },
    });
    ending = await follow(child, collected);
  } catch (error) {
    await local?.stop();
    throw error;
  }
  const result = jobOutcome(command, collected, ending, started, runId, await localResult(command, local));
  if (record) recordRun(record.file, command, result, started);
  return result;
}

/** What the local session leaves once the job ended: where its outputs went (saved, unless a dry run); the session stops. */
async function localResult(command: RunCommand, local: LocalSession | undefined): Promise<LocalResult> {
  if (!local) return { notes: [] };
  try {
    return { notes: [...(command.dryRun ? local.notes() : await local.finish())] };
  } catch (failure) {
    return { notes: [...local.notes()], failure };
  } finally {
    await local.stop();
  }
}
