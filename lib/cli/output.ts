/** What the `bigrays` command prints: the summary table, the plan, errors. */
import type { RunPlan } from '../run/plan';
export { summary } from '../summary';

/** Lines of a long attribute (a SQL batch) the plan shows. */
const MAX_LINES = 12;

/** The dry-run plan: each task, its rendered attributes and resource actions. */
export function planText(plan: RunPlan): string {
  const lines: string[] = ['Dry run: nothing is opened, nothing is changed.', ''];
  plan.steps.forEach((step, i) => {
    for (const action of step.resources) lines.push(`  · ${action}`);
    lines.push(`${i + 1}. ${step.name}${step.runWithExceptions ? '  (runs even after a failure)' : ''}`);
    for (const [name, value] of Object.entries(step.attributes)) {
      const [first, ...more] = value.split('\n');
      lines.push(`     ${name}: ${first}`);
      const shown = more.length > MAX_LINES ? more.slice(0, MAX_LINES - 1) : more;
      for (const line of shown) lines.push(`     ${' '.repeat(name.length)}  ${line}`);
      if (shown.length < more.length) lines.push(`     ${' '.repeat(name.length)}  … ${more.length - shown.length} more lines`);
    }
    if (step.inputs.length > 0) lines.push(`     input: ${step.inputs.join(', ')}`);
  });
  for (const action of plan.finally) lines.push(`  · ${action}`);
  lines.push('', `${plan.steps.length} ${plan.steps.length === 1 ? 'task' : 'tasks'} would run.`);
  return lines.join('\n');
}

/** JSON text that keeps bigints as digits. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
