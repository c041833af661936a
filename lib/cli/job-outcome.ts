/**
 * What `bigrays run` makes of a job: the messages the job sent (Collected) and how it ended
 * (Ending) give the command's outcome — the report, the error, the plan, the notes and the
 * exit code — whether the job ran in a process of its own (./parent) or in the command's
 * (./in-process); and the run's record.
 */
import { resolve } from 'node:path';
import { EXIT_CODES, type ErrorExitCode, type ErrorKind } from '../errors';
import { sentKind, type JobMessage, type ReceivedError } from '../job/messages';
import { unknownTaskNames } from '../job/run-options';
import type { ProgressEvent } from '../progress';
import type { RunPlan } from '../run/plan';
import type { RunReport, TaskReport } from '../report';
import type { StopSignal } from '../signals';
import { unknownTasksMessage, type RunCommand } from './args';
import { markOverlappingRuns } from './overlapping-runs';
import { appendRecord, runRecord } from './record';

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

export function usage(message: string): ReportedError {
  return new ReportedError({ name: 'UsageError', message, kind: 'usage' });
}

/** The exit code a signal means: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../signals') as typeof import('../signals')).SIGNAL_EXIT_CODES[signal as StopSignal] ?? 1;
}

/** What the job's process told the command. */
export class Collected {
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
export interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The signal the command got and passed on, if any. */
  interrupted?: NodeJS.Signals;
}

/** What the local mode left: its notes, and why its outputs could not be saved. */
export interface LocalResult {
  notes: string[];
  failure?: unknown;
}

/** The command's outcome of a job that ended as `ending` says, from what it told the command. */
export function jobOutcome(
  command: RunCommand, collected: Collected, ending: Ending, started: number, runId: string, local: LocalResult = { notes: [] },
): JobOutcome {
  markOverlappingRuns(collected.runs.map((r) => r.report));
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
  const notes = [...local.notes];
  if (local.failure !== undefined) {
    notes.push(`could not save the local outputs: ${(local.failure as Error)?.message ?? String(local.failure)}`);
    error ??= jobFailure(new ReportedError({ name: 'Error', message: (local.failure as Error)?.message ?? String(local.failure), kind: 'crash' }));
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

/** Appends the run's record to `file`; a failure to do so is a warning of the outcome. */
export function recordRun(file: string, command: RunCommand, result: JobOutcome, started: number): void {
  try {
    const { error, exitCode, signal } = result;
    appendRecord(file, runRecord({ runId: result.runId, command, startedAt: started, endedAt: Date.parse(result.report.endedAt!), tasks: result.report.tasks, exitCode, signal, error, state: result.report.state }));
  } catch (failure) {
    result.warnings.push(`the run record could not be appended to ${file}: ${(failure as Error)?.message ?? String(failure)}`);
  }
}
