/**
 * A query result read as it goes (`TableStream`): over batches a dialect reads, on the
 * session's one driver connection, given back when the rows run out or the reader stops.
 */
import type { Knex } from 'knex';
import { batchedRows } from '../../data/row-batches';
import type { SqlColumn } from '../../data/sql-columns';
import { TaskError } from '../../errors';
import { acquire } from './connection';
import type { TableStream } from './dialect';
import type { Guard } from './limits';
import { CLEANUP_MS, within } from './link';

/**
 * A TableStream over `next()` batches: `done()` runs once, when the rows run out, reading
 * fails, or the reader stops early. With a `guard`, each batch read rejects as soon as the
 * operation is aborted or the connection is lost. `done()` is never waited on for long: on a
 * dead connection, a polite close would wait for a reply that never comes.
 */
export function tableStream(
  columns: string[],
  first: unknown[][],
  next: () => Promise<unknown[][]>,
  done: () => Promise<void>,
  guard?: Guard,
  columnTypes?: readonly SqlColumn[],
): TableStream {
  let finished = false;
  let exhausted = false;
  let closing: Promise<boolean> | undefined;
  const finish = (): Promise<boolean> => {
    if (!closing) {
      finished = true;
      closing = within(done(), CLEANUP_MS);
    }
    return closing;
  };
  const closedEarly = (): TaskError =>
    new TaskError(
      'this SQL stream was closed before it was read to the end (its session closed when another resource ' +
        'opened, or release() was called): read it in the task that opened it, e.g. toS3({ input: await this.stream(…) })',
    );
  let started = false;
  async function* batches(): AsyncGenerator<unknown[][]> {
    if (started) throw new TaskError('a SQL stream can be read once');
    started = true;
    try {
      let batch = first;
      while (batch.length > 0) {
        if (finished) throw closedEarly();
        guard?.check();
        yield batch;
        if (finished) throw closedEarly();
        guard?.check();
        batch = await (guard ? guard.run(next()) : next());
      }
      exhausted = true;
    } finally {
      await finish();
    }
  }
  return {
    columns,
    columnTypes,
    // Read a batch at a time by a bulk load, one by one by everyone else.
    rows: batchedRows(batches),
    release: async () => {
      await finish();
    },
    get complete() {
      return exhausted;
    },
  };
}

/** A result being read on a connection: its columns, its first batch, how to read on and to stop. */
export interface OpenRead {
  columns: string[];
  /** The columns' types, when the driver says. */
  columnTypes?: readonly SqlColumn[];
  first: unknown[][];
  next(): Promise<unknown[][]>;
  close(): Promise<void> | void;
}

/**
 * A TableStream on the session's one driver connection: `open` starts the read; the
 * connection goes back to the pool when the rows run out, reading fails, or the reader stops.
 */
export async function streamOnConnection(
  knex: Knex,
  open: (connection: unknown) => Promise<OpenRead>,
  guard?: Guard,
): Promise<TableStream> {
  const { connection, release } = await acquire(knex);
  let read: OpenRead;
  try {
    read = await open(connection);
  } catch (error) {
    await release();
    throw error;
  }
  return tableStream(
    read.columns,
    read.first,
    () => read.next(),
    async () => {
      try {
        await within(read.close(), CLEANUP_MS);
      } finally {
        await release();
      }
    },
    guard,
    read.columnTypes,
  );
}
