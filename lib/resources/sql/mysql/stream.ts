/**
 * A MySQL result read as it is consumed: mysql2's `query().stream()` on the session's connection.
 * The stream holds a few batches at most; while nobody reads, mysql2 stops reading the socket,
 * so the server waits too, and memory stays bounded whatever the size of the result.
 */
import type { Readable } from 'node:stream';
import type { OpenRead } from '../table-stream';
import { TaskError } from '../../../errors';
import type { SqlColumn } from '../../../data/sql-columns';
import { mysqlColumns } from './columns';
import { killQuery, type MysqlConnection, type MysqlField } from './connection';

const ONE_RESULT_SET =
  'SQLStream reads one result set: the statements of its query give more than one; ' +
  'stream one SELECT (statements before it that return no rows, such as SET, are fine), or run the others with SQLExecute';

/** Starts `sql` on `connection` and reads its first batch: its columns and their types, its rows `batchSize` at a time, how to stop. */
export async function openRead(connection: MysqlConnection, sql: string, bindings: readonly unknown[], batchSize: number): Promise<OpenRead> {
  let columns: string[] = [];
  let columnTypes: SqlColumn[] | undefined;
  let sets = 0;
  let refusal: TaskError | undefined;
  const query = connection.query({ sql, values: [...bindings], rowsAsArray: true });
  query.on('fields', (fields: MysqlField[] | undefined) => {
    // A statement without rows (SET, a CREATE) has no fields: only a SELECT's result set counts.
    if (!fields) return;
    if (++sets === 1) {
      columns = fields.map((f) => f.name);
      columnTypes = mysqlColumns(fields);
    }
    else refusal ??= new TaskError(ONE_RESULT_SET);
  });
  const stream: Readable = query.stream({ highWaterMark: batchSize });
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  stream.on('end', () => {
    ended = true;
    wake?.();
  });
  stream.on('error', (error: unknown) => {
    failure ??= error;
    wake?.();
  });

  /** Up to `batchSize` rows: what the stream holds, then waits for more until it has them or it ends. */
  const next = async (): Promise<unknown[][]> => {
    const rows: unknown[][] = [];
    for (;;) {
      if (failure !== undefined) throw failure;
      let row: unknown;
      // What a statement without rows reports (a result header, not a row) is no row.
      while (rows.length < batchSize && (row = stream.read()) !== null) if (Array.isArray(row)) rows.push(row);
      if (refusal !== undefined) throw refusal;
      if (rows.length >= batchSize || ended) return rows;
      let readable!: () => void;
      await new Promise<void>((resolve) => {
        wake = resolve;
        readable = resolve;
        stream.once('readable', readable);
      });
      wake = undefined;
      stream.removeListener('readable', readable);
    }
  };

  /**
   * Stops a read not finished: what the server still sends is read to nowhere (a server blocked
   * on a full socket would not see its query killed), and the server is asked to stop.
   */
  const close = async (): Promise<void> => {
    if (ended || (failure !== undefined && refusal === undefined)) return;
    const over = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('error', () => resolve());
      stream.once('close', resolve);
    });
    const drain = (): void => {
      while (stream.read() !== null);
    };
    stream.on('readable', drain);
    drain();
    try {
      await killQuery(connection);
    } catch (error) {
      // The query goes on: its connection must not serve another statement. Cut, it is lost to the session.
      connection.stream?.destroy(Object.assign(new Error(`the query could not be stopped (${(error as Error).message}), so its connection was closed`), { code: 'PROTOCOL_CONNECTION_LOST' }));
      return;
    }
    await over;
  };

  let first: unknown[][];
  try {
    first = await next();
  } catch (error) {
    if (refusal !== undefined) await close();
    throw error;
  }
  return { columns, columnTypes, first, next, close };
}
