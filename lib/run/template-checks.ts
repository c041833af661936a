/**
 * Pre-flight's check of the templated attributes: every keyword a template uses is set (or
 * filled by the task itself as it runs), the template is well formed, and SQL text takes its
 * keywords safely. A keyword that holds a task's output is checked with a placeholder here,
 * and with its value when the task runs.
 */
import { TaskError } from '../errors';
import { FormatError, keywordsFor, noteKeywordsUsed, templateKeywords } from '../format';
import { attributeMessage, attributeName, keywordName } from '../messages';
import { pendingRefs } from '../output';
import type { Runtime } from '../runtime';
import { TEMPLATED_ATTRIBUTES, type BaseTask } from '../task';
import { own, type PlannedTask } from './planned-task';

/**
 * The global keywords the task's templates use (its own `formatKws` aside, which are its fields),
 * as `[where, value]`: one may hold a task's output (`updateFormatKws({ since: MaxId.output })`).
 */
export function globalKeywordsUsed(task: BaseTask<unknown>, runtime: Runtime): Array<[string, unknown]> {
  const fields = own(task);
  const known = keywordsFor(task.formatKws, runtime);
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

/**
 * How a keyword no task has is told to be set (`name`, read by `task`): in the job's code, unless
 * the run gets its keywords from elsewhere (the Lambda handler: the invocation's event).
 */
export type UnsetKeywordFix = (name: string, task: string) => string;

/** The fix of an unset keyword in a job's own code. */
const inCode: UnsetKeywordFix = (name, task) => `updateFormatKws({ ${name}: … }) or set it in ${attributeName(task, 'formatKws')}`;

export function checkKeywords(planned: readonly PlannedTask[], runtime: Runtime, unsetFix: UnsetKeywordFix = inCode): void {
  const lines: string[] = [];
  let first: string | undefined;
  for (const { cls, task } of planned) {
    const known = keywordsFor(task.formatKws, runtime);
    const fields = own(task);
    for (const attr of TEMPLATED_ATTRIBUTES) {
      const template = fields[attr];
      if (typeof template !== 'string') continue;
      try {
        const late = task.lateKeywords(attr);
        const used = templateKeywords(template);
        noteKeywordsUsed(used, task.formatKws, runtime);
        let unset = false;
        for (const name of used) {
          if (!(name in known) && !late.includes(name)) {
            unset = true;
            lines.push(
              /^[A-Za-z_$][\w$]*$/.test(name)
                ? `${attributeName(cls, attr)} uses ${keywordName(name)}, which is not set: ${unsetFix(name, cls.name)}`
                : `${attributeName(cls, attr)} reads \`{${name}}\` as a keyword; for literal braces (JSON, arrays) write {{ and }}`,
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
        lines.push(attributeMessage(cls, attr, error.message));
        first ??= cls.name;
      }
    }
  }
  if (lines.length > 0) throw new TaskError(`Format keywords are missing, malformed or unsafe:\n  ${lines.join('\n  ')}`, { taskName: first });
}
