/**
 * The runner: checks everything it can before any task runs, then runs the tasks in order,
 * sharing one open resource between consecutive tasks that need it.
 */
import { configMs, effectiveConfig, envName } from './config';
import { BigraysError, ConfigurationError, TaskError, TaskInterfaceError } from './errors';
import { FormatError, keywordsFor, noteKeywordsUsed, templateKeywords } from './format';
import { jobHost } from './job/host';
import { logger } from './log';
import {
  activeContext,
  currentContext,
  findRefs,
  newContext,
  pendingRefs,
  resolveRefs,
  runInContext,
  setLatestContext,
  type OutputRef,
  type RunContext,
} from './output';
import { registeredTasks } from './registry';
import type { RunReport, TaskReport } from './report';
import { Resource, ResourceManager } from './resources/resource';
import { isTransient, retryDelay, sleep } from './retry';
import { summary } from './summary';
import { within } from './timing';
import { rememberSecrets, scrub, scrubError } from './secrets';
import { endInterrupted, Interrupted, watchSignals } from './signals';
import {
  BaseTask, isTaskClass, requiredAttributesOf, setTaskSignal, taskMetrics, TEMPLATED_ATTRIBUTES, type TaskClass,
} from './task';

const log = logger('run');

/** A task instance ready to run, with the class it came from. */
export interface PlannedTask {
  cls: TaskClass;
  task: BaseTask<unknown>;
}

/**
 * Adjusts a task's configuration after it is created and before anything is checked (the
 * command's local mode rewrites `resourceConfig` with it).
 */
export type TaskOverlay = (task: BaseTask<unknown>, name: string) => void;

/** How one run runs, besides its tasks. */
export interface RunSettings {
  /** Applied to every task before the pre-flight checks. */
  overlay?: TaskOverlay;
  /** Called once the tasks are planned, with the run's context (a runner follows the run through it). */
  onStart?(context: RunContext, planned: PlannedTask[]): void;
  /** Stops the run when it aborts: the running task is aborted with its reason, the rest skipped. */
  signal?: AbortSignal;
  /** Told as each task starts and ends (progress of the run). */
  observer?: RunObserver;
}

/**
 * Follows a run task by task: the command's progress lines come from it. A task that is
 * skipped ends without starting. What an observer throws never touches the run.
 */
export interface RunObserver {
  /** `task` started (its figures so far: `metricsSoFar(task)`). */
  taskStarted?(name: string, task: BaseTask<unknown>, startedAt: string): void;
  /** A task ended (ok, failed or skipped), with its report entry. */
  taskEnded?(entry: TaskReport): void;
}

function tell(observer: RunObserver | undefined, call: (o: RunObserver) => void): void {
  if (!observer) return;
  try {
    call(observer);
  } catch (error) {
    log('the run observer failed: %s', (error as Error)?.message ?? String(error));
  }
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `class ${value.name || '(anonymous)'}`;
  return value === null ? 'null' : typeof value;
}

function own(task: BaseTask<unknown>): Record<string, unknown> {
  return task as unknown as Record<string, unknown>;
}

/** Creates each task's instance inside `context`, so `X.output` initializers become references. */
function instantiate(entries: ReadonlyArray<TaskClass | BaseTask<unknown>>, context: RunContext): PlannedTask[] {
  const bad = entries.filter((entry) => !(entry instanceof BaseTask) && !isTaskClass(entry));
  if (bad.length > 0) {
    throw new TaskInterfaceError(
      `bigraysRun() takes task classes (subclasses of Task, SQLQuery, ToS3, …), got ${bad.map(describe).join(', ')}`,
    );
  }
  for (const entry of entries) if (isTaskClass(entry)) context.states.set(entry, 'pending');
  context.instantiating = true;
  try {
    return instantiateAll(entries, context);
  } finally {
    context.instantiating = false;
  }
}

function instantiateAll(entries: ReadonlyArray<TaskClass | BaseTask<unknown>>, context: RunContext): PlannedTask[] {
  return runInContext(context, () =>
    entries.map((entry) => {
      if (entry instanceof BaseTask) return { cls: entry.constructor as TaskClass, task: entry };
      const cls = entry as TaskClass;
      context.current = cls;
      try {
        return { cls, task: new (cls as unknown as new () => BaseTask<unknown>)() };
      } catch (error) {
        if (error instanceof BigraysError) throw error;
        throw new TaskInterfaceError(`${cls.name} could not be created: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
          taskName: cls.name,
        });
      } finally {
        context.current = undefined;
      }
    }),
  );
}

function checkInterfaces(planned: PlannedTask[]): void {
  const problems: Record<string, string[]> = {};
  const lines: string[] = [];
  for (const { cls, task } of planned) {
    const fields = own(task);
    const missing = requiredAttributesOf(cls).filter((name) => fields[name] === undefined || fields[name] === null);
    const wrong: string[] = [];
    if (typeof fields.run !== 'function') missing.push('run()');
    if (fields.requiredResource !== undefined && !(fields.requiredResource instanceof Resource)) {
      wrong.push(`requiredResource must be a Resource instance, got ${describe(fields.requiredResource)}`);
    }
    for (const name of ['resourceConfig', 'formatKws'] as const) {
      const value = fields[name];
      if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        wrong.push(`${name} must be an object, got ${Array.isArray(value) ? 'an array' : describe(value)}`);
      }
    }
    if (typeof task.attributeProblems === 'function') wrong.push(...task.attributeProblems());
    if (missing.length + wrong.length === 0) continue;
    problems[cls.name] = [...missing, ...wrong.map((w) => w.split(' ')[0])];
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`must define ${missing.map((m) => `\`${m}\``).join(', ')}`);
    parts.push(...wrong);
    lines.push(`${cls.name} ${parts.join('; ')}`);
  }
  if (lines.length > 0) {
    throw new TaskInterfaceError(`Task attributes are missing or invalid:\n  ${lines.join('\n  ')}`, {
      attributes: problems,
      taskName: Object.keys(problems)[0],
    });
  }
}

/**
 * Why `producer` is not part of a run that `reader` is in, and the fix: a registered task was
 * left out by `--only` / `--from` or by the tasks given to `bigraysRun(...)`; any other
 * task is to be registered.
 */
function leftOut(producer: TaskClass, reader: TaskClass): string {
  const registry = registeredTasks();
  if (!registry.includes(producer)) return `: register ${producer.name} before ${reader.name}`;
  const selection = jobHost()?.options;
  if (selection && selection.only.length > 0) {
    const names = registry.filter((t) => t === producer || selection.only.includes(t.name)).map((t) => t.name);
    return ` (it is registered, but --only leaves it out): add it to --only, as in --only ${names.join(',')}`;
  }
  if (selection?.from !== undefined) {
    return ` (it is registered, but --from ${selection.from} starts after it): start from it with --from ${producer.name}, or run both with --only ${producer.name},${reader.name}`;
  }
  return ` (it is registered, but not among the tasks given to bigraysRun(...)): pass ${producer.name} before ${reader.name}, or call bigraysRun() with no arguments to run every registered task`;
}

/**
 * The global keywords the task's templates use (its own `formatKws` aside, which are its fields),
 * as `[where, value]`: one may hold a task's output (`updateFormatKws({ since: MaxId.output })`).
 */
function globalKeywordsUsed(task: BaseTask<unknown>): Array<[string, unknown]> {
  const fields = own(task);
  const known = keywordsFor(task.formatKws);
  const ownKws = task.formatKws ?? {};
  const found: Array<[string, unknown]> = [];
  for (const attr of TEMPLATED_ATTRIBUTES) {
    const template = fields[attr];
    if (typeof template !== 'string') continue;
    let used: string[];
    try {
      used = templateKeywords(template);
    } catch {
      continue; // a malformed template: checkKeywords says so
    }
    for (const name of used) if (!Object.prototype.hasOwnProperty.call(ownKws, name)) found.push([`${attr} ({${name}})`, known[name]]);
  }
  return found;
}

function checkOutputs(planned: PlannedTask[], context: RunContext): void {
  const lines: string[] = [];
  let first: string | undefined;
  planned.forEach(({ cls, task }, index) => {
    const earlier = new Set(planned.slice(0, index).map((p) => p.cls));
    for (const [field, value] of [...Object.entries(own(task)), ...globalKeywordsUsed(task)]) {
      findRefs(value, (ref: OutputRef) => {
        if (earlier.has(ref.task as TaskClass)) return;
        for (let c = context.parent ?? context.readsFrom; c; c = c.parent ?? c.readsFrom) if (c.outputs.has(ref.task)) return;
        const later = planned.slice(index + 1).some((p) => p.cls === ref.task);
        const why = later
          ? `${ref.task.name} runs after ${cls.name}: register ${ref.task.name} before ${cls.name}`
          : `${ref.task.name} is not part of this run${leftOut(ref.task as TaskClass, cls)}`;
        lines.push(`${cls.name}.${field} uses ${ref.task.name}.output, but ${why}`);
        first ??= cls.name;
      });
    }
  });
  if (lines.length > 0) throw new TaskError(`Task outputs used before they exist:\n  ${lines.join('\n  ')}`, { taskName: first });
}

/**
 * Why `template` would be refused when the task runs, with the keywords known now: an unsafe
 * plain `{kw}` in SQL text, an SQL conversion outside it. A keyword that holds a task's output
 * is known only then: it is checked with a placeholder here (the rest of the template is
 * checked now), and with its value when the task runs.
 */
function refusedTemplate(task: BaseTask<unknown>, attr: string, template: string, used: string[], known: Record<string, unknown>): string | undefined {
  const kws = { ...known };
  for (const name of used) if (Object.prototype.hasOwnProperty.call(known, name)) kws[name] = pendingRefs(known[name]);
  try {
    task.renderAttribute(attr, template, kws);
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: unknown })?.cause;
    if (error instanceof TaskError && cause instanceof FormatError && (cause.problem === 'unsafe' || cause.problem === 'not-sql')) {
      return error.message;
    }
    return undefined; // anything else shows when the task runs, as it always has
  }
}

function checkKeywords(planned: PlannedTask[]): void {
  const lines: string[] = [];
  let first: string | undefined;
  for (const { cls, task } of planned) {
    const known = keywordsFor(task.formatKws);
    const fields = own(task);
    for (const attr of TEMPLATED_ATTRIBUTES) {
      const template = fields[attr];
      if (typeof template !== 'string') continue;
      try {
        const late = task.lateKeywords(attr);
        const used = templateKeywords(template);
        noteKeywordsUsed(used, task.formatKws);
        let unset = false;
        for (const name of used) {
          if (!(name in known) && !late.includes(name)) {
            unset = true;
            lines.push(
              /^[A-Za-z_$][\w$]*$/.test(name)
                ? `${cls.name}.${attr} uses the keyword \`${name}\`, which is not set: updateFormatKws({ ${name}: … }) or set it in ${cls.name}.formatKws`
                : `${cls.name}.${attr} reads \`{${name}}\` as a keyword; for literal braces (JSON, arrays) write {{ and }}`,
            );
            first ??= cls.name;
          }
        }
        const refused = unset ? undefined : refusedTemplate(task, attr, template, used, known);
        if (refused) {
          lines.push(refused);
          first ??= cls.name;
        }
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        lines.push(`${cls.name}.${attr}: ${error.message}`);
        first ??= cls.name;
      }
    }
  }
  if (lines.length > 0) throw new TaskError(`Format keywords are missing, malformed or unsafe:\n  ${lines.join('\n  ')}`, { taskName: first });
}

function checkConfigs(planned: PlannedTask[]): void {
  const neededBy = new Map<string, string[]>();
  const invalid = new Map<string, ConfigurationError>();
  for (const { cls, task } of planned) {
    rememberSecrets(task.resourceConfig);
    const resource = task.requiredResource;
    if (!resource) continue;
    const config = effectiveConfig(task.resourceConfig);
    const missing = resource.missingConfigs(config);
    for (const key of missing) {
      const env = envName(key);
      const tasks = neededBy.get(env) ?? [];
      if (!tasks.includes(cls.name)) tasks.push(cls.name);
      neededBy.set(env, tasks);
    }
    if (missing.length > 0) continue;
    try {
      resource.validateConfig(config);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      const text = scrub(error.message, config);
      if (!invalid.has(text)) invalid.set(text, error);
    }
  }
  if (neededBy.size === 0 && invalid.size === 0) return;
  const parts: string[] = [];
  if (neededBy.size > 0) {
    const lines = [...neededBy].map(([env, tasks]) => `${env} (needed by ${tasks.join(', ')})`);
    parts.push(
      `Missing configuration: set these environment variables (or assign BigraysConfig.<KEY> in code) before running:\n  ${lines.join('\n  ')}`,
    );
  }
  parts.push(...invalid.keys());
  const missing = [...neededBy.keys(), ...[...invalid.values()].flatMap((e) => e.missing)];
  throw new ConfigurationError(parts.join('\n'), { missing: [...new Set(missing)] });
}

/**
 * Everything that can be checked before any task runs or any resource opens: required
 * attributes, outputs used before they exist, format keywords, resource configuration.
 */
export function preflight(entries: ReadonlyArray<TaskClass | BaseTask<unknown>>, context: RunContext, overlay?: TaskOverlay): PlannedTask[] {
  const planned = instantiate(entries, context);
  if (overlay) for (const { cls, task } of planned) overlay(task, cls.name);
  checkInterfaces(planned);
  checkOutputs(planned, context);
  checkKeywords(planned);
  checkConfigs(planned);
  return planned;
}

/** Resolves output references in every field, then fills the templated attributes. */
function prepare(cls: TaskClass, task: BaseTask<unknown>, context: RunContext): void {
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

/**
 * Lets go of what a task that did not finish was given to read: a stream in one of its
 * fields (a file it opened, a query cursor) is closed, not left open until the process ends.
 */
function releaseInputs(task: BaseTask<unknown>): void {
  for (const value of Object.values(own(task))) {
    if (value === null || typeof value !== 'object') continue;
    const candidate = value as { destroy?: unknown; pipe?: unknown; destroyed?: boolean; release?: unknown; rows?: unknown };
    if (typeof candidate.pipe === 'function' && typeof candidate.destroy === 'function' && !candidate.destroyed) {
      (candidate.destroy as () => void).call(value);
    } else if (typeof candidate.release === 'function' && candidate.rows !== undefined) {
      Promise.resolve((candidate.release as () => unknown).call(value)).catch(() => undefined);
    }
  }
}

function asTaskError(error: unknown, name: string): BigraysError {
  if (error instanceof BigraysError && error.taskName !== undefined) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TaskError(scrub(`${name} failed: ${message}`), { cause: error, taskName: name });
}

/** How long a task that was aborted may take to wind down (abort an upload, cancel a query) before the run moves on. */
const WIND_DOWN_MS = 3000;

/** How long closing the open resource may take after a run was interrupted. */
const CLOSE_AFTER_INTERRUPT_MS = 4000;

/** The deadline of `task`: its `timeoutMs`, else `TASK_TIMEOUT_MS`, else none. */
function timeoutOf(task: BaseTask<unknown>, name: string, config: ReturnType<typeof effectiveConfig>): number | undefined {
  const own = task.timeoutMs;
  if (own === undefined || own === null) return configMs(config, 'TASK_TIMEOUT_MS');
  if (typeof own !== 'number' || !Number.isFinite(own) || own <= 0) {
    throw new TaskInterfaceError(`${name}.timeoutMs must be a positive number of milliseconds, got ${JSON.stringify(own)}`, {
      taskName: name,
      attributes: { [name]: ['timeoutMs'] },
    });
  }
  return own;
}

function retriesOf(task: BaseTask<unknown>, name: string): { retries: number; delayMs: number } {
  const { retries, retryDelayMs } = task;
  const wrong: string[] = [];
  if (!Number.isInteger(retries) || retries < 0) wrong.push(`retries must be a whole number ≥ 0, got ${JSON.stringify(retries)}`);
  if (typeof retryDelayMs !== 'number' || !Number.isFinite(retryDelayMs) || retryDelayMs < 0) {
    wrong.push(`retryDelayMs must be a number of milliseconds ≥ 0, got ${JSON.stringify(retryDelayMs)}`);
  }
  if (wrong.length > 0) {
    throw new TaskInterfaceError(`${name}: ${wrong.join('; ')}`, { taskName: name, attributes: { [name]: ['retries', 'retryDelayMs'] } });
  }
  return { retries, delayMs: retryDelayMs };
}

/**
 * `work()`, but once `signal` aborts, given at most WIND_DOWN_MS to settle before the call
 * rejects with the signal's reason: a task that ignores its signal cannot hold the run.
 */
function untilAborted<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      timer = setTimeout(() => reject(signal.reason), WIND_DOWN_MS);
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
  if (reason instanceof BigraysError && raw !== reason && (reason as { cause?: unknown }).cause === undefined) {
    // The deadline's message, with what the task was doing when it struck.
    return new TaskError(reason.message, { cause: raw, taskName: name });
  }
  return reason;
}

/** A task that ran out of its `timeoutMs`. */
function deadlineError(name: string, ms: number, own: boolean): TaskError {
  return new TaskError(
    `${name} timed out after ${ms} ms (${own ? `${name}.timeoutMs` : 'BIGRAYS_TASK_TIMEOUT_MS'}): raise it if the task needs longer`,
    { taskName: name },
  );
}

interface Attempted {
  output?: unknown;
  error?: unknown;
  attempts: number;
}

/**
 * Runs one task: opens its resource, calls `run()` under the task's signal, and tries again
 * after an error that can pass, as often as `retries` allows and the task says is safe. The
 * deadline covers every attempt and the waits between them; a task its deadline or a signal
 * stopped is not tried again (its last attempt may not even have finished).
 */
async function attempt(
  cls: TaskClass, task: BaseTask<unknown>, context: RunContext, manager: ResourceManager, runSignal: AbortSignal,
): Promise<Attempted> {
  const name = cls.name;
  const config = effectiveConfig(task.resourceConfig);
  let timeoutMs: number | undefined;
  let policy: { retries: number; delayMs: number };
  try {
    timeoutMs = timeoutOf(task, name, config);
    policy = retriesOf(task, name);
    runInContext(context, () => {
      context.current = cls;
      try {
        prepare(cls, task, context);
      } finally {
        context.current = undefined;
      }
    });
  } catch (error) {
    return { error, attempts: 1 };
  }
  const deadline = new AbortController();
  const signal = AbortSignal.any([runSignal, deadline.signal]);
  const timer = timeoutMs === undefined
    ? undefined
    : setTimeout(() => deadline.abort(deadlineError(name, timeoutMs!, task.timeoutMs !== undefined)), timeoutMs);
  setTaskSignal(task, signal);
  try {
    for (let attempts = 1; ; attempts++) {
      let opened = false;
      try {
        const output = await untilAborted(signal, () =>
          runInContext(context, async () => {
            context.current = cls;
            context.taskSignal = signal;
            try {
              await manager.acquire(task.requiredResource, config, name, signal);
              opened = true;
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
        return { output, attempts };
      } catch (raw) {
        const error = attemptError(raw, signal, name);
        const again = attempts <= policy.retries && !signal.aborted && isTransient(error) &&
          (!opened || runInContext(context, () => task.canRetry(error)));
        if (!again) return { error, attempts };
        const wait = retryDelay(policy.delayMs, attempts);
        log('%s: attempt %d failed (%s); trying again in %d ms', name, attempts, scrub((error as Error)?.message ?? String(error)), wait);
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

/** Closes the run's open resource; after an interrupt, gives up waiting after CLOSE_AFTER_INTERRUPT_MS. */
async function releaseAll(manager: ResourceManager, interrupted: boolean): Promise<void> {
  if (!interrupted) {
    await manager.releaseAll();
    return;
  }
  if (!(await within(manager.releaseAll(), CLOSE_AFTER_INTERRUPT_MS))) {
    log('closing the open resource took over %d ms after the interrupt: leaving it', CLOSE_AFTER_INTERRUPT_MS);
  }
}

/** Runs planned tasks in order within `context`; resolves to the report, or rejects with BigraysError. */
export async function execute(planned: PlannedTask[], context: RunContext, observer?: RunObserver): Promise<RunReport> {
  for (const { cls } of planned) context.states.set(cls, 'pending');
  const manager = new ResourceManager(context, context.parent?.manager as ResourceManager | undefined);
  context.manager = manager;
  // A top-level run stops on SIGINT/SIGTERM; a nested one (a functional call inside a task) with that task.
  const controller = new AbortController();
  const parentSignal = context.parent?.taskSignal ?? context.stopSignal;
  const runSignal = parentSignal ? AbortSignal.any([controller.signal, parentSignal]) : controller.signal;
  const unwatch = context.parent ? () => undefined : watchSignals(controller);
  const report: RunReport = { startedAt: new Date().toISOString(), tasks: [] };
  context.report = report;
  const errors: unknown[] = [];
  const failed: string[] = [];
  const runStarted = Date.now();
  try {
    for (const { cls, task } of planned) {
      const name = cls.name;
      if (runSignal.aborted || (failed.length > 0 && !task.runWithExceptions)) {
        log('skipping %s: %s', name, runSignal.aborted ? 'the run was stopped' : 'an earlier task failed');
        context.states.set(cls, 'skipped');
        releaseInputs(task);
        const skipped: TaskReport = { name, status: 'skipped', durationMs: 0 };
        report.tasks.push(skipped);
        tell(observer, (o) => o.taskEnded?.(skipped));
        continue;
      }
      const entry: TaskReport = { name, status: 'ok', startedAt: new Date().toISOString(), durationMs: 0 };
      const started = performance.now();
      context.states.set(cls, 'running');
      log('running %s', name);
      tell(observer, (o) => o.taskStarted?.(name, task, entry.startedAt!));
      const result = await attempt(cls, task, context, manager, runSignal);
      entry.attempts = result.attempts;
      if (result.error === undefined) {
        context.outputs.set(cls, result.output);
        context.states.set(cls, 'ok');
      } else {
        const config = effectiveConfig(task.resourceConfig);
        const error = asTaskError(scrubError(result.error, config), name);
        releaseInputs(task);
        manager.noteFailure(error);
        context.states.set(cls, 'failed');
        entry.status = 'failed';
        entry.error = scrub(error.message, config);
        errors.push(error);
        failed.push(name);
      }
      // A session its rows held open closes once they are read (or their reader failed).
      await manager.settle();
      entry.durationMs = Math.round(performance.now() - started);
      const { rows, bytes } = taskMetrics(task);
      if (rows !== undefined) entry.rows = rows;
      if (bytes !== undefined) entry.bytes = bytes;
      report.tasks.push(entry);
      tell(observer, (o) => o.taskEnded?.(entry));
      log('%s %s in %dms', name, entry.status === 'ok' ? 'finished' : `failed (${entry.error})`, entry.durationMs);
    }
  } finally {
    await releaseAll(manager, runSignal.aborted);
    unwatch();
    report.endedAt = new Date().toISOString();
  }
  for (const name of manager.unreleased) {
    log('%s.output was never read: its SQL session was closed at the end of the run', name);
    const entry = report.tasks.find((t) => t.name === name);
    if (entry) entry.unread = true;
  }
  errors.push(...manager.closeErrors);
  log('run finished in %dms: %d ok, %d failed, %d skipped', Date.now() - runStarted,
    report.tasks.filter((t) => t.status === 'ok').length, failed.length,
    report.tasks.filter((t) => t.status === 'skipped').length);
  const interrupted = controller.signal.reason instanceof Interrupted ? controller.signal.reason.signal : undefined;
  // Stopped from outside (a deadline of the caller's): a failure even between two tasks.
  const stop = context.stopSignal?.aborted && interrupted === undefined ? context.stopSignal.reason : undefined;
  const stopped = stop === undefined ? undefined : stop instanceof Error ? stop.message : String(stop);
  if (errors.length === 0 && interrupted === undefined && stopped === undefined) return report;

  const details = errors.map((e) => {
    const err = e as BigraysError;
    const message = scrub(err.message);
    const label = err.taskName ?? 'after the run';
    return message.startsWith(label) ? `  ${message}` : `  ${label}: ${message}`;
  });
  let head = failed.length > 0
    ? `bigrays run failed: ${failed.length === 1 ? 'task' : 'tasks'} ${failed.join(', ')} failed`
    : errors.length > 0 ? 'bigrays run failed: a resource could not be closed' : 'bigrays run failed';
  if (interrupted !== undefined) head += `; interrupted by ${interrupted}, the tasks after it were skipped`;
  if (stopped !== undefined) head += `; stopped (${stopped}), the tasks after it were skipped`;
  const error = new BigraysError(`${head}\n${details.join('\n')}`, { cause: errors[0] ?? stop });
  error.errors = errors;
  error.report = report;
  if (interrupted !== undefined) error.signal = interrupted;
  throw error;
}

/** When a top-level run was stopped by a signal: prints its summary and lets the signal end the process. */
async function settleInterrupted(error: unknown): Promise<void> {
  const signal = (error as BigraysError)?.signal;
  if (signal === undefined) return;
  await endInterrupted(signal, () => {
    if (drivenByCommand()) return; // the command prints the summary from the report it was sent
    const report = (error as BigraysError).report;
    const elapsed = report?.tasks.reduce((sum, t) => sum + t.durationMs, 0) ?? 0;
    process.stderr.write(`\n${report ? `${summary(report, elapsed)}\n\n` : ''}${scrub((error as Error).message)}\n`);
  });
}

/**
 * Progress on stderr for a job run without the command (`node job.mjs`): only when
 * `BIGRAYS_PROGRESS=1`, and only for a top-level run. The command prints its own.
 */
function ownProgress(): RunObserver | undefined {
  if (process.env.BIGRAYS_PROGRESS !== '1' || activeContext() || drivenByCommand()) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const progress = require('./cli/progress') as typeof import('./cli/progress');
  return progress.progressObserver(progress.printerFor(process.stderr).print);
}

/** Whether this process is a job the `bigrays` command started, which reports to it. */
function drivenByCommand(): boolean {
  return jobHost() !== undefined;
}

/** A functional call's output and its one-line report. */
export interface TaskCall {
  output: unknown;
  report: TaskReport;
}

/** Runs `entries` (task classes) as one run. */
export async function runTasks(entries: ReadonlyArray<TaskClass>, settings: RunSettings = {}): Promise<RunReport> {
  const context = newContext(activeContext());
  if (!activeContext()) setLatestContext(context);
  const planned = preflight(entries, context, settings.overlay);
  if (settings.signal) context.stopSignal = settings.signal;
  settings.onStart?.(context, planned);
  return execute(planned, context, settings.observer ?? ownProgress());
}

/**
 * Runs tasks in order: with no arguments the registered ones, else exactly those given.
 * Resolves to the run report; rejects with BigraysError when any task failed (after the
 * others ran or were skipped), or before anything runs when configuration or a task's
 * attributes are missing.
 */
export async function bigraysRun(...tasks: TaskClass[]): Promise<RunReport> {
  // A run inside a task (a nested run) shares the outer run's resources and stops with its task.
  if (activeContext()) return runTasks(tasks.length > 0 ? tasks : registeredTasks());
  try {
    // Started by `bigrays run`: the command's options apply and the report goes to it.
    const host = jobHost();
    return await (host ? host.run(tasks) : runTasks(tasks.length > 0 ? tasks : registeredTasks()));
  } catch (error) {
    // Stopped by a signal: once the report is out, the signal ends the process.
    await settleInterrupted(error);
    throw error;
  }
}

/** Runs one task instance in a run of its own; its output and report. */
export async function callTask(task: BaseTask<unknown>, overlay?: TaskOverlay, observer?: RunObserver): Promise<TaskCall> {
  // Inside a task: a nested run that may share the task's resource. Outside: a run of its own
  // that reads the last run's outputs but never touches a resource a run has open.
  const active = activeContext();
  const context = active ? newContext(active) : newContext(undefined, currentContext());
  const planned = preflight([task], context, overlay);
  try {
    const report = await execute(planned, context, observer ?? (active ? undefined : ownProgress()));
    return { output: context.outputs.get(planned[0].cls), report: report.tasks[0] };
  } catch (error) {
    // The task's own error, not a run summary; the report and the signal ride along for runners.
    const run = error as BigraysError;
    const first = run.errors?.[0] ?? error;
    if (first instanceof BigraysError && run.report) first.report ??= run.report;
    if (first instanceof BigraysError && run.signal) first.signal ??= run.signal;
    throw first;
  }
}

/** Runs one task instance right away, in a run of its own; resolves to its output. */
export async function runTaskInstance<O>(task: BaseTask<O>): Promise<O> {
  const instance = task as BaseTask<unknown>;
  const host = activeContext() ? undefined : jobHost();
  try {
    return (await (host ? host.call(instance) : callTask(instance))).output as O;
  } catch (error) {
    if (!activeContext()) await settleInterrupted(error);
    throw error;
  }
}
