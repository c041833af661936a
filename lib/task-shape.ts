/**
 * Tasks as the run's outer layers see them: the runtime's registry and a run driver name task
 * classes and hand tasks on without needing what a task is made of (lib/task.ts builds on them).
 */

/** Anything that constructs a task (a task class). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskClass = abstract new (...args: any[]) => { run(): unknown };

/** A task instance, as a driver's overlay is given it. */
export interface TaskShape {
  /** The task's name, as reports and errors show it. */
  readonly taskName: string;
}
