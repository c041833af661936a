/**
 * A dry run: everything the pre-flight checks do, then each task with its rendered
 * attributes and the resource open/close plan — opening nothing, changing nothing.
 */
import type { ConfigValues } from '../config';
import { FormatError, keywordsFor } from '../format';
import { attributeName } from '../messages';
import { findRefs, OutputRef, runInContext } from '../output';
import { canReuse, type Resource } from '../resources/resource';
import { preflightFetching, type PlannedTask, type TaskOverlay } from './preflight';
import type { PlannedStep, RunPlan } from '../run-plan';
import { currentRuntime, type Runtime } from '../runtime';
import { scrubIn } from '../secrets';
import { TEMPLATED_ATTRIBUTES, type BaseTask, type TaskClass } from '../task';

export type { PlannedStep, RunPlan };

function render(task: BaseTask<unknown>, attr: string, template: string, kws: Record<string, unknown>): string {
  try {
    return task.renderAttribute(attr, template, kws);
  } catch (error) {
    // A keyword declared but set only while the job runs: show the template as it is.
    if ((error as { cause?: unknown })?.cause instanceof FormatError) return `${template}  (filled at run time)`;
    throw error;
  }
}

/** Checks `tasks` like a run would (its config references fetched, its identity taken), and describes what the run would do. */
export async function planRun(tasks: ReadonlyArray<TaskClass>, overlay?: TaskOverlay, runtime: Runtime = currentRuntime()): Promise<RunPlan> {
  const context = runtime.newContext();
  const planned = await preflightFetching(tasks, context, overlay, { identify: true });
  // The plan shows `{job}` and `{runId}` as the run would fill them; `{failedTask}` and `{error}` are filled only at run time.
  context.runKeywords = { job: context.identity!.job, runId: context.identity!.runId };
  return runInContext(context, () => steps(planned, runtime));
}

/** What the run would do, task by task, and what it closes at the end. */
function steps(planned: readonly PlannedTask[], runtime: Runtime): RunPlan {
  const steps: PlannedStep[] = [];
  let open: { resource: Resource<unknown>; config: ConfigValues } | undefined;
  for (const { cls, task, config } of planned) {
    const fields = task as unknown as Record<string, unknown>;
    const kws = keywordsFor(task.formatKws, runtime);
    for (const [key, value] of Object.entries(kws)) if (value instanceof OutputRef) kws[key] = `<${value.task.name}.output>`;
    const attributes: Record<string, string> = {};
    for (const attr of TEMPLATED_ATTRIBUTES) {
      if (typeof fields[attr] === 'string') attributes[attr] = scrubIn(runtime, render(task, attr, fields[attr] as string, kws), task.resourceConfig);
    }
    if (fields.params !== undefined && !(fields.params instanceof OutputRef)) {
      const params = JSON.stringify(fields.params, (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v instanceof OutputRef ? `<${v.task.name}.output>` : v,
      );
      attributes.params = scrubIn(runtime, params, task.resourceConfig);
    }
    for (const [name, text] of Object.entries(task.planAttributes())) attributes[name] = scrubIn(runtime, text, task.resourceConfig);
    const inputs = new Set<string>();
    for (const value of Object.values(fields)) findRefs(value, (ref) => inputs.add(attributeName(ref.task, 'output')));
    const resources: string[] = [];
    const resource = task.requiredResource;
    if (resource) {
      if (open && canReuse(open, resource, config)) resources.push(`reuse ${resource.describe(config)}`);
      else {
        if (open) resources.push(`close ${open.resource.describe(open.config)}`);
        resources.push(`open ${resource.describe(config)}`);
        open = { resource, config };
      }
    }
    steps.push({ name: cls.name, attributes, inputs: [...inputs], resources, runWithExceptions: task.runWithExceptions });
  }
  return { steps, finally: open ? [`close ${open.resource.describe(open.config)}`] : [] };
}
