/**
 * `this.state` of a task: its part of its job's state, in the run it runs in. `get()` reads it
 * (what this run staged, else what the store holds), `set(value)` stages a new one, written
 * only when the whole run succeeds (see ./job-state.ts). Outside a run there is no job state:
 * both are a TaskError saying so.
 */
import { TaskError } from '../errors';
import { taskMessage } from '../messages';
import { activeContext } from '../output';
import type { Runtime } from '../runtime';
import type { JobState } from './job-state';

/** What a task sees as `this.state`. */
export interface TaskStatePart {
  /** The task's part of its job's state (any JSON value), undefined when it has none yet. */
  get(): Promise<unknown>;
  /** Stages `value` (JSON; undefined removes the part) as the task's part, written when the run succeeds. */
  set(value: unknown): void;
}

/** The job state of the run in progress here, else a TaskError naming the task. */
function runState(taskName: string, runtime: Runtime): JobState {
  const context = activeContext(runtime);
  if (!context) {
    throw new TaskError(taskMessage(taskName, 'this.state is read and set only while the task runs (in bigraysRun() or `bigrays run`), not outside a run'));
  }
  // Loaded when first used: a job that never touches its state loads no store.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { jobStateOf } = require('./job-state') as typeof import('./job-state');
  return jobStateOf(context);
}

/** `this.state` of the task named `taskName`, which runs in `runtime`'s runs. */
export function taskStatePart(taskName: string, runtime: () => Runtime): TaskStatePart {
  return {
    get: async () => runState(taskName, runtime()).get(taskName),
    set: (value) => {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (error) {
        throw new TaskError(taskMessage(taskName, `this.state.set() takes a JSON value: ${(error as Error).message}`), { cause: error });
      }
      if (json === undefined && value !== undefined) {
        throw new TaskError(taskMessage(taskName, `this.state.set() takes a JSON value (an object, array, string, number, boolean or null; undefined removes the part), got a ${typeof value}`), { taskName });
      }
      runState(taskName, runtime()).set(taskName, value);
    },
  };
}
