/**
 * Figures a running task can tell before it ends (rows read, bytes sent so far), for the
 * progress a long task reports. A task registers a function that reads its own counters; the
 * runner calls it on a timer (every few seconds), never per row.
 */
import type { TaskMetrics } from './run-observer';
import { taskRun, type BaseTask } from './task';

/** Lets the runner read `task`'s figures so far through `sample` while it runs. */
export function trackMetrics(task: BaseTask<unknown>, sample: () => TaskMetrics): void {
  taskRun(task).sampler = sample;
}

/** What `task` has done so far: the figures it recorded, overlaid with those its sampler reads now. */
export function metricsSoFar(task: BaseTask<unknown>): TaskMetrics {
  const run = taskRun(task);
  const figures: TaskMetrics = { ...run.metrics };
  let sampled: TaskMetrics = {};
  try {
    sampled = run.sampler?.() ?? {};
  } catch {
    /* a counter that cannot be read now is read next time */
  }
  if (typeof sampled.rows === 'number') figures.rows = sampled.rows;
  if (typeof sampled.bytes === 'number') figures.bytes = sampled.bytes;
  return figures;
}
