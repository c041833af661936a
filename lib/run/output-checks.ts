/**
 * Pre-flight's check of the outputs tasks read: each `X.output` a task holds (in a field, or
 * through a global keyword) must come from a task that runs before it, in this run or one it
 * reads from. A task that is not part of the run is explained: to be registered, left out by
 * the tasks given to `bigraysRun(...)`, or left out by the run's driver (which says how).
 */
import { TaskError } from '../errors';
import { attributeName } from '../messages';
import { findRefs, type OutputRef, type RunContext } from '../output';
import { registeredTasks } from '../registry';
import type { TaskClass } from '../task';
import { own, type PlannedTask } from './planned-task';
import { globalKeywordsUsed } from './template-checks';

/**
 * Why `producer` is not part of a run that `reader` is in, and the fix: a task that is not
 * registered is to be registered; a registered one was left out by the run's driver (it
 * explains) or by the tasks given to `bigraysRun(...)`.
 */
function leftOut(producer: TaskClass, reader: TaskClass, context: RunContext): string {
  const registry = registeredTasks(context.runtime);
  if (!registry.includes(producer)) return `: register ${producer.name} before ${reader.name}`;
  const driven = context.runtime.driver?.leftOut?.(producer, reader, registry);
  if (driven !== undefined) return driven;
  return ` (it is registered, but not among the tasks given to bigraysRun(...)): pass ${producer.name} before ${reader.name}, or call bigraysRun() with no arguments to run every registered task`;
}

export function checkOutputs(planned: readonly PlannedTask[], context: RunContext): void {
  const lines: string[] = [];
  let first: string | undefined;
  planned.forEach(({ cls, task }, index) => {
    const earlier = new Set(planned.slice(0, index).map((p) => p.cls));
    for (const [field, value] of [...Object.entries(own(task)), ...globalKeywordsUsed(task, context.runtime)]) {
      findRefs(value, (ref: OutputRef) => {
        if (earlier.has(ref.task as TaskClass)) return;
        for (let c = context.parent ?? context.readsFrom; c; c = c.parent ?? c.readsFrom) if (c.outputs.has(ref.task)) return;
        const later = planned.slice(index + 1).some((p) => p.cls === ref.task);
        const why = later
          ? `${ref.task.name} runs after ${cls.name}: register ${ref.task.name} before ${cls.name}`
          : `${ref.task.name} is not part of this run${leftOut(ref.task as TaskClass, cls, context)}`;
        lines.push(`${attributeName(cls, field)} uses ${attributeName(ref.task, 'output')}, but ${why}`);
        first ??= cls.name;
      });
    }
  });
  if (lines.length > 0) throw new TaskError(`Task outputs used before they exist:\n  ${lines.join('\n  ')}`, { taskName: first });
}
