/**
 * Reading a task's attributes inside `run()` with a clear error for a wrong value.
 */
import { NotTabularError, payloadOf, type Payload, type PayloadOptions } from '../data/payload';
import { TaskError, TaskInterfaceError } from '../errors';
import type { BaseTask } from '../task';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Attribute `name` of `task`, which must be a non-empty string. */
export function textAttribute(task: BaseTask<unknown>, name: string): string {
  const value = (task as unknown as Record<string, unknown>)[name];
  if (typeof value === 'string' && value.length > 0) return value;
  throw new TaskInterfaceError(`${task.taskName}.${name} must be a non-empty string, got ${describe(value)}`, {
    taskName: task.taskName,
    attributes: { [task.taskName]: [name] },
  });
}

/** Attribute `name` of `task`: undefined, or a string. */
export function optionalTextAttribute(task: BaseTask<unknown>, name: string): string | undefined {
  const value = (task as unknown as Record<string, unknown>)[name];
  if (value === undefined || value === null || value === '') return undefined;
  return textAttribute(task, name);
}

/** The bytes to write for the task's `input` (see `payloadOf`); an input of the wrong kind is a TaskError. */
export async function inputPayload(task: BaseTask<unknown>, options?: PayloadOptions, input?: unknown): Promise<Payload> {
  try {
    return await payloadOf(input ?? (task as unknown as { input?: unknown }).input, options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof NotTabularError) {
      throw new TaskInterfaceError(`${task.taskName}.input: ${reason}; set ${task.taskName}.format = 'csv' or give it rows`, {
        cause: error,
        taskName: task.taskName,
        attributes: { [task.taskName]: ['input', 'format'] },
      });
    }
    throw new TaskError(`${task.taskName}.input: ${reason}`, { cause: error, taskName: task.taskName });
  }
}

/** Throws a TaskInterfaceError naming task and attributes for what `attributeProblems()` finds (the pre-flight check, again at run time). */
export function checkAttributes(task: BaseTask<unknown>): void {
  const problems = task.attributeProblems();
  if (problems.length === 0) return;
  throw new TaskInterfaceError(`${task.taskName}: ${problems.join('; ')}`, {
    taskName: task.taskName,
    attributes: { [task.taskName]: problems.map((p) => p.split(' ')[0]) },
  });
}
