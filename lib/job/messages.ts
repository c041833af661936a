/**
 * What the job's process tells `bigrays run` over the IPC channel. Every message has a
 * `bigrays` field naming its kind, so messages the job sends itself are told apart.
 */
import { EXIT_CODES, isErrorKind, kindOf, type ErrorExitCode, type ErrorKind } from '../errors';
import type { ProgressEvent } from '../progress';
import { masked } from '../messages';
import type { RunPlan } from '../run/plan';
import type { RunReport, TaskReport } from '../report';

/** An error as it crosses to the command: text only, secrets masked. */
export interface SentError {
  name: string;
  message: string;
  stack?: string;
  /** What kind of error it is: the command's exit code follows from it. */
  kind: ErrorKind;
  /** The exit code the kind gives, for a command of an earlier version (which reads this, not `kind`). */
  exitCode?: ErrorExitCode;
  /** A bigrays error, not one of the job's own code: for a command of an earlier version too. */
  bigrays?: boolean;
}

/** One `bigraysRun()` of the job: its report (and plan, in a dry run). */
export interface RunMessage {
  bigrays: 'run';
  /** The task names the job offered to this run, before --only / --from. */
  offered: string[];
  /** The task names registered by then. */
  registered: string[];
  report: RunReport;
  plan?: RunPlan;
  /** Why the run failed or could not start. */
  error?: SentError;
  elapsedMs: number;
  /** Set when the job ended (process.exit) while this run was in progress. */
  cutShort?: boolean;
}

/** One functional call (`sqlQuery({…})`): its one-line report. */
export interface CallMessage {
  bigrays: 'call';
  report: TaskReport;
}

/** The job's own code failed (outside any task), or its script could not load. */
export interface JobErrorMessage {
  bigrays: 'job-error';
  error: SentError;
  /** The script failed to load. */
  load?: boolean;
}

/** A line for the command's local-mode notes. */
export interface NoteMessage {
  bigrays: 'note';
  text: string;
}

/** The script loaded; what it registered. */
export interface LoadedMessage {
  bigrays: 'loaded';
  registered: string[];
}

/** A task started, ended, or is still running (with its figures so far). */
export interface ProgressMessage {
  bigrays: 'progress';
  event: ProgressEvent;
}

export type JobMessage = RunMessage | CallMessage | JobErrorMessage | NoteMessage | LoadedMessage | ProgressMessage;

const KINDS = new Set(['run', 'call', 'job-error', 'note', 'loaded', 'progress']);

export function isJobMessage(value: unknown): value is JobMessage {
  return value !== null && typeof value === 'object' && KINDS.has((value as { bigrays?: unknown }).bigrays as string);
}

/** An error as the command receives it: its kind (see `kindOf`), its text masked. */
export function sendableError(error: unknown): SentError {
  const kind = kindOf(error);
  const legacy = { exitCode: EXIT_CODES[kind], ...(kind === 'crash' ? {} : { bigrays: true }) };
  if (!(error instanceof Error)) return { name: 'Error', message: masked(String(error)), kind, ...legacy };
  const sent: SentError = { name: error.name, message: masked(error.message), kind, ...legacy };
  if (error.stack) sent.stack = masked(error.stack);
  return sent;
}

/** An error as the command receives it: from a job on an earlier version of bigrays (its own copy), without its kind. */
export type ReceivedError = Omit<SentError, 'kind'> & { kind?: ErrorKind };

/**
 * The kind of an error the job sent. A job on an earlier version of bigrays sends an exit
 * code instead: 2 is an error found before anything ran, 1 a failure, of bigrays or of the
 * job's own code.
 */
export function sentKind(sent: ReceivedError): ErrorKind {
  if (isErrorKind(sent.kind)) return sent.kind;
  if (sent.exitCode === 2) return 'refused';
  return sent.bigrays === true ? 'failed' : 'crash';
}
