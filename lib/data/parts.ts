/**
 * Rows split into parts of at most `maxRows` rows, for ToS3's `maxRowsPerObject`: each part is
 * a `{ columns, rows }` of its own, read from the one source in turn (a part must be read to
 * its end before the next is asked for). Nothing is held beyond one row read ahead.
 */
import type { RowRecords } from './csv';

export interface RowPart {
  columns: string[];
  rows: AsyncIterable<unknown[]>;
}

/** The parts of `records` (column names first, then rows); no rows still make one part. */
export async function* splitRecords(records: RowRecords, maxRows: number): AsyncGenerator<RowPart> {
  const iterator = records[Symbol.asyncIterator]();
  let finished = false;
  try {
    const head = await iterator.next();
    if (head.done) {
      finished = true;
      yield { columns: [], rows: (async function* () {})() };
      return;
    }
    const columns = head.value.map(String);
    let pending = await iterator.next();
    let first = true;
    while (first || !pending.done) {
      first = false;
      let count = 0;
      const rows = async function* (): AsyncGenerator<unknown[]> {
        while (!pending.done && count < maxRows) {
          const row = pending.value;
          count += 1;
          pending = await iterator.next();
          yield row;
        }
      };
      yield { columns, rows: rows() };
    }
    finished = true;
  } finally {
    if (!finished) await iterator.return?.(undefined as never);
  }
}
