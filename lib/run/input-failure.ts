/**
 * A task that failed because its input did: an SQLStream whose query failed while the task read
 * its rows. The stream is the task that failed first: its report entry and state say so, and the
 * reader's error names it as its input ("Up: its input Rows failed: relation … does not exist").
 */
import { isSqlRows } from '../data/sql-rows';
import type { TaskError } from '../errors';
import type { RunContext } from '../output';
import type { TaskReport } from '../report';
import { scrubIn } from '../secrets';

/** The stream that failed under a reader: its error, its report entry (marked failed), and the reader's error. */
export interface FailedInput {
  streamError: TaskError;
  entry?: TaskReport;
  readerError: TaskError;
}

/**
 * When task `reader` failed (with `error`) because the query of an SQLStream it read failed:
 * the stream marked failed in its run (state and report entry), and the errors to report.
 */
export function blameInput(context: RunContext, reader: string, error: unknown): FailedInput | undefined {
  for (let c: RunContext | undefined = context; c; c = c.parent ?? c.readsFrom) {
    for (const [cls, output] of c.outputs) {
      const failure = isSqlRows(output) ? output.failure : undefined;
      if (failure?.reader !== reader) continue;
      const streamError = failure.streamError();
      c.states.set(cls, 'failed');
      const entry = c.report?.tasks.find((t) => t.name === cls.name);
      if (entry) {
        entry.status = 'failed';
        entry.error = scrubIn(context.runtime, streamError.message);
      }
      return { streamError, entry, readerError: failure.readerError(error) };
    }
  }
  return undefined;
}
