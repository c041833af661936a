/**
 * What drives a run from outside the core. A job run with plain `node` has no driver: its
 * `bigraysRun()` runs the tasks it is given and settles. A program that starts jobs (the
 * `bigrays run` command, in the job's process) installs one on the runtime: it picks the
 * tasks of each run, may only plan them, follows them, hears how each run ended, and explains
 * what it left out. The core never ends the process: whoever installed the driver decides.
 */
import type { RunReport, TaskReport } from './report';
import type { RunObserver } from './run-observer';
import type { RunPlan } from './run-plan';
import type { AnyTaskClass, TaskShape } from './task-shape';

/** How a top-level run ended, as its driver hears it before the run settles. */
export interface RunOutcome {
  /** The task names the run was offered (the registry when the job named none), before the driver picked. */
  offered: string[];
  /** The report: the tasks that ran, failed or were skipped (a dry run: each planned task, skipped). */
  report: RunReport;
  /** A dry run: what the run would do. */
  plan?: RunPlan;
  /** Why the run failed or could not start (it rejects with it once the driver heard it). */
  error?: unknown;
  /** When the run started (ms since the epoch). */
  startedAt: number;
}

export interface RunDriver {
  /** The job's name, as the driver knows it (the job file's base name), unless config JOB_NAME sets one. */
  readonly jobName?: string;
  /** The tasks of a top-level run, among those it was offered (e.g. `--only`, `--from`). */
  select(offered: readonly AnyTaskClass[]): AnyTaskClass[];
  /** Whether runs are only planned: checked and described, nothing opened or changed. */
  readonly dryRun: boolean;
  /**
   * `--lock` / `--wait-lock MS`: each top-level run takes its job's run lock, waiting up to
   * `waitMs` when given (else config `LOCK_WAIT_MS`), whatever the job's config says.
   */
  readonly lock?: { readonly waitMs?: number };
  /**
   * `--local`: the config the runs' state store and run lock are opened with, over the job's
   * (the local state store and its emulator), whatever the job assigns in code. The run lock is
   * then a lease in that store, never a lock on the job's database.
   */
  readonly local?: { readonly stateConfig: Record<string, unknown> };
  /** Adjusts each task of a top-level run or call after it is created, before anything is checked. */
  overlay?(task: TaskShape, name: string): void;
  /** Follows each top-level run and call, task by task. */
  readonly observer?: RunObserver;
  /**
   * Why the registered `producer`, whose output `reader` uses, is not part of the run, when
   * the driver left it out (the text follows `… is not part of this run`); undefined when it
   * did not, and the core explains.
   */
  leftOut?(producer: AnyTaskClass, reader: AnyTaskClass, registered: readonly AnyTaskClass[]): string | undefined;
  /** A top-level run passed its pre-flight checks and starts: the tasks it was offered and those it runs. */
  runStarted?(offered: string[], planned: string[]): void;
  /** A top-level run or dry run ended; it settles once this does. */
  runEnded(outcome: RunOutcome): Promise<void>;
  /**
   * A functional call outside any run (`sqlQuery({…})`) is about to run; throws to refuse it.
   * In a dry run the call runs nothing and resolves to undefined.
   */
  callStarting(taskName: string): Promise<void>;
  /** A functional call outside any run ended (ok or failed), with its report entry. */
  callEnded(report: TaskReport): Promise<void>;
  /**
   * A top-level run or call that `signal` stopped has settled, its report heard: the driver ends
   * the process as the signal would have (the core, driven, never ends it). Without this, the
   * signal ends it as it does for a job run without a driver.
   */
  interrupted?(signal: 'SIGINT' | 'SIGTERM'): Promise<void>;
}
