/**
 * Progress of a run while it runs: a line as each task starts and ends, and for a task that
 * runs longer than a few seconds, its rows and bytes so far every few seconds. The run's
 * observer samples the running task's counters on a timer (never an event per row) and emits
 * events; whoever shows them prints a line each: on a terminal for a person to read,
 * elsewhere as log lines with a timestamp.
 */
import type { TaskReport, TaskStatus } from './report';
import type { RunObserver } from './run-observer';
import { bytesText, durationText } from './summary';

/** How often a running task reports its figures so far, unless `BIGRAYS_PROGRESS_INTERVAL_MS` says otherwise. */
export const PROGRESS_INTERVAL_MS = 5000;

/**
 * One step of a run's progress (the job's process sends it to the command). `run`: the task's
 * run (the start of its run id), when another run of the job was in progress at the time.
 */
export type ProgressEvent = { run?: string } & (
  | { kind: 'start'; task: string; at: string }
  | { kind: 'progress'; task: string; at: string; elapsedMs: number; rows?: number; bytes?: number }
  | { kind: 'end'; task: string; at: string; status: TaskStatus; durationMs: number; rows?: number; bytes?: number; attempts?: number; reason?: string });

/** The interval between two reports of a running task: `BIGRAYS_PROGRESS_INTERVAL_MS`, else 5 s. */
export function progressInterval(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.BIGRAYS_PROGRESS_INTERVAL_MS);
  return Number.isFinite(ms) && ms >= 100 ? ms : PROGRESS_INTERVAL_MS;
}

/**
 * A run observer that turns task starts and ends into events, and while a task runs, samples
 * its figures every `intervalMs` (a timer that never keeps the process alive).
 */
export function progressObserver(emit: (event: ProgressEvent) => void, intervalMs: number = progressInterval()): RunObserver {
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    taskStarted(name, startedAt, sample, run) {
      stop();
      const started = Date.now();
      const of = run === undefined ? {} : { run };
      emit({ kind: 'start', task: name, at: startedAt, ...of });
      timer = setInterval(() => {
        const { rows, bytes } = sample();
        emit({ kind: 'progress', task: name, at: new Date().toISOString(), elapsedMs: Date.now() - started, ...figures(rows, bytes), ...of });
      }, intervalMs);
      timer.unref();
    },
    taskEnded(entry: TaskReport, run?: string) {
      stop();
      emit({
        ...(run === undefined ? {} : { run }),
        kind: 'end', task: entry.name, at: new Date().toISOString(), status: entry.status, durationMs: entry.durationMs,
        ...figures(entry.rows, entry.bytes), ...(entry.attempts === undefined ? {} : { attempts: entry.attempts }),
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      });
    },
  };
}

function figures(rows: number | undefined, bytes: number | undefined): { rows?: number; bytes?: number } {
  return { ...(rows === undefined ? {} : { rows }), ...(bytes === undefined ? {} : { bytes }) };
}

/** `1234 rows, 5.0 MiB` (what is known of the two), or ''. */
function figuresText(event: { rows?: number; bytes?: number }): string {
  const parts: string[] = [];
  if (event.rows !== undefined) parts.push(`${event.rows} ${event.rows === 1 ? 'row' : 'rows'}`);
  if (event.bytes !== undefined) parts.push(bytesText(event.bytes));
  return parts.join(', ');
}

/** What happened, in words: `started`, `ok in 6.02 s, 1234 rows, 5.0 MiB, 2 attempts`. */
function happened(event: ProgressEvent): string {
  switch (event.kind) {
    case 'start':
      return 'started';
    case 'progress': {
      const so = figuresText(event);
      return `running for ${durationText(event.elapsedMs)}${so ? `: ${so} so far` : ''}`;
    }
    case 'end': {
      if (event.status === 'skipped') return event.reason === undefined ? 'skipped' : `skipped (${event.reason})`;
      const parts = [`${event.status} in ${durationText(event.durationMs)}`];
      const done = figuresText(event);
      if (done) parts.push(done);
      if ((event.attempts ?? 1) > 1) parts.push(`${event.attempts} attempts`);
      return parts.join(', ');
    }
  }
}

/** The task an event is of: `Load`, or `Load (run 3f2a9c1e)` beside another run. */
function taskOf(event: ProgressEvent): string {
  return event.run === undefined ? event.task : `${event.task} (run ${event.run})`;
}

/** A progress line for a log (not a terminal): `2026-11-22T06:30:01Z bigrays: Load started`. */
export function logLine(event: ProgressEvent): string {
  return `${event.at.replace(/\.\d+Z$/, 'Z')} bigrays: ${taskOf(event)} ${happened(event)}`;
}

const MARKS: Record<ProgressEvent['kind'] | TaskStatus, string> = { start: '▸', progress: '…', end: '', ok: '✓', failed: '✗', skipped: '–' };

/** A progress line for a person at a terminal: `▸ Load started`, `  … Load running for 10 s: …`, `✓ Load ok in 6.02 s`. */
export function terminalLine(event: ProgressEvent): string {
  const mark = event.kind === 'end' ? MARKS[event.status] : MARKS[event.kind];
  return `${event.kind === 'progress' ? '  ' : ''}${mark} ${taskOf(event)} ${happened(event)}`;
}

/** Prints progress events, one line each, on `stream`: terminal lines on a TTY, log lines elsewhere. */
export function printerFor(stream: NodeJS.WritableStream & { isTTY?: boolean }): { print: (event: ProgressEvent) => void } {
  const line = stream.isTTY ? terminalLine : logLine;
  return {
    print: (event) => {
      stream.write(`${line(event)}\n`);
    },
  };
}
