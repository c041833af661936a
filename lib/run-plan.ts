/** What a dry run tells: each task with its rendered attributes and the resource open/close plan. */

export interface PlannedStep {
  /** The task class name. */
  name: string;
  /** Templated attributes, rendered with the keywords known now, secrets masked. */
  attributes: Record<string, string>;
  /** Outputs of earlier tasks this task reads, as `Task.output`. */
  inputs: string[];
  /** Resource actions before this task runs: `close X`, `open Y`, `reuse Y`. */
  resources: string[];
  runWithExceptions: boolean;
}

export interface RunPlan {
  steps: PlannedStep[];
  /** Resource actions after the last task: `close X`. */
  finally: string[];
}
