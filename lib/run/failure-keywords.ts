/**
 * The keywords a run gives every task, under all the keywords the job sets itself
 * (`updateFormatKws`, a task's `formatKws`, the command's `--set`): `{job}` and `{runId}`; and,
 * once a task failed, `{failedTask}` (the first failed task's class name) and `{error}` (the
 * first line of its message, secrets masked) for the tasks that still run (`runWithExceptions`).
 * Before any task failed, `{failedTask}` and `{error}` are empty strings.
 *
 * Pre-flight checks templates with `{error}` standing for a message of several words: a plain
 * `{error}` in SQL text is refused before the run (write `{error!q}`), as it would be once a
 * real message fills it.
 */
import type { FormatKws } from '../keywords';
import type { RunContext } from '../output';
import type { TaskReport } from '../report';
import { scrubIn } from '../secrets';

/** What `{error}` holds while pre-flight checks the templates. */
const CHECKED_ERROR = 'an error message';

/** The run `context` belongs to: itself, or the outermost run it is nested in. */
function outermost(context: RunContext): RunContext {
  let root = context;
  while (root.parent) root = root.parent;
  return root;
}

/**
 * The first task that failed, in `context`'s run or in a run it is nested in (a functional call
 * inside a task that runs with exceptions): the outermost run's failure came first.
 */
export function firstFailure(context: RunContext): TaskReport | undefined {
  let found: TaskReport | undefined;
  for (let c: RunContext | undefined = context; c; c = c.parent) {
    found = c.report?.tasks.find((t) => t.status === 'failed') ?? found;
  }
  return found;
}

/**
 * Sets the run keywords of `context` as they stand now: `checking` while pre-flight checks the
 * templates (before the run's tasks start), else as the next task sees them.
 */
export function setRunKeywords(context: RunContext, checking = false): void {
  const identity = outermost(context).identity;
  const failure = firstFailure(context);
  const error = failure ? scrubIn(context.runtime, (failure.error ?? '').split('\n')[0].trim()) : checking ? CHECKED_ERROR : '';
  const kws: FormatKws = {
    job: identity?.job ?? '',
    runId: identity?.runId ?? '',
    failedTask: failure?.name ?? '',
    error,
  };
  context.runKeywords = kws;
}
