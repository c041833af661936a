/**
 * Task outputs. Each run has a context holding the outputs of the tasks that ran in it;
 * `X.output` and `outputOf(X)` read from it. Before `X` has run, `X.output` is an
 * `OutputRef`, a lazy reference the runner resolves when the task holding it runs.
 */
import { inspect } from 'node:util';
import { TaskError } from './errors';
import { activeRuns, currentRuntime, defaultRuntime, type AnyTaskClass, type RunContext, type Runtime, type TaskState } from './runtime';

export type { AnyTaskClass, RunContext, TaskState };

/**
 * The context of the run in progress here (of `runtime`'s runs, when one is named), else of
 * the last top-level run of `runtime` (the default one unless named).
 */
export function currentContext(runtime?: Runtime): RunContext | undefined {
  return activeContext(runtime) ?? (runtime ?? defaultRuntime).latest;
}

/** The run in progress in this async flow, if any (only one of `runtime`'s, when one is named). */
export function activeContext(runtime?: Runtime): RunContext | undefined {
  const context = activeRuns.getStore();
  return runtime === undefined || context?.runtime === runtime ? context : undefined;
}

/** Runs `fn` as part of the run `context` (what `activeContext()` finds inside it). */
export function runInContext<T>(context: RunContext, fn: () => T): T {
  return activeRuns.run(context, fn);
}

function lookup(context: RunContext | undefined, task: AnyTaskClass): { found: boolean; value?: unknown; state?: TaskState } {
  let state: TaskState | undefined;
  for (let c = context; c; c = c.parent ?? c.readsFrom) {
    if (c.outputs.has(task)) return { found: true, value: c.outputs.get(task) };
    state ??= c.states.get(task);
  }
  return { found: false, state };
}

/** A reference to the output of a task that has not run yet. */
export class OutputRef {
  constructor(readonly task: AnyTaskClass) {}

  /** Reading the reference as text is a mistake: the output does not exist yet. */
  toString(): string {
    throw this.notReady();
  }

  toJSON(): never {
    throw this.notReady();
  }

  /** Why there is no output to read here: a TaskError naming the task that reads it and the task that makes it. */
  notReady(): TaskError {
    const context = currentContext();
    return notRun(this.task, context?.current, lookup(context, this.task).state);
  }

  [inspect.custom](): string {
    return `OutputRef(${this.task.name}.output)`;
  }
}

function notRun(task: AnyTaskClass, reader: AnyTaskClass | undefined, state?: TaskState): TaskError {
  const readerText = reader ? `${reader.name} uses ${task.name}.output` : `${task.name}.output was used`;
  let why: string;
  switch (state) {
    case 'failed':
      why = `${task.name} failed`;
      break;
    case 'skipped':
      why = `${task.name} was skipped after an earlier failure`;
      break;
    case 'pending':
    case 'running':
      why = `${task.name} has not finished running yet`;
      break;
    default:
      why = `${task.name} has not run`;
  }
  let fix: string;
  if (!reader) fix = ` Run ${task.name} first.`;
  else if (state === 'pending') {
    fix = ` In a field initializer use ${task.name}.output, which resolves when ${reader.name} runs; call outputOf(${task.name}) inside run().`;
  } else fix = ` Register ${task.name} before ${reader.name}, or run both in one bigraysRun().`;
  return new TaskError(`${readerText}, but ${why}, so there is no output to use.${state === 'failed' || state === 'skipped' ? '' : fix}`, {
    taskName: reader?.name ?? task.name,
  });
}

/**
 * `X.output`: the value if `X` ran; else, while tasks are being created (field initializers)
 * or outside any run, a lazy reference; inside a running task, a TaskError naming both tasks.
 */
export function outputOrRef(task: AnyTaskClass): unknown {
  const context = currentContext();
  const found = lookup(context, task);
  if (found.found) return found.value;
  const active = activeContext();
  if (active && !active.instantiating && active.current) throw notRun(task, active.current, found.state);
  return new OutputRef(task);
}

/** The handle `resource` has in the run in progress here (or a run it is nested in). */
export function handleOf(resource: object): { open: boolean; handle?: unknown } {
  for (let c = activeContext(); c; c = c.parent) {
    if (c.handles.has(resource)) return { open: true, handle: c.handles.get(resource) };
  }
  return { open: false };
}

/** The output of task `X`, typed from its `run()`. Throws TaskError if `X` has not run. */
export function outputOf<C extends AnyTaskClass>(task: C): Awaited<ReturnType<InstanceType<C>['run']>> {
  const context = currentContext();
  const found = lookup(context, task);
  if (!found.found) throw notRun(task, context?.current, found.state);
  return found.value as Awaited<ReturnType<InstanceType<C>['run']>>;
}

/** Resolves a reference for `reader`, or throws TaskError naming both tasks. */
export function resolveRef(ref: OutputRef, reader: AnyTaskClass, context: RunContext): unknown {
  const found = lookup(context, ref.task);
  if (!found.found) throw notRun(ref.task, reader, found.state);
  return found.value;
}

/**
 * Format keywords with each OutputRef whose task has run resolved for the task that is being
 * prepared or runs now, as a task's own fields are: `updateFormatKws({ since: MaxId.output })`
 * gives `{since}` MaxId's output in a task after it. A reference to a task that has not run
 * stays, and filling a template with it is a TaskError naming both tasks; tasks that do not
 * use it are not concerned. Outside a running task (pre-flight, a dry run) all references stay.
 */
export function resolveKeywordRefs(kws: Record<string, unknown>, runtime: Runtime = currentRuntime()): Record<string, unknown> {
  const active = activeContext(runtime);
  if (!active || active.instantiating || !active.current) return kws;
  const reader = active.current;
  for (const [name, value] of Object.entries(kws)) {
    let held = false;
    findRefs(value, () => (held = true));
    if (!held) continue;
    try {
      kws[name] = resolveRefs(value, reader, active);
    } catch {
      /* not run yet: the reference stays, and says so where a template uses it */
    }
  }
  return kws;
}

const MAX_DEPTH = 3;
const MAX_SCAN = 1000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Calls `visit` for every OutputRef in `value` (itself, or inside plain objects and arrays). */
export function findRefs(value: unknown, visit: (ref: OutputRef) => void, depth = 0): void {
  if (value instanceof OutputRef) visit(value);
  else if (depth >= MAX_DEPTH) return;
  else if (Array.isArray(value)) {
    if (value.length <= MAX_SCAN) for (const item of value) findRefs(item, visit, depth + 1);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) findRefs(item, visit, depth + 1);
  }
}

/** `value` with every OutputRef replaced by its output (copies containers that held one). */
export function resolveRefs(value: unknown, reader: AnyTaskClass, context: RunContext): unknown {
  return replaceRefs(value, (ref) => resolveRef(ref, reader, context));
}

/**
 * What pre-flight fills a template with where a task output will go (the output is known only
 * when the task that reads it runs): it renders as `0`, whatever the field reaches into, so
 * the rest of the template is checked now.
 */
export const PENDING_OUTPUT: unique symbol = Symbol('pending task output');

/** `value` with every OutputRef replaced by `PENDING_OUTPUT`. */
export function pendingRefs(value: unknown): unknown {
  return replaceRefs(value, () => PENDING_OUTPUT);
}

/** `value` with every OutputRef replaced by `replace(ref)` (copies containers that held one). */
function replaceRefs(value: unknown, replace: (ref: OutputRef) => unknown, depth = 0): unknown {
  if (value instanceof OutputRef) return replace(value);
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    if (value.length > MAX_SCAN) return value;
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const replaced = replaceRefs(item, replace, depth + 1);
      if (replaced !== item) (copy ??= [...value])[i] = replaced;
    });
    return copy ?? value;
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const replaced = replaceRefs(item, replace, depth + 1);
      if (replaced !== item) (copy ??= { ...value })[key] = replaced;
    }
    return copy ?? value;
  }
  return value;
}
