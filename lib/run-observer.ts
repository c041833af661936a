/**
 * Following a run task by task: the progress a run reports comes from an observer. What an
 * observer throws never touches the run.
 */
import type { TaskReport } from './report';

/** Figures a task records for the run report (rows read or written, bytes moved). */
export interface TaskMetrics {
  rows?: number;
  bytes?: number;
}

/**
 * Told as each task starts and ends. A task that is skipped ends without starting. `run`: the
 * task's run (the start of its run id) when another top-level run is in progress at the time.
 */
export interface RunObserver {
  /** `name` started at `startedAt`; `sample()` reads its figures so far (on a timer, never per row). */
  taskStarted?(name: string, startedAt: string, sample: () => TaskMetrics, run?: string): void;
  /** A task ended (ok, failed or skipped), with its report entry. */
  taskEnded?(entry: TaskReport, run?: string): void;
}
