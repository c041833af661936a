/**
 * Pre-flight's check of a task's fields by name: a field that is no attribute of the built-in
 * class the task extends but is an edit or two (or a letter's case) away from one (`formt`,
 * `Format`, `tablname`) is a typo that would change nothing, and is refused with the attribute
 * meant; a task class where data is expected (`input = Rows`) is an output forgotten, and is
 * refused with `Rows.output`. A field of the job's own whose name starts with `_` is never
 * taken for a typo.
 */
import { closest } from '../keywords';
import { attributesOf, builtInBase, memberNames } from '../tasks/built-in';
import { isTaskClass, type BaseTask, type TaskClass } from '../task';
import { own } from './planned-task';

/** Fields that hold what a task reads, whatever the class: a task class there is an output forgotten. */
const DATA_FIELDS = new Set(['input', 'inputs']);

/** Attributes that take something other than data (a class there has its own message). */
const NOT_DATA = new Set(['requiredResource']);

/** The task classes `value` holds: itself, or the items of an array. */
function classesIn(value: unknown): TaskClass[] {
  if (isTaskClass(value)) return [value];
  return Array.isArray(value) ? value.filter(isTaskClass) : [];
}

/** `field` holds a task class where data is meant: the output it stands for. */
function classProblem(field: string, value: unknown): string | undefined {
  const classes = classesIn(value);
  if (classes.length === 0) return undefined;
  const meant = Array.isArray(value) ? `[${value.map((v) => (isTaskClass(v) ? `${v.name}.output` : '…')).join(', ')}]` : `${classes[0].name}.output`;
  const names = [...new Set(classes.map((c) => c.name))];
  const what = names.length === 1 ? `the task class ${names[0]}, not its output` : `the task classes ${names.join(', ')}, not their outputs`;
  return `${field} holds ${what}: did you mean \`${meant}\`?`;
}

/**
 * What is wrong with `task`'s fields by name, each problem starting with the field's name:
 * a typo of an attribute of its built-in class, or a task class where data is expected.
 */
export function fieldProblems(cls: TaskClass, task: BaseTask<unknown>): string[] {
  const base = builtInBase(cls);
  const attributes = attributesOf(base);
  const known = new Set(attributes);
  const members = memberNames(cls);
  const problems: string[] = [];
  for (const [field, value] of Object.entries(own(task))) {
    if (field.startsWith('_')) continue;
    if (!known.has(field) && !members.has(field)) {
      const near = closest(field, attributes);
      if (near !== undefined) {
        problems.push(`${field} is not an attribute of ${base.name}: did you mean \`${near}\`? (a field of the job's own: name it \`_${field}\`)`);
      }
    }
    if ((known.has(field) && !NOT_DATA.has(field)) || DATA_FIELDS.has(field.toLowerCase())) {
      const wrong = classProblem(field, value);
      if (wrong !== undefined) problems.push(wrong);
    }
  }
  return problems;
}
