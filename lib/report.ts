/** What a run reports: one entry per task, in run order. */
import type { StateReport } from './state/state-document';

/** A run as a task's line names it beside another run's: the start of its run id. */
export function shortRunId(runId: string): string {
  return runId.slice(0, 8);
}

export type TaskStatus = 'ok' | 'failed' | 'skipped';

export interface TaskReport {
  /** The task class name. */
  name: string;
  status: TaskStatus;
  /** When the task started, ISO 8601 in UTC (absent when skipped). */
  startedAt?: string;
  /** Wall time of the task, resource opening included (0 when skipped). */
  durationMs: number;
  /** Rows read or written, for tasks that move rows. */
  rows?: number;
  /** Bytes uploaded or written, for tasks that move bytes. */
  bytes?: number;
  /** How many times the task was tried (1 unless it was retried; 0 when skipped). */
  attempts?: number;
  /** The failure's message (secrets masked), when the task failed. */
  error?: string;
  /** Why the task skipped itself (`skip()` in its `run()`), as in `s3://bucket/key exists`. */
  reason?: string;
  /** True when the task's streamed output (an `SQLStream`'s rows) was never read. */
  unread?: boolean;
  /** The run the task ran in (the start of its run id), when the job ran another run at the same time. */
  run?: string;
}

export interface RunReport {
  /** The run's id (`{runId}`), for a top-level run. */
  runId?: string;
  /** When the run started and ended, ISO 8601 in UTC. */
  startedAt?: string;
  endedAt?: string;
  tasks: TaskReport[];
  /** The job's state, when the run used it. */
  state?: StateReport;
}
