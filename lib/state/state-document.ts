/** A job's state as stored and reported, and what a run holds of it (see ./job-state.ts). */

/** A job's state document, as stored and as `bigrays state show` prints it. */
export interface StateDocument {
  job: string;
  /** When the last run that changed it committed, ISO 8601 in UTC. */
  updatedAt?: string;
  /** That run's id. */
  runId?: string;
  /** Each task's part, by task class name. */
  tasks: Record<string, unknown>;
}

/** What a run's report says of the state it used. */
export interface StateReport {
  job: string;
  /** Whether this run wrote its changes (false: it changed nothing, or it did not succeed). */
  committed: boolean;
  /** Each task's part after the run (as committed, or as it was when not committed). */
  tasks: Record<string, unknown>;
}

/** What a task had staged before an attempt (undefined: nothing), to put back if the attempt fails. */
export type StagedPart = { value: unknown } | undefined;

/** What the end of a run does with its job's state (the run's `JobState`). */
export interface RunJobState {
  readonly job: string;
  /** What task `task` has staged so far, for `restore` to put back. */
  checkpoint(task: string): StagedPart;
  /** Puts back what task `task` had staged at `checkpoint`: a failed attempt's changes are not kept. */
  restore(task: string, checkpoint: StagedPart): void;
  /** Writes the staged changes, if any (when the run succeeded). */
  commit(): Promise<StateDocument | undefined>;
  /** What the report shows: undefined when the run did not use its state. */
  report(): Promise<StateReport | undefined>;
  /** Lets go of the store's connections. */
  close(): Promise<void>;
}
