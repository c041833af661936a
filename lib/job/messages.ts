/**
 * What the job's process tells `bigrays run` over the IPC channel. Every message has a
 * `bigrays` field naming its kind, so messages the job sends itself are told apart.
 */
import { BigraysError } from '../errors';
import type { ProgressEvent } from '../progress';
import type { RunPlan } from '../plan';
import type { RunReport, TaskReport } from '../report';

/** Masks secrets; the masking (and the configuration it reads) loads when an error is sent, not in the command. */
function scrub(text: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../secrets') as typeof import('../secrets')).scrub(text);
}

/** An error as it crosses to the command: text only, secrets masked. */
export interface SentError {
  name: string;
  message: string;
  stack?: string;
  /** 2: a configuration or usage error (nothing ran); 1: a failure. */
  exitCode: 1 | 2;
  /** A bigrays error (its message says what failed), not one of the job's own code. */
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

/** An error as the command receives it. */
export function sendableError(error: unknown): SentError {
  const exitCode = (error instanceof BigraysError && error.report === undefined) || (error as Error)?.name === 'UsageError' ? 2 : 1;
  if (!(error instanceof Error)) return { name: 'Error', message: scrub(String(error)), exitCode };
  const sent: SentError = { name: error.name, message: scrub(error.message), exitCode };
  if (error.stack) sent.stack = scrub(error.stack);
  if (error instanceof BigraysError) sent.bigrays = true;
  return sent;
}
