/**
 * The query of an SQLStream that failed while a task read its rows (a relation that does not
 * exist, a division by zero on row 500000): the stream's own failure, which the run marks on the
 * stream's task, and which its reader reports as its input's ("Up: its input Rows failed: …").
 */
import { BigraysError, TaskError } from '../errors';
import { masked, taskMessage } from '../messages';
import { readBatches, ROW_BATCHES, type BatchedRows } from './row-batches';

/** How much of a query's first line a message shows. */
const QUERY_LINE_CHARS = 120;

/** The first line of `sql` with text in it, cut short, for a message: `select * from events …`. */
export function queryLine(sql: string): string {
  const lines = sql.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const first = lines[0] ?? '';
  const cut = first.length > QUERY_LINE_CHARS ? `${first.slice(0, QUERY_LINE_CHARS)} …` : lines.length > 1 ? `${first} …` : first;
  return masked(cut);
}

/** What the database said, without the driver's `error: ` in front. */
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^error: /, '');
}

/** The query of the SQLStream `stream` failed while `reader` read its rows. */
export class RowsQueryFailure {
  constructor(
    readonly stream: string,
    readonly reader: string,
    readonly cause: unknown,
    private readonly sql: string | undefined,
  ) {}

  /** The database's reason, in a line. */
  get reason(): string {
    return masked(reasonOf(this.cause));
  }

  /** The stream's failure: `Rows: its query failed: … (query: select …)`. */
  streamError(): TaskError {
    if (this.cause instanceof BigraysError && this.cause.taskName === this.stream) return this.cause as TaskError;
    const query = this.sql === undefined ? '' : ` (query: ${queryLine(this.sql)})`;
    return new TaskError(taskMessage(this.stream, `its query failed: ${this.reason}${query}`), { cause: this.cause, taskName: this.stream });
  }

  /**
   * The reader's failure, `error` as it failed: its message with the database's reason said as
   * its input's (`Up: uploading to s3://… failed: its input Rows failed: …; the 3 objects already
   * written were deleted`), or `Up: its input Rows failed: …` when it said nothing more.
   */
  readerError(error: unknown): TaskError {
    const input = `its input ${this.stream} failed: ${this.cause instanceof BigraysError ? this.cause.message.replace(`${this.stream}: `, '') : this.reason}`;
    const said = masked(error instanceof Error ? error.message : String(error));
    const own = withoutTask(said, this.reader);
    const reason = [`error: ${this.reason}`, this.reason].find((text) => own.includes(text));
    const at = reason === undefined ? -1 : own.indexOf(reason);
    const text = at < 0 ? input : `${own.slice(0, at)}${input}${own.slice(at + reason!.length)}`;
    return new TaskError(taskMessage(this.reader, text), { cause: error, taskName: this.reader });
  }
}

/** `message` without the task it starts with: `Up: `, `Up failed: `, `Up.input: `. */
function withoutTask(message: string, task: string): string {
  if (!message.startsWith(task)) return message;
  const rest = message.slice(task.length);
  const attribute = /^\.\w+: /.exec(rest)?.[0];
  const prefix = attribute ?? [': ', ' failed: '].find((p) => rest.startsWith(p));
  return prefix === undefined ? message : rest.slice(prefix.length);
}

/** Whether an error of reading a stream's rows is the query's own: the database's, or one naming the stream (not the reader's doing). */
export function isQueryFailure(error: unknown, stream: string): boolean {
  return !(error instanceof BigraysError) || error.taskName === stream;
}

const QUERY_FAILED: unique symbol = Symbol.for('bigrays.queryFailed');

/** `error`, marked as the failure of a query handed to the one who runs it (it cannot be described: it cannot run). */
export function markQueryFailure<E>(error: E): E {
  if (error !== null && typeof error === 'object') (error as { [QUERY_FAILED]?: boolean })[QUERY_FAILED] = true;
  return error;
}

/** Whether `error` was marked by `markQueryFailure`. */
export function isMarkedQueryFailure(error: unknown): boolean {
  return error !== null && typeof error === 'object' && (error as { [QUERY_FAILED]?: boolean })[QUERY_FAILED] === true;
}

/**
 * The values of `iterator`, `failed(error)` told when reading the next one fails (not when its
 * reader stops or fails), and `after()` once they are read to the end, reading fails, or the
 * reader stops early.
 */
async function* watched<T>(iterator: AsyncIterator<T>, failed: (error: unknown) => void, after: () => Promise<void> | void): AsyncGenerator<T> {
  let finished = false;
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        finished = true;
        failed(error);
        throw error;
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    try {
      if (!finished) await iterator.return?.();
    } finally {
      await after();
    }
  }
}

/**
 * `rows` as they are, whichever way they are read (a batch at a time when `rows` can):
 * `failed(error)` told when reading them fails, `after()` run once they are read to the end,
 * reading fails, or the reader stops early.
 */
export function watchedRows<T>(rows: AsyncIterable<T>, failed: (error: unknown) => void, after: () => Promise<void> | void): BatchedRows<T> {
  return {
    [ROW_BATCHES]: () => watched(readBatches(rows)[Symbol.asyncIterator](), failed, after),
    [Symbol.asyncIterator]: () => watched(rows[Symbol.asyncIterator](), failed, after),
  };
}
