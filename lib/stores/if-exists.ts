/**
 * `ifExists` of the tasks that write an object or a file (ToS3, ToCSV): what to do when it is
 * there already. 'fail' refuses to replace it (the default), 'skip' leaves it as it is and the
 * task reports itself skipped, 'overwrite' replaces it. `overwriteIfExists = true` is the older
 * way to say 'overwrite'.
 */
import { shown } from '../messages';

/** What a write does when its object or file exists. */
export type WriteIfExists = 'fail' | 'skip' | 'overwrite';

export const WRITE_IF_EXISTS: readonly WriteIfExists[] = ['fail', 'skip', 'overwrite'];

/** The attributes of a task that says what to do with an existing target. */
interface ExistingTargetSettings {
  ifExists?: WriteIfExists;
  overwriteIfExists: boolean;
}

/** What the task does with an existing target: `ifExists`, else 'overwrite' with `overwriteIfExists`, else 'fail'. */
export function ifExistsOf(task: ExistingTargetSettings): WriteIfExists {
  return task.ifExists ?? (task.overwriteIfExists === true ? 'overwrite' : 'fail');
}

/** What is wrong with `ifExists` before the run: a value out of its set, or one that `overwriteIfExists = true` contradicts. */
export function ifExistsProblems(task: ExistingTargetSettings): string[] {
  const value = task.ifExists;
  if (value === undefined || value === null) return [];
  if (!WRITE_IF_EXISTS.includes(value)) {
    return [`ifExists must be one of ${WRITE_IF_EXISTS.map((v) => `'${v}'`).join(', ')}, got ${shown(value)}`];
  }
  if (task.overwriteIfExists === true && value !== 'overwrite') {
    return [`ifExists is '${value}', but overwriteIfExists = true says 'overwrite': unset overwriteIfExists, or set ifExists = 'overwrite'`];
  }
  return [];
}

/**
 * What a dry run says `ifExists` will do with `target` (`an existing object`, `an existing
 * file`); `firstPart`: a split export, which looks at its part 0.
 */
export function ifExistsPlan(task: ExistingTargetSettings, target: string, firstPart = false): string {
  const mode = ifExistsOf(task);
  switch (mode) {
    case 'fail':
      return `fail (${target} is refused: the task fails)`;
    case 'overwrite':
      return `overwrite (${target} is replaced)`;
    case 'skip':
      return firstPart
        ? `skip (when part 0 exists, nothing is written: the task reports skipped, its output the parts there)`
        : `skip (${target} is left as it is: the task reports skipped)`;
  }
}
