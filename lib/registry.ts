/**
 * The default registry: the task classes `bigraysRun()` runs, in registration order.
 */
import { TaskInterfaceError } from './errors';
import { shown } from './messages';
import { currentRuntime, type Runtime } from './runtime';
import { isTaskClass, type TaskClass } from './task';

/**
 * Adds a task class to the default registry. Use it as a call, `register(MyTask)`, or as a
 * class decorator, `@register class MyTask extends Task {…}` (standard and legacy
 * `experimentalDecorators` both). Returns the class.
 */
export function register<C extends TaskClass>(cls: C, context?: ClassDecoratorContext): C {
  if (context !== undefined && (typeof context !== 'object' || context === null || context.kind !== 'class')) {
    throw new TaskInterfaceError('@register decorates task classes only, not their members');
  }
  if (!isTaskClass(cls)) {
    throw new TaskInterfaceError(
      `register() takes a task class (a subclass of Task, SQLQuery, ToS3, …), got ${shown(cls, { as: 'kind' })}`,
    );
  }
  const registry = currentRuntime().registry;
  if (registry.includes(cls)) {
    throw new TaskInterfaceError(`${cls.name} is registered already: register each task class once`, {
      taskName: cls.name,
    });
  }
  registry.push(cls);
  return cls;
}

/** Empties the default registry. */
export function clearRegistry(): void {
  currentRuntime().registry.length = 0;
}

/** The registered task classes of `runtime`, in registration order. */
export function registeredTasks(runtime: Runtime = currentRuntime()): TaskClass[] {
  // register() lets in task classes only.
  return [...runtime.registry] as TaskClass[];
}
