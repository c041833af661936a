/**
 * One task's attempts: its output references resolved and templates filled, its resource
 * opened, `run()` called under the task's signal, and tried again after an error that can
 * pass, as `retries` allows. The task's deadline covers every attempt and the waits between.
 */
import { configMs, type ConfigValues } from '../config';
import { BigraysError, TaskError, TaskInterfaceError } from '../errors';
import { logger } from '../log';
import { attributeName, shown, taskMessage } from '../messages';
import { resolveRefs, runInContext, type RunContext } from '../output';
import type { ResourceManager } from '../resources/resource';
import { isTransient, retryDelay, sleep } from '../retry';
import { scrubIn } from '../secrets';
import { LockLostError } from '../lock/lock-lost';
import { Interrupted, Stalled } from '../signals';
import { taskRun, TEMPLATED_ATTRIBUTES, type BaseTask } from '../task';
import { own, type PlannedTask } from './planned-task';

const log = logger('run');

/** Resolves output references in every field, then fills the templated attributes. */
function prepare({ cls, task }: PlannedTask, context: RunContext): void {
  const fields = own(task);
  for (const [field, value] of Object.entries(fields)) {
    const resolved = resolveRefs(value, cls, context);
    if (resolved !== value) fields[field] = resolved;
  }
  for (const attr of TEMPLATED_ATTRIBUTES) {
    const template = fields[attr];
    if (typeof template === 'string') fields[attr] = task.renderAttribute(attr, template);
  }
}

/** How long a task that was aborted may take to wind down (abort an upload, cancel a query) before the run moves on. */
const WIND_DOWN_MS = 3000;

/** The deadline of `task`: its `timeoutMs`, else `TASK_TIMEOUT_MS`, else none. */
function timeoutOf(task: BaseTask<unknown>, name: string, config: ConfigValues): number | undefined {
  const own = task.timeoutMs;
  if (own === undefined || own === null) return configMs(config, 'TASK_TIMEOUT_MS');
  if (typeof own !== 'number' || !Number.isFinite(own) || own <= 0) {
    throw new TaskInterfaceError(`${attributeName(name, 'timeoutMs')} must be a positive number of milliseconds, got ${shown(own)}`, {
      taskName: name,
      attributes: { [name]: ['timeoutMs'] },
    });
  }
  return own;
}

function retriesOf(task: BaseTask<unknown>, name: string): { retries: number; delayMs: number } {
  const { retries, retryDelayMs } = task;
  const wrong: string[] = [];
  if (!Number.isInteger(retries) || retries < 0) wrong.push(`retries must be a whole number ≥ 0, got ${shown(retries)}`);
  if (typeof retryDelayMs !== 'number' || !Number.isFinite(retryDelayMs) || retryDelayMs < 0) {
    wrong.push(`retryDelayMs must be a number of milliseconds ≥ 0, got ${shown(retryDelayMs)}`);
  }
  if (wrong.length > 0) {
    throw new TaskInterfaceError(taskMessage(name, wrong.join('; ')), { taskName: name, attributes: { [name]: ['retries', 'retryDelayMs'] } });
  }
  return { retries, delayMs: retryDelayMs };
}

/**
 * `work()`, but once `signal` aborts, given at most WIND_DOWN_MS to settle before the call
 * rejects with the signal's reason: a task that ignores its signal cannot hold the run. A task
 * the process has nothing left to finish is given up on at once.
 */
function untilAborted<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (signal.reason instanceof Stalled) reject(signal.reason);
      else timer = setTimeout(() => reject(signal.reason), WIND_DOWN_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work().then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    });
  });
}

/** The error a failed attempt reports: the deadline or the signal when one stopped it, the task's own otherwise. */
function attemptError(raw: unknown, signal: AbortSignal, name: string): unknown {
  if (!signal.aborted) return raw;
  const reason: unknown = signal.reason;
  if (reason instanceof Interrupted) {
    return new TaskError(`${name} was stopped: ${reason.message}`, { cause: raw === reason ? undefined : raw, taskName: name });
  }
  if (reason instanceof Stalled) {
    return new TaskError(`${name} never finished: ${reason.message}`, { cause: raw === reason ? undefined : raw, taskName: name });
  }
  if (reason instanceof LockLostError) {
    // The run says why in full.
    return new TaskError(`${name} was stopped: the run lock was lost`, { cause: raw === reason ? undefined : raw, taskName: name });
  }
  if (reason instanceof BigraysError && raw !== reason && (reason as { cause?: unknown }).cause === undefined) {
    // The deadline's message, with what the task was doing when it struck.
    return new TaskError(reason.message, { cause: raw, taskName: name });
  }
  return reason;
}

/** A task that ran out of its `timeoutMs`. */
function deadlineError(name: string, ms: number, own: boolean): TaskError {
  return new TaskError(
    `${name} timed out after ${ms} ms (${own ? attributeName(name, 'timeoutMs') : 'BIGRAYS_TASK_TIMEOUT_MS'}): raise it if the task needs longer`,
    { taskName: name },
  );
}

/**
 * What task `name` has staged in its job's state now, as a function that puts it back: an
 * attempt that fails leaves no change behind for the next attempt to read or the run to commit.
 */
function stagedState(context: RunContext, name: string): () => void {
  let root = context;
  while (root.parent) root = root.parent;
  const before = root.jobState?.checkpoint(name);
  return () => root.jobState?.restore(name, before);
}

export interface Attempted {
  output?: unknown;
  error?: unknown;
  attempts: number;
}

/** The task's deadline and retry policy, once its references are resolved and its templates filled. */
function ready(planned: PlannedTask, context: RunContext): { timeoutMs?: number; policy: { retries: number; delayMs: number } } {
  const { cls, task, config } = planned;
  const timeoutMs = timeoutOf(task, cls.name, config);
  const policy = retriesOf(task, cls.name);
  runInContext(context, () => {
    context.current = cls;
    try {
      prepare(planned, context);
    } finally {
      context.current = undefined;
    }
  });
  return { timeoutMs, policy };
}

/** One call of the task's `run()` under `signal`, its resource open (`opened` says when it is). */
function runOnce(
  planned: PlannedTask, context: RunContext, manager: ResourceManager, signal: AbortSignal, opened: { resource: boolean },
): Promise<unknown> {
  const { cls, task, config } = planned;
  return untilAborted(signal, () =>
    runInContext(context, async () => {
      context.current = cls;
      context.taskSignal = signal;
      try {
        await manager.acquire(task.requiredResource, config, cls.name, signal);
        opened.resource = true;
        taskRun(task).skipped = undefined;
        return await task.run();
      } finally {
        // An attempt given up on may end after the next task began: it clears only its own marks.
        if (context.taskSignal === signal) {
          context.current = undefined;
          context.taskSignal = undefined;
        }
      }
    }),
  );
}

/**
 * Runs one task: opens its resource, calls `run()` under the task's signal, and tries again
 * after an error that can pass, as often as `retries` allows and the task says is safe. The
 * deadline covers every attempt and the waits between them; a task its deadline or a signal
 * stopped is not tried again (its last attempt may not even have finished).
 */
export async function attempt(
  planned: PlannedTask, context: RunContext, manager: ResourceManager, runSignal: AbortSignal,
): Promise<Attempted> {
  const { cls, task } = planned;
  const name = cls.name;
  let setup: ReturnType<typeof ready>;
  try {
    setup = ready(planned, context);
  } catch (error) {
    return { error, attempts: 1 };
  }
  const { timeoutMs, policy } = setup;
  const deadline = new AbortController();
  const signal = AbortSignal.any([runSignal, deadline.signal]);
  const timer = timeoutMs === undefined
    ? undefined
    : setTimeout(() => deadline.abort(deadlineError(name, timeoutMs, task.timeoutMs !== undefined)), timeoutMs);
  taskRun(task).signal = signal;
  try {
    for (let attempts = 1; ; attempts++) {
      const opened = { resource: false };
      const restoreState = stagedState(context, task.taskName);
      try {
        return { output: await runOnce(planned, context, manager, signal, opened), attempts };
      } catch (raw) {
        restoreState();
        const error = attemptError(raw, signal, name);
        const again = attempts <= policy.retries && !signal.aborted && isTransient(error) &&
          (!opened.resource || runInContext(context, () => task.canRetry(error)));
        if (!again) return { error, attempts };
        const wait = retryDelay(policy.delayMs, attempts);
        log('%s: attempt %d failed (%s); trying again in %d ms', name, attempts, scrubIn(context.runtime, (error as Error)?.message ?? String(error)), wait);
        try {
          await sleep(wait, signal);
        } catch {
          return { error: attemptError(error, signal, name), attempts };
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
