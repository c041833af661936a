/**
 * Loading rows through `COPY … FROM STDIN WITH (FORMAT csv)`: CSV text as it is, or rows
 * written as COPY text, streamed on the transaction's connection as fast as the server takes it.
 */
import type { Knex } from 'knex';
import type { Writable } from 'node:stream';
import { CopyLines } from '../../../data/csv-read';
import { transactionConnection } from '../connection';
import { quotedTable, quoteIdentifier } from '../identifiers';
import type { Guard } from '../limits';
import { CLEANUP_MS, within } from '../link';
import { LoadError, type LoadTarget } from '../load';
import { CopyChunks } from './copy-chunks';
import { COPY_CHUNK, copyRowsText } from './copy-text';

interface CopyStream extends Writable {
  rowCount?: number;
}

/** The row a COPY error is about, from its CONTEXT (`COPY t, line 3000…`); the line's data is not kept. */
function copyErrorRow(error: unknown, lines?: CopyLines): number | undefined {
  const where = (error as { where?: unknown })?.where;
  const match = typeof where === 'string' ? /COPY [^\n]*?, line (\d+)/.exec(where) : null;
  if (!match) return undefined;
  return lines ? lines.row(Number(match[1])) : Number(match[1]);
}

/**
 * Streams CSV `text` (whole records) through `COPY target (columns) FROM STDIN WITH (FORMAT
 * csv)` on the transaction's connection, a chunk at a time, waiting while the server is behind:
 * the text is made as fast as the server takes it, never held whole. A failure (a bad row, a
 * value that cannot be written, the source failing, an abort) ends the COPY with an error; the
 * caller's transaction then rolls back.
 */
export async function copyFrom(
  trx: Knex.Transaction,
  target: LoadTarget,
  text: AsyncIterable<string | Buffer>,
  guard?: Guard,
  lines?: CopyLines,
): Promise<number> {
  const connection = (await transactionConnection(trx)) as { query(stream: unknown): CopyStream };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { from } = require('pg-copy-streams') as { from(sql: string, options?: { highWaterMark?: number }): CopyStream };
  const table = quotedTable(target);
  const sql = `COPY ${table} (${target.columns.map(quoteIdentifier).join(', ')}) FROM STDIN WITH (FORMAT csv)`;
  // Room for a few chunks on their way, so that the next is made while they go.
  const copy = connection.query(from(sql, { highWaterMark: 4 * COPY_CHUNK }));
  let failure: unknown;
  let wake: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    copy.on('finish', resolve);
    copy.on('error', (error: unknown) => {
      failure = error;
      wake?.();
      reject(error);
    });
  });
  done.catch(() => undefined);
  const waitDrain = (): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve;
      copy.once('drain', resolve);
    }).finally(() => {
      wake = undefined;
      copy.removeAllListeners('drain');
    });
  const refused = (error: unknown): LoadError =>
    new LoadError((error as Error)?.message ?? String(error), copyErrorRow(error, lines), error);
  const pieces = text[Symbol.asyncIterator]();
  // Pieces of any size, text or bytes, sent about COPY_CHUNK at a time.
  const chunks = new CopyChunks();
  try {
    for (;;) {
      const next = await (guard ? guard.input(pieces.next()) : pieces.next());
      if (failure !== undefined) throw refused(failure);
      if (next.done) break;
      const send = chunks.add(next.value);
      if (send === undefined) continue;
      guard?.check();
      if (!copy.write(send)) await waitDrain();
    }
    guard?.check();
    copy.end(chunks.rest());
    await done.catch((error: unknown) => {
      throw refused(error);
    });
  } catch (error) {
    // Ends the COPY (pg-copy-streams sends CopyFail) and waits for the server to say so.
    if (failure === undefined) {
      copy.destroy(error instanceof Error ? error : new Error(String(error)));
      await within(done.catch(() => undefined), CLEANUP_MS);
    }
    await pieces.return?.();
    throw error;
  }
  return copy.rowCount ?? 0;
}

/** Loads rows through COPY. */
export function copyRows(trx: Knex.Transaction, target: LoadTarget, rows: Iterable<unknown[]> | AsyncIterable<unknown[]>, guard?: Guard): Promise<number> {
  const lines = new CopyLines();
  return copyFrom(trx, target, copyRowsText(rows, target.columns.length, lines), guard, lines);
}
