/**
 * `writeEmpty` on ToS3 and ToCSV: whether there are rows to write at all. Rows held in memory
 * and an incremental task's rows tell it at once; other streamed rows (an SQLStream's, an
 * async iterable of rows) with `writeEmpty = false` are read one row ahead, the row kept for
 * the writer.
 */
import { Readable } from 'node:stream';
import { isSqlRows } from '../data/sql-rows';
import { emptyIncrementalInput, incrementalMark } from './incremental';

/** What a writer writes: `input` (in place of the task's, when a row was read ahead), or nothing, and why. */
export type ToWrite = { input: unknown } | { empty: string };

/** `first` followed by the rest of `rest`, which is closed when reading stops early. */
async function* prepended<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    yield first;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.(undefined);
  }
}

/** The rows of `rows` with their first one read ahead; undefined when there is none. */
async function readAhead<T>(rows: AsyncIterable<T>): Promise<AsyncIterable<T> | undefined> {
  const iterator = rows[Symbol.asyncIterator]();
  const first = await iterator.next();
  return first.done ? undefined : prepended(first.value, iterator);
}

/** Whether `input` is streamed rows (an async iterable that is not a stream of bytes). */
function isStreamedRows(input: unknown): input is AsyncIterable<unknown> {
  if (input === null || typeof input !== 'object' || !(Symbol.asyncIterator in input)) return false;
  return !(input instanceof Readable && !input.readableObjectMode);
}

/**
 * What a writer with `writeEmpty` writes of `input`: an incremental task's rows with nothing new
 * are not written unless `writeEmpty` is true; with `writeEmpty = false`, no rows are written
 * either (an SQLStream's rows are then read by bigrays, not as CSV made by the server).
 */
export async function inputToWrite(input: unknown, writeEmpty?: boolean): Promise<ToWrite> {
  const empty = await emptyIncrementalInput(input, writeEmpty);
  if (empty !== undefined) return { empty };
  if (writeEmpty !== false || incrementalMark(input)) return { input };
  if (isSqlRows(input)) {
    const opened = await input.open();
    const rows = await readAhead(opened.rows);
    if (rows) return { input: { columns: opened.columns, rows } };
    await input.release();
    return { empty: 'no rows' };
  }
  if (isStreamedRows(input)) {
    const rows = await readAhead(input);
    return rows ? { input: rows } : { empty: 'no rows' };
  }
  return { input };
}
