/** A task as a run plans it, and what may adjust it before it is checked. */
import type { ConfigValues } from '../config';
import type { BaseTask, TaskClass } from '../task';

/** A task instance ready to run: the class it came from and its resource's configuration. */
export interface PlannedTask {
  cls: TaskClass;
  task: BaseTask<unknown>;
  /** `BigraysConfig` with the task's `resourceConfig` over it, resolved once as the task was planned. */
  config: ConfigValues;
}

/**
 * Adjusts a task's configuration after it is created and before anything is checked (the
 * command's local mode rewrites `resourceConfig` with it).
 */
export type TaskOverlay = (task: BaseTask<unknown>, name: string) => void;

/** A task's fields, by name. */
export function own(task: BaseTask<unknown>): Record<string, unknown> {
  return task as unknown as Record<string, unknown>;
}
