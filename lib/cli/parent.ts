/**
 * `bigrays run <job>` as the parent of the job's process. The job runs in a node process of
 * its own (JavaScript on plain node, TypeScript through tsx: see ../job/loader), gets the
 * run options in `BIGRAYS_RUN_OPTIONS`, and reports each run over IPC; the command adds them up, and takes its exit code from them and
 * from how the job's process ended. The job's process is a process group of its own, so a
 * terminal's Ctrl-C reaches the command only: the command passes the signal on once, waits
 * for the interrupted run's report, and ends with 130 (SIGINT) or 143 (SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { jobLoader, tsxImportArgs } from '../job/loader';
import { EXIT_CODES, UsageError, type ErrorExitCode, type ErrorKind } from '../errors';
import { isJobMessage, sentKind, type JobMessage, type ReceivedError } from '../job/messages';
import { encodeRunOptions, RUN_OPTIONS_ENV, unknownTaskNames, type RunOptions } from '../job/run-options';
import type { Logger } from '../log';
import type { RunPlan } from '../run/plan';
import type { RunReport, TaskReport } from '../report';
import type { StopSignal } from '../signals';
import { unknownTasksMessage, type RunCommand } from './args';
import type { LocalSession } from './local';
import type { ProgressEvent } from '../progress';
import { appendRecord, checkRecordTarget, recordTarget, runRecord } from './record';

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

/** How long the job may take to stop after the command passed a signal on. */
export const STOP_GRACE_MS = 8000;

export interface JobOutcome {
  report: RunReport;
  /** The failure, when the run failed or could not start. */
  error?: ReportedError;
  plan?: RunPlan;
  /** Lines saying where local-mode outputs went. */
  notes: string[];
  elapsedMs: number;
  /** The command's exit code. */
  exitCode: number;
  /** The signal that interrupted the job, if one did. */
  signal?: NodeJS.Signals;
  /** Things the user should know that are not failures. */
  warnings: string[];
  /** This run's id, as its record gives it. */
  runId: string;
}

/** An error the job's process reported (or the command found): its text, and its kind. */
export class ReportedError extends Error {
  readonly kind: ErrorKind;

  constructor(sent: ReceivedError) {
    super(sent.message);
    this.name = sent.name;
    this.kind = sentKind(sent);
    this.stack = sent.stack ?? `${sent.name}: ${sent.message}`;
  }

  /** The command's exit code for this error: its kind's. */
  get exitCode(): ErrorExitCode {
    return EXIT_CODES[this.kind];
  }

  /** A bigrays error (its message says what failed), not one of the job's own code. */
  get bigrays(): boolean {
    return this.kind !== 'crash';
  }
}

function usage(message: string): ReportedError {
  return new ReportedError({ name: 'UsageError', message, kind: 'usage' });
}

/** bigrays' copy the job imports, when it has one of its own; else this one. Its job entry runs the job. */
export function jobEntry(job: string): string {
  const own = join(__dirname, '..', 'job', 'child.js');
  try {
    const theirs = dirname(require.resolve('bigrays/package.json', { paths: [dirname(job)] }));
    const entry = join(theirs, 'dist', 'job', 'child.js');
    if (existsSync(entry) && realpathSync(entry) !== realpathSync(own)) return entry;
  } catch {
    /* the job does not import bigrays, or has no copy of its own */
  }
  return own;
}

/**
 * The node arguments that start the job's process: its entry alone, which loads tsx when the
 * job needs it. Another copy of bigrays (which may be older, and expect tsx loaded) gets a
 * TypeScript job with `--import tsx`, as before.
 */
export function jobNodeArgs(job: string, entry: string = jobEntry(job)): string[] {
  const own = entry === join(__dirname, '..', 'job', 'child.js');
  return own || jobLoader(job) === 'node' ? [entry] : [...tsxImportArgs(), entry];
}

/** The exit code a signal means: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return (require('../signals') as typeof import('../signals')).SIGNAL_EXIT_CODES[signal as StopSignal] ?? 1;
}

/** What the job's process told the command. */
class Collected {
  readonly runs: Array<{ report: RunReport; plan?: RunPlan; error?: ReportedError }> = [];
  readonly tasks: TaskReport[] = [];
  readonly jobErrors: Array<{ error: ReportedError; load?: boolean }> = [];
  readonly notes: string[] = [];
  readonly seen = new Set<string>();

  /** `print`: where progress events go (nowhere with --quiet). */
  constructor(private readonly print?: (event: ProgressEvent) => void) {}

  take(message: JobMessage): void {
    switch (message.bigrays) {
      case 'progress':
        this.print?.(message.event);
        break;
      case 'run':
        for (const name of [...message.offered, ...message.registered]) this.seen.add(name);
        this.runs.push({ report: message.report, plan: message.plan, error: message.error && new ReportedError(message.error) });
        this.tasks.push(...message.report.tasks);
        break;
      case 'call':
        this.tasks.push(message.report);
        break;
      case 'job-error':
        this.jobErrors.push({ error: new ReportedError(message.error), load: message.load });
        break;
      case 'note':
        this.notes.push(message.text);
        break;
      case 'loaded':
        for (const name of message.registered) this.seen.add(name);
        break;
    }
  }

  get nothingRan(): boolean {
    return this.runs.length === 0 && this.tasks.length === 0;
  }
}

/** How the job's process ended. */
interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The signal the command got and passed on, if any. */
  interrupted?: NodeJS.Signals;
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

/** `--lock` / `--wait-lock MS` as the job's run options: they win over the job's config, in code or in the env. */
function lockOption(command: RunCommand): Pick<RunOptions, 'runLock'> {
  if (!command.lock) return {};
  return { runLock: command.waitLockMs === undefined ? {} : { waitMs: command.waitLockMs } };
}

/** Runs the job in a process of its own with `command`'s options; resolves to what happened. */
export async function runJob(command: RunCommand): Promise<JobOutcome> {
  const path = resolve(command.job);
  if (!existsSync(path)) throw new UsageError(`no job script at ${command.job}`);
  const started = Date.now();
  const runId = randomUUID();
  const record = recordTarget(command);
  if (record) checkRecordTarget(record);
  const options: RunOptions = { job: path, set: command.set, only: command.only, from: command.from, dryRun: command.dryRun, local: command.local, ...lockOption(command) };
  const local: LocalSession | undefined = command.local ? await (require('./local') as typeof import('./local')).startLocal(command.job, command.dryRun) : undefined;
  const collected = new Collected(progressPrinter(command));
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
  const result = await outcome(command, collected, ending, local, started, runId);
  if (record) {
    try {
      const { error, exitCode, signal } = result;
      appendRecord(record.file, runRecord({ runId, command, startedAt: started, endedAt: Date.parse(result.report.endedAt!), tasks: result.report.tasks, exitCode, signal, error, state: result.report.state }));
    } catch (failure) {
      result.warnings.push(`the run record could not be appended to ${record.file}: ${(failure as Error)?.message ?? String(failure)}`);
    }
  }
  return result;
}

/**
 * Where progress lines go: stderr (stdout is the summary's, or --json's), unless --quiet or
 * `BIGRAYS_PROGRESS=0`. Lines for a person on a terminal, timestamped log lines elsewhere.
 */
function progressPrinter(command: RunCommand): ((event: ProgressEvent) => void) | undefined {
  if (command.quiet || process.env.BIGRAYS_PROGRESS === '0') return undefined;
  return (require('../progress') as typeof import('../progress')).printerFor(process.stderr).print;
}

async function outcome(
  command: RunCommand, collected: Collected, ending: Ending, local: LocalSession | undefined, started: number, runId: string,
): Promise<JobOutcome> {
  const report: RunReport = { startedAt: new Date(started).toISOString(), tasks: collected.tasks };
  // The job's state as the last run that used it left it.
  const state = collected.runs.map((r) => r.report.state).filter((s) => s !== undefined).pop();
  if (state) report.state = state;
  const warnings: string[] = [];
  const load = collected.jobErrors.find((e) => e.load);
  let error: ReportedError | undefined;
  if (load && collected.nothingRan) {
    error = usage(`could not load the job ${command.job}: ${load.error.message.split(resolve(command.job)).join(command.job)}`);
    // The one line, then the job's error as it was thrown (its stack shown with DEBUG=bigrays*).
    error.stack = `${error.name}: ${error.message}\n${load.error.stack ?? ''}`;
  }
  error ??= collected.jobErrors.find((e) => e.error.kind === 'usage')?.error;
  if (error) error.message = error.message.split(resolve(command.job)).join(command.job);
  // --only / --from names no run of the job had (a job cut short may not have offered them yet).
  if (!error && ending.interrupted === undefined) {
    const missing = unknownTaskNames(command, collected.seen);
    if (missing.length > 0) {
      error = usage(unknownTasksMessage(missing, collected.seen));
    }
  }
  error ??= collected.runs.find((r) => r.error !== undefined)?.error;
  error ??= collected.jobErrors[0] && jobFailure(collected.jobErrors[0].error);
  if (!error && ending.signal !== null && ending.interrupted === undefined) {
    error = new ReportedError({ name: 'Error', message: `the job was ended by ${ending.signal}`, kind: 'failed' });
  }

  const plans = collected.runs.flatMap((r) => (r.plan ? [r.plan] : []));
  const plan = plans.length === 0 ? undefined : { steps: plans.flatMap((p) => p.steps), finally: plans.flatMap((p) => p.finally) };
  let notes: string[] = [];
  try {
    notes = [...((command.dryRun ? local?.notes() : await local?.finish()) ?? [])];
  } catch (failure) {
    notes = [...(local?.notes() ?? []), `could not save the local outputs: ${(failure as Error)?.message ?? String(failure)}`];
    error ??= jobFailure(new ReportedError({ name: 'Error', message: (failure as Error)?.message ?? String(failure), kind: 'crash' }));
  } finally {
    await local?.stop();
  }
  // The job's side notes (a task's own database mapped to SQLite) follow the command's first one.
  if (collected.notes.length > 0) notes.splice(Math.min(1, notes.length), 0, ...collected.notes);

  let exitCode: number;
  if (ending.interrupted !== undefined) {
    exitCode = signalExitCode(ending.interrupted);
    warnings.push(`interrupted by ${ending.interrupted}${ending.signal === 'SIGKILL' ? ': the job did not stop in time and was killed' : ''}`);
  } else if (error) exitCode = error.exitCode;
  else exitCode = ending.code ?? 1;
  const ended = Date.now();
  report.endedAt = new Date(ended).toISOString();
  return { report, error, plan, notes, warnings, elapsedMs: ended - started, exitCode, signal: ending.interrupted, runId };
}

/** A failure of the job's own code (not of a task): a failed job, like a failed task. */
function jobFailure(error: ReportedError): ReportedError {
  if (error.bigrays) return error;
  const failure = new ReportedError({ name: 'BigraysError', message: `the job failed: ${error.message}`, kind: 'failed' });
  failure.stack = `BigraysError: the job failed: ${error.stack ?? error.message}`;
  return failure;
}
