/**
 * Pre-flight: everything that can be checked before any task runs or any resource opens. Each
 * task is created (so that `X.output` initializers become references), given its part in the
 * run and its configuration, resolved once here; then its attributes, the outputs it reads,
 * its templates' keywords and its resource's configuration are checked.
 */
import { randomUUID } from 'node:crypto';
import { configAsWritten, effectiveConfig, envName } from '../config';
import { fetchReferences } from '../config-references/fetch-references';
import { isReference } from '../config-references/reference';
import { BigraysError, ConfigurationError, TaskInterfaceError } from '../errors';
import { runInContext, type RunContext } from '../output';
import { Resource } from '../resources/resource';
import { shown } from '../messages';
import { rememberSecrets, scrubIn } from '../secrets';
import { newIdentity, type RunIdentity } from '../run-identity';
import type { Runtime } from '../runtime';
import { checkStateUrl, runStateConfig } from '../state/open-store';
import { BaseTask, isTaskClass, joinRun, requiredAttributesOf, type TaskClass } from '../task';
import { setRunKeywords } from './failure-keywords';
import { fieldProblems } from './field-checks';
import { checkOutputs } from './output-checks';
import { own, type PlannedTask, type TaskOverlay } from './planned-task';
import { checkKeywords, type UnsetKeywordFix } from './template-checks';

export type { PlannedTask, TaskOverlay };

/** A task just created, before its configuration is resolved. */
type Created = Omit<PlannedTask, 'config'>;

/** Creates each task's instance inside `context`, so `X.output` initializers become references. */
function instantiate(entries: ReadonlyArray<TaskClass | BaseTask<unknown>>, context: RunContext): Created[] {
  const bad = entries.filter((entry) => !(entry instanceof BaseTask) && !isTaskClass(entry));
  if (bad.length > 0) {
    throw new TaskInterfaceError(
      `bigraysRun() takes task classes (subclasses of Task, SQLQuery, ToS3, …), got ${bad.map((entry) => shown(entry, { as: 'kind' })).join(', ')}`,
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

function instantiateAll(entries: ReadonlyArray<TaskClass | BaseTask<unknown>>, context: RunContext): Created[] {
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

function checkInterfaces(planned: readonly PlannedTask[]): void {
  const problems: Record<string, string[]> = {};
  const lines: string[] = [];
  for (const { cls, task } of planned) {
    const fields = own(task);
    const missing = requiredAttributesOf(cls).filter((name) => fields[name] === undefined || fields[name] === null);
    const wrong: string[] = [];
    if (typeof fields.run !== 'function') missing.push('run()');
    if (fields.requiredResource !== undefined && !(fields.requiredResource instanceof Resource)) {
      wrong.push(`requiredResource must be a Resource instance, got ${shown(fields.requiredResource, { as: 'kind' })}`);
    }
    for (const name of ['resourceConfig', 'formatKws'] as const) {
      const value = fields[name];
      if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        wrong.push(`${name} must be an object, got ${shown(value, { as: 'kind' })}`);
      }
    }
    if (typeof task.attributeProblems === 'function') wrong.push(...task.attributeProblems());
    wrong.push(...fieldProblems(cls, task));
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

function checkConfigs(planned: readonly PlannedTask[], context: RunContext): void {
  const neededBy = new Map<string, string[]>();
  const invalid = new Map<string, ConfigurationError>();
  for (const { cls, task, config } of planned) {
    rememberSecrets(task.resourceConfig, context.runtime);
    const resource = task.requiredResource;
    if (!resource) continue;
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
      const text = scrubIn(context.runtime, error.message, config);
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
  return checkCreated(create(entries, context, overlay), context);
}

/**
 * `preflight`, with the config references (`ssm:…`, `secretsmanager:…`) of the job's
 * configuration and of the tasks' `resourceConfig` fetched between the checks that need no
 * configuration (attributes, outputs, keywords: a wrong attribute is told without a call to
 * AWS) and those of the resources' configuration. `identify`: a top-level run's; its identity
 * is taken once the references are fetched (JOB_NAME and STATE_URL may be references).
 */
export async function preflightFetching(
  entries: ReadonlyArray<TaskClass | BaseTask<unknown>>, context: RunContext, overlay?: TaskOverlay,
  options: { identify?: boolean; unsetKeyword?: UnsetKeywordFix } = {},
): Promise<PlannedTask[]> {
  const created = create(entries, context, overlay);
  if (options.identify) context.identity = checkingIdentity(context.runtime);
  checkTasks(joined(created, context), context, options.unsetKeyword);
  const tasks = created.map(({ cls, task }) => ({ name: cls.name, resourceConfig: task.resourceConfig }));
  await fetchReferences(context.runtime, tasks, { nested: context.parent !== undefined });
  if (options.identify) context.identity = identify(context.runtime);
  const planned = joined(created, context);
  setRunKeywords(context, true);
  checkConfigs(planned, context);
  return planned;
}

/**
 * The identity the tasks are checked with before the references are fetched: the job's name
 * as the run will have it (an invalid JOB_NAME is refused now), `job` while it is a reference.
 */
function checkingIdentity(runtime: Runtime): RunIdentity {
  return isReference(configAsWritten(undefined, runtime).JOB_NAME) ? { runId: randomUUID(), job: 'job' } : newIdentity(runtime);
}

/**
 * A new top-level run's identity; a `STATE_URL` no store can use is refused here, before any
 * task runs (checked without I/O: the store is opened only when a task asks for the state).
 */
function identify(runtime: Runtime): RunIdentity {
  const identity = newIdentity(runtime);
  checkStateUrl(runStateConfig(runtime));
  return identity;
}

function create(entries: ReadonlyArray<TaskClass | BaseTask<unknown>>, context: RunContext, overlay?: TaskOverlay): Created[] {
  const created = instantiate(entries, context);
  if (overlay) for (const { cls, task } of created) overlay(task, cls.name);
  return created;
}

function checkCreated(created: Created[], context: RunContext): PlannedTask[] {
  const planned = joined(created, context);
  checkTasks(planned, context);
  checkConfigs(planned, context);
  return planned;
}

/** Each task given its part in the run, with its configuration as it stands now. */
function joined(created: Created[], context: RunContext): PlannedTask[] {
  return created.map(({ cls, task }) => {
    const config = effectiveConfig(task.resourceConfig, context.runtime);
    joinRun(task, { runtime: context.runtime, config, metrics: {} });
    return { cls, task, config };
  });
}

/** The checks that need no configuration: attributes, outputs used before they exist, keywords. */
function checkTasks(planned: readonly PlannedTask[], context: RunContext, unsetKeyword?: UnsetKeywordFix): void {
  // Attributes and templates are checked with the run's own keywords ({job}, {runId}, …); a run nested in a task, with its task's run's.
  setRunKeywords(context, true);
  const check = (): void => {
    checkInterfaces(planned);
    checkOutputs(planned, context);
    checkKeywords(planned, context.runtime, unsetKeyword);
  };
  if (context.parent) check();
  else runInContext(context, check);
}
