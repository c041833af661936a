/**
 * The state a job builds up while it loads and runs, in one place: the registry, the format
 * keywords, the configuration assigned in code, the secrets seen in task configs, the driver
 * a program that starts jobs installs, and the runs in progress. Each run carries its runtime
 * in its context. The public functions (`register`, `updateFormatKws`, `BigraysConfig`,
 * `bigraysRun`, `sqlQuery(…)`, `X.output`, …) work on the runtime of the run in progress where
 * they are called (`currentRuntime()`: inside a task, its run's), else on `defaultRuntime`;
 * `reset()` empties a runtime.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ReferenceCache } from './config-references/cache';
import { KeywordStore, type FormatKws } from './keywords';
import type { RunReport } from './report';
import type { RunDriver } from './run-driver';
import type { RunJobState } from './state/state-document';
import type { AnyTaskClass, TaskShape } from './task-shape';

export type { AnyTaskClass };

/** The signals that stop a run (see signals.ts). */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** What SIGINT and SIGTERM stop: a runtime's runs in progress, and the handler listening for them (see signals.ts). */
export interface SignalWatch {
  /** The runs in progress, each by the controller that aborts it. */
  readonly runs: Set<AbortController>;
  /** The signal that stopped them, once one came. */
  received?: StopSignal;
  /** The handler installed while runs are in progress. */
  listener?: (signal: StopSignal) => void;
  /** The `beforeExit` handler installed while runs are in progress: the process has nothing left that could finish them. */
  stalled?: () => void;
  /** The look, a turn of the loop after `beforeExit`, at whether anything was started since. */
  stallCheck?: NodeJS.Immediate;
  /** Keeps the process alive while the runs a stall stopped close their resources. */
  stallWindDown?: NodeJS.Timeout;
}

/** Who a run is (see run-identity.ts). */
export interface RunIdentity {
  /** Unique to this run (a UUID). */
  readonly runId: string;
  /** The job's name: its state's key, its lock's name, `{job}`. */
  readonly job: string;
}

export type TaskState = 'pending' | 'running' | 'ok' | 'failed' | 'skipped';

/**
 * A claim on the open resource by something that outlives its task (the unread rows of an
 * `SQLStream`): the resource stays open, even while other resources serve the tasks in
 * between, until the hold is let go, or the run ends.
 */
export interface ResourceHold {
  /** The task that took the hold, as logs name it. */
  readonly taskName: string;
  /** False once let go, or once the run closed the resource. */
  readonly active: boolean;
  /** Lets go; when nothing else holds the resource and no task uses it, it closes. */
  release(): Promise<void>;
}

/** The resources a run keeps open (its resource manager, see resources/resource.ts). */
export interface RunResources {
  /** Holds the open `resource` beyond the task using it; undefined when it is not the open one. */
  hold(resource: object, taskName: string): ResourceHold | undefined;
  /** The handle of `resource` with `config`, when this run (or one it is nested in) has it open to share. */
  sharedHandle(resource: object, config: Record<string, unknown>): { handle: unknown } | undefined;
}

/** One run: the outputs and states of its tasks, the handles it has open, and the runtime it belongs to. */
export interface RunContext {
  readonly runtime: Runtime;
  readonly outputs: Map<AnyTaskClass, unknown>;
  readonly states: Map<AnyTaskClass, TaskState>;
  /** The open handle of each resource, for this run (a resource instance may serve several runs). */
  readonly handles: Map<object, unknown>;
  /** The task whose attributes are being created or that runs now. */
  current?: AnyTaskClass;
  /** While task instances are being created: `X.output` may be a reference then, not later. */
  instantiating?: boolean;
  /** The run's resource manager (a nested run may share its open resource). */
  manager?: RunResources;
  /** The signal of the task running now: a nested run (a functional call inside it) stops with it. */
  taskSignal?: AbortSignal;
  /** Stops a top-level run from outside (a Lambda invocation's time running out), as a signal does. */
  stopSignal?: AbortSignal;
  /**
   * Adjusts each task of the run after it is created (the command's local mode): a top-level
   * run's driver gives it, and a run nested in a task's inherits it, so that a functional call
   * inside a task is held to the same rules and can share the task's resource.
   */
  overlay?(task: TaskShape, name: string): void;
  /** A nested run (functional API inside a task) sees its parent's outputs and handles. */
  readonly parent?: RunContext;
  /** A run that only reads outputs from another (a functional call after a run): never its handles. */
  readonly readsFrom?: RunContext;
  /** The report as the run builds it: the tasks that finished so far. */
  report?: RunReport;
  /** The run's id and its job's name (a nested run shares its parent's). */
  identity?: RunIdentity;
  /** The job's state as this run sees it: loaded when first needed, committed when the run succeeds (a nested run shares its parent's). */
  jobState?: RunJobState;
  /** The keywords the run gives its tasks under the job's own: `{job}`, `{runId}`, `{failedTask}`, `{error}` (see run/failure-keywords.ts). */
  runKeywords?: FormatKws;
}

export class Runtime {
  /** The task classes `bigraysRun()` runs, in registration order. */
  readonly registry: AnyTaskClass[] = [];
  readonly keywords = new KeywordStore();
  /** Configuration values assigned in code (`BigraysConfig.X = …`): they win over env vars. */
  readonly config = new Map<string, unknown>();
  /** Secret values seen in task configs: masked in every message from then on. */
  readonly secrets = new Set<string>();
  /** The values fetched for config references (`ssm:…`, `secretsmanager:…`), kept for `SECRETS_CACHE_MS`. */
  readonly references = new ReferenceCache();
  /** Its top-level runs in progress, which SIGINT and SIGTERM stop. */
  readonly signals: SignalWatch = { runs: new Set() };
  /** The last top-level run: `X.output` reads it after the run ended. */
  latest?: RunContext;
  /**
   * What drives this runtime's top-level runs and functional calls from outside the core (the
   * `bigrays run` command installs one in the job's process). Not reset: it belongs to the process.
   */
  driver?: RunDriver;

  /** A new run's context: nested in `parent` (a run inside a task), or reading the outputs of `readsFrom`. */
  newContext(parent?: RunContext, readsFrom?: RunContext): RunContext {
    return { runtime: this, outputs: new Map(), states: new Map(), handles: new Map(), parent, readsFrom };
  }

  /** Forgets every registered task, keyword, assigned value, remembered secret, fetched reference and the last run. */
  reset(): void {
    this.registry.length = 0;
    this.keywords.reset();
    this.config.clear();
    this.secrets.clear();
    this.references.clear();
    this.latest = undefined;
  }
}

/**
 * The run in progress in each async flow, whatever its runtime: how code inside a task
 * (`X.output`, a resource's handle, a functional call nested in it) finds its run, and through
 * it the run's runtime. The flow holds the state (each context carries its runtime); this is
 * only the way to it, as a thread-local would be.
 */
export const activeRuns = new AsyncLocalStorage<RunContext>();

/** The runtime of this process: what the public functions read and change. */
export const defaultRuntime = new Runtime();

/** The runtime of the run in progress in this async flow, else the default one. */
export function currentRuntime(): Runtime {
  return activeRuns.getStore()?.runtime ?? defaultRuntime;
}
