/**
 * The runner: checks everything it can before any task runs, then runs the tasks in order,
 * sharing one open resource between consecutive tasks that need it.
 */
import { effectiveConfig, envName } from './config';
import { BigraysError, ConfigurationError, TaskError, TaskInterfaceError } from './errors';
import { FormatError, keywordsFor, templateKeywords } from './format';
import { RunInterrupt } from './interrupt';
import { jobHost } from './job/host';
import { logger } from './log';
import {
  activeContext,
  currentContext,
  findRefs,
  newContext,
  resolveRefs,
  runInContext,
  setLatestContext,
  type OutputRef,
  type RunContext,
} from './output';
import { registeredTasks } from './registry';
import type { RunReport, TaskReport } from './report';
import { Resource, ResourceManager } from './resources/resource';
import { rememberSecrets, scrub, scrubError } from './secrets';
import { BaseTask, isTaskClass, requiredAttributesOf, setTaskSignal, taskMetrics, TEMPLATED_ATTRIBUTES, type TaskClass } from './task';

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
  /** Stops the run on SIGINT/SIGTERM (a top-level run gets one). */
  interrupt?: RunInterrupt;
  /** Called once the tasks are planned, with the run's context (a runner follows the run through it). */
  onStart?(context: RunContext, planned: PlannedTask[]): void;
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

function checkOutputs(planned: PlannedTask[], context: RunContext): void {
  const lines: string[] = [];
  let first: string | undefined;
  planned.forEach(({ cls, task }, index) => {
    const earlier = new Set(planned.slice(0, index).map((p) => p.cls));
    for (const [field, value] of Object.entries(own(task))) {
      findRefs(value, (ref: OutputRef) => {
        if (earlier.has(ref.task as TaskClass)) return;
        for (let c = context.parent ?? context.readsFrom; c; c = c.parent ?? c.readsFrom) if (c.outputs.has(ref.task)) return;
        const later = planned.slice(index + 1).some((p) => p.cls === ref.task);
        const where = later
          ? `${ref.task.name} runs after ${cls.name}`
          : `${ref.task.name} is not part of this run`;
        lines.push(`${cls.name}.${field} uses ${ref.task.name}.output, but ${where}: register ${ref.task.name} before ${cls.name}`);
        first ??= cls.name;
      });
    }
  });
  if (lines.length > 0) throw new TaskError(`Task outputs used before they exist:\n  ${lines.join('\n  ')}`, { taskName: first });
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
        for (const name of templateKeywords(template)) {
          if (!(name in known)) {
            lines.push(
              /^[A-Za-z_$][\w$]*$/.test(name)
                ? `${cls.name}.${attr} uses the keyword \`${name}\`, which is not set: updateFormatKws({ ${name}: … }) or set it in ${cls.name}.formatKws`
                : `${cls.name}.${attr} reads \`{${name}}\` as a keyword; for literal braces (JSON, arrays) write {{ and }}`,
            );
            first ??= cls.name;
          }
        }
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        lines.push(`${cls.name}.${attr}: ${error.message}`);
        first ??= cls.name;
      }
    }
  }
  if (lines.length > 0) throw new TaskError(`Format keywords are missing or malformed:\n  ${lines.join('\n  ')}`, { taskName: first });
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
    if (typeof template === 'string') fields[attr] = task.format(template);
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

/** Runs planned tasks in order within `context`; resolves to the report, or rejects with BigraysError. */
export async function execute(planned: PlannedTask[], context: RunContext): Promise<RunReport> {
  for (const { cls } of planned) context.states.set(cls, 'pending');
  const manager = new ResourceManager(context, context.parent?.manager as ResourceManager | undefined);
  context.manager = manager;
  const report: RunReport = { tasks: [] };
  context.report = report;
  const errors: unknown[] = [];
  const failed: string[] = [];
  const runStarted = Date.now();
  try {
    for (const { cls, task } of planned) {
      const name = cls.name;
      if (failed.length > 0 && !task.runWithExceptions) {
        log('skipping %s: an earlier task failed', name);
        context.states.set(cls, 'skipped');
        releaseInputs(task);
        report.tasks.push({ name, status: 'skipped', durationMs: 0 });
        continue;
      }
      const config = effectiveConfig(task.resourceConfig);
      const entry: TaskReport = { name, status: 'ok', durationMs: 0 };
      const started = performance.now();
      context.states.set(cls, 'running');
      log('running %s', name);
      try {
        await runInContext(context, async () => {
          context.current = cls;
          try {
            prepare(cls, task, context);
            await manager.acquire(task.requiredResource, config, name);
            const output = await task.run();
            context.outputs.set(cls, output);
          } finally {
            context.current = undefined;
          }
        });
        context.states.set(cls, 'ok');
      } catch (raw) {
        const error = asTaskError(scrubError(raw, config), name);
        releaseInputs(task);
        manager.noteFailure(error);
        context.states.set(cls, 'failed');
        entry.status = 'failed';
        entry.error = scrub(error.message, config);
        errors.push(error);
        failed.push(name);
      }
      entry.durationMs = Math.round(performance.now() - started);
      const { rows, bytes } = taskMetrics(task);
      if (rows !== undefined) entry.rows = rows;
      if (bytes !== undefined) entry.bytes = bytes;
      report.tasks.push(entry);
      log('%s %s in %dms', name, entry.status === 'ok' ? 'finished' : `failed (${entry.error})`, entry.durationMs);
    }
  } finally {
    await manager.release();
  }
  errors.push(...manager.closeErrors);
  log('run finished in %dms: %d ok, %d failed, %d skipped', Date.now() - runStarted,
    report.tasks.filter((t) => t.status === 'ok').length, failed.length,
    report.tasks.filter((t) => t.status === 'skipped').length);
  if (errors.length === 0) return report;

  const details = errors.map((e) => {
    const err = e as BigraysError;
    const message = scrub(err.message);
    const label = err.taskName ?? 'after the run';
    return message.startsWith(label) ? `  ${message}` : `  ${label}: ${message}`;
  });
  const head = failed.length > 0
    ? `bigrays run failed: ${failed.length === 1 ? 'task' : 'tasks'} ${failed.join(', ')} failed`
    : 'bigrays run failed: a resource could not be closed';
  const error = new BigraysError(`${head}\n${details.join('\n')}`, { cause: errors[0] });
  error.errors = errors;
  error.report = report;
  throw error;
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
  settings.onStart?.(context, planned);
  const { interrupt } = settings;
  if (!interrupt) return execute(planned, context);
  for (const { task } of planned) setTaskSignal(task, interrupt.signal);
  interrupt.start();
  try {
    return await execute(planned, context);
  } finally {
    interrupt.stop();
  }
}

/**
 * Runs tasks in order: with no arguments the registered ones, else exactly those given.
 * Resolves to the run report; rejects with BigraysError when any task failed (after the
 * others ran or were skipped), or before anything runs when configuration or a task's
 * attributes are missing.
 */
export async function bigraysRun(...tasks: TaskClass[]): Promise<RunReport> {
  // A run inside a task (a nested run) shares the outer run's resources and its interrupt.
  if (activeContext()) return runTasks(tasks.length > 0 ? tasks : registeredTasks());
  const interrupt = new RunInterrupt();
  try {
    // Started by `bigrays run`: the command's options apply and the report goes to it.
    const host = jobHost();
    return await (host ? host.run(tasks, interrupt) : runTasks(tasks.length > 0 ? tasks : registeredTasks(), { interrupt }));
  } finally {
    interrupt.reraise();
  }
}

/** Runs one task instance in a run of its own; its output and report. */
export async function callTask(task: BaseTask<unknown>, overlay?: TaskOverlay): Promise<TaskCall> {
  // Inside a task: a nested run that may share the task's resource. Outside: a run of its own
  // that reads the last run's outputs but never touches a resource a run has open.
  const active = activeContext();
  const context = active ? newContext(active) : newContext(undefined, currentContext());
  const planned = preflight([task], context, overlay);
  try {
    const report = await execute(planned, context);
    return { output: context.outputs.get(planned[0].cls), report: report.tasks[0] };
  } catch (error) {
    // The task's own error, not a run summary; the report rides along for runners.
    const first = (error as BigraysError).errors?.[0] ?? error;
    if (first instanceof BigraysError && (error as BigraysError).report) first.report ??= (error as BigraysError).report;
    throw first;
  }
}

/** Runs one task instance right away, in a run of its own; resolves to its output. */
export async function runTaskInstance<O>(task: BaseTask<O>): Promise<O> {
  const instance = task as BaseTask<unknown>;
  const host = activeContext() ? undefined : jobHost();
  const call = host ? host.call(instance) : callTask(instance);
  return (await call).output as O;
}
