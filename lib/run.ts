/**
 * The runner (see ./run/): checks everything it can before any task runs, then runs the tasks
 * in order, sharing one open resource between consecutive tasks that need it.
 */
export { bigraysRun, callOn, callTask, runOn, runTaskInstance, runTasks, type RunSettings, type TaskCall } from './run/calls';
export type { RunDriver, RunOutcome } from './run-driver';
export { execute } from './run/execute';
export type { RunObserver, TaskMetrics } from './run-observer';
export { preflight, type PlannedTask, type TaskOverlay } from './run/preflight';
