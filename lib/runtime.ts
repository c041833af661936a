/**
 * The state a job builds up while it loads and runs, in one place: the registry, the format
 * keywords, the configuration assigned in code and the secrets seen in task configs. The
 * public functions (`register`, `updateFormatKws`, `BigraysConfig`, …) work on
 * `defaultRuntime`; `reset()` empties it.
 */
import type { JobHost } from './job/host';
import { KeywordStore } from './keywords';
import type { TaskClass } from './task';

export class Runtime {
  /** The task classes `bigraysRun()` runs, in registration order. */
  readonly registry: TaskClass[] = [];
  readonly keywords = new KeywordStore();
  /** Configuration values assigned in code (`BigraysConfig.X = …`): they win over env vars. */
  readonly config = new Map<string, unknown>();
  /** Secret values seen in task configs: masked in every message from then on. */
  readonly secrets = new Set<string>();
  /**
   * The `bigrays run` command's side of this process, when it started it (undefined: not
   * looked for yet; null: not started by the command). Not reset: it belongs to the process.
   */
  job?: JobHost | null;

  /** Forgets every registered task, keyword, assigned value and remembered secret. */
  reset(): void {
    this.registry.length = 0;
    this.keywords.reset();
    this.config.clear();
    this.secrets.clear();
  }
}

/** The runtime of this process: what the public functions read and change. */
export const defaultRuntime = new Runtime();
