/**
 * A MySQL result read as it is consumed: mysql2's `query().stream()` on the session's connection.
 * The stream holds a few batches at most; while nobody reads, mysql2 stops reading the socket,
 * so the server waits too, and memory stays bounded whatever the size of the result.
 */
import type { Readable } from 'node:stream';
import type { OpenRead } from '../table-stream';
import { killQuery, type MysqlConnection, type MysqlField } from './connection';

/** Starts `sql` on `connection` and reads its first batch: its columns, its rows `batchSize` at a time, how to stop. */
export async function openRead(connection: MysqlConnection, sql: string, bindings: readonly unknown[], batchSize: number): Promise<OpenRead> {
  let columns: string[] = [];
  const query = connection.query({ sql, values: [...bindings], rowsAsArray: true });
  query.on('fields', (fields: MysqlField[] | undefined) => {
    // A batch of statements: the columns of its last result set.
    if (fields) columns = fields.map((f) => f.name);
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
      let row: unknown[] | null;
      while (rows.length < batchSize && (row = stream.read() as unknown[] | null) !== null) rows.push(row);
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
    if (ended || failure !== undefined) return;
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
    await killQuery(connection);
    await over;
  };

  const first = await next();
  return { columns, first, next, close };
}
