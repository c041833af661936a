/** What SQLWrite checks of its merge attributes (`mergeKeys`, `dedupe`, `addColumns`) before the run. */
import { asTable } from '../data/frame';
import { DEDUPE } from '../resources/sql/merge';
import { shown } from '../messages';

/** The merge attributes of an SQLWrite, and its input (whose columns are known before the run when it is a DataFrame or row objects). */
interface MergeAttributes {
  ifExists: unknown;
  mergeKeys?: unknown;
  dedupe: unknown;
  addColumns: unknown;
  input: unknown;
}

/** The input's columns when they are known before the run. */
function knownColumns(input: unknown): string[] | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  try {
    return Array.isArray(input) || typeof (input as { columns?: unknown }).columns !== 'undefined' ? asTable(input)?.columns : undefined;
  } catch {
    return undefined;
  }
}

/** The problems of `task`'s merge attributes, each a sentence naming the attribute. */
export function mergeProblems(task: MergeAttributes): string[] {
  const problems: string[] = [];
  const keys = task.mergeKeys;
  if (task.ifExists === 'merge') {
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
      problems.push(`mergeKeys must name the columns that identify a row when ifExists = 'merge', such as ['id'], got ${shown(keys)}`);
    } else {
      const columns = knownColumns(task.input);
      const unknown = columns ? keys.filter((k: string) => !columns.includes(k)) : [];
      if (unknown.length > 0) problems.push(`mergeKeys names ${unknown.map((k: string) => `\`${k}\``).join(', ')}, which the input lacks (its columns: ${columns!.join(', ')})`);
    }
  } else if (keys !== undefined) {
    problems.push(`mergeKeys is used only with ifExists = 'merge', and ifExists is ${shown(task.ifExists)}: set ifExists = 'merge' or remove mergeKeys`);
  }
  if (!DEDUPE.includes(task.dedupe as never)) problems.push(`dedupe must be 'error' or 'last', got ${shown(task.dedupe)}`);
  if (typeof task.addColumns !== 'boolean') problems.push(`addColumns must be true or false, got ${shown(task.addColumns)}`);
  return problems;
}
