/**
 * The rows of an incremental task as they are read: the largest value of its column kept as
 * they pass (one comparison a row), and the first batch read ahead when a writer asks whether
 * there are rows at all.
 */
import { batchedRows, readBatches, type BatchedRows } from '../data/row-batches';
import { TaskError } from '../errors';
import { attributeMessage, shown } from '../messages';
import type { TableStream } from '../resources/sql/dialect';
import { compareCursor } from './incremental-values';

/** The largest non-null value offered, starting from `start` (the stored cursor) when there is one. */
export class LargestValue {
  private largest: unknown;
  private offered = false;

  constructor(start?: unknown) {
    this.largest = start ?? undefined;
  }

  /** Whether a non-null value was offered: a row was read. */
  get seen(): boolean {
    return this.offered;
  }

  get value(): unknown {
    return this.largest;
  }

  /** Takes the values at `index` of `rows`. */
  offerRows(rows: Iterable<readonly unknown[]>, index: number): void {
    let largest = this.largest;
    for (const row of rows) {
      const value = row[index];
      if (value === null || value === undefined) continue;
      this.offered = true;
      if (largest === undefined || compareCursor(value, largest) > 0) largest = value;
    }
    this.largest = largest;
  }
}

/** Where `column` is in `columns`; a TaskError naming the task's `incremental.column` and the columns there are. */
export function columnIndex(taskName: string, columns: readonly string[], column: string, cause?: unknown): number {
  const index = columns.indexOf(column);
  if (index >= 0) return index;
  throw new TaskError(
    attributeMessage(taskName, 'incremental.column', `${shown(column)} is not a column of the query's result (${columns.map((c) => shown(c)).join(', ') || 'no columns'}): set it to the column whose largest value marks the rows read`),
    { taskName, cause },
  );
}

/** A streamed query's rows, read a batch at a time, their column's largest value kept; `finished` is called once they are read to the end (not when reading stops early or fails). */
export class TrackedRows {
  private readonly batches: AsyncGenerator<unknown[][]>;
  private ahead?: unknown[][];
  private ended = false;
  readonly rows: BatchedRows<unknown[]>;

  constructor(
    private readonly stream: TableStream,
    index: number,
    largest: LargestValue,
    finished: () => void,
  ) {
    this.batches = readBatches(stream.rows);
    const source = this.batches;
    const self = (): TrackedRows => this;
    this.rows = batchedRows<unknown[]>(async function* () {
      let reachedEnd = false;
      try {
        const first = self().ahead;
        self().ahead = undefined;
        if (first) {
          largest.offerRows(first, index);
          yield first;
        }
        for (let next = await source.next(); !next.done; next = await source.next()) {
          largest.offerRows(next.value, index);
          yield next.value;
        }
        reachedEnd = true;
      } finally {
        await source.return(undefined);
        if (reachedEnd) finished();
      }
    });
  }

  get columns(): string[] {
    return this.stream.columns;
  }

  /** Whether the query has a row: reads the first batch ahead (kept for the reader). */
  async hasRows(): Promise<boolean> {
    if (this.ahead === undefined && !this.ended) {
      const next = await this.batches.next();
      if (next.done) this.ended = true;
      else this.ahead = next.value;
    }
    return this.ahead !== undefined;
  }

  /** The stream with these rows in place of its own. */
  asStream(): TableStream {
    const { stream, rows } = this;
    return {
      columns: stream.columns,
      columnTypes: stream.columnTypes,
      rows,
      release: () => stream.release(),
      get complete() {
        return stream.complete;
      },
    };
  }
}
