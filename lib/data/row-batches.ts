/**
 * Rows handed over a batch at a time. A streamed input (an SQLStream's rows, FromS3's CSV rows)
 * is read a batch at a time anyway; iterating it row by row costs a promise per row and layer,
 * which is most of the time a bulk load of a million rows spends in JavaScript. A source that
 * can hand its rows over in batches says so with `ROW_BATCHES`; readers that load rows
 * (SQLWrite) take them that way, and everyone else iterates the rows as before.
 */

/** The method of a row iterable that gives its rows as batches (arrays of rows, never empty). */
export const ROW_BATCHES: unique symbol = Symbol.for('bigrays.rowBatches');

/** Rows that can be read one by one or a batch at a time (once, either way). */
export interface BatchedRows<T> extends AsyncIterable<T> {
  [ROW_BATCHES](): AsyncIterator<T[]>;
}

/** How many rows a batch read from a row-by-row source holds. */
export const BATCH_ROWS = 1000;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

/** Whether `rows` can hand over its rows a batch at a time. */
export function hasBatches<T>(rows: unknown): rows is BatchedRows<T> {
  return rows !== null && typeof rows === 'object' && typeof (rows as Partial<BatchedRows<T>>)[ROW_BATCHES] === 'function';
}

/**
 * The rows of any row source as batches: its own batches when it has them, slices of an array,
 * else up to `size` rows per batch pulled from its iterator. Returning early (or failing) lets
 * go of the source.
 */
export async function* readBatches<T>(rows: Iterable<T> | AsyncIterable<T>, size = BATCH_ROWS): AsyncGenerator<T[]> {
  if (hasBatches<T>(rows)) {
    const batches = rows[ROW_BATCHES]();
    let finished = false;
    try {
      for (;;) {
        const next = await batches.next();
        if (next.done) {
          finished = true;
          return;
        }
        if (next.value.length > 0) yield next.value;
      }
    } finally {
      if (!finished) await batches.return?.();
    }
  }
  if (Array.isArray(rows)) {
    for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
    return;
  }
  if (!isAsyncIterable(rows)) {
    const iterator = (rows as Iterable<T>)[Symbol.iterator]();
    let finished = false;
    try {
      while (!finished) {
        const batch: T[] = [];
        while (batch.length < size) {
          const next = iterator.next();
          if (next.done) {
            finished = true;
            break;
          }
          batch.push(next.value);
        }
        if (batch.length > 0) yield batch;
      }
    } finally {
      if (!finished) iterator.return?.();
    }
    return;
  }
  // One await per row is what an async iterator costs; nothing is added to it.
  const iterator = rows[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (!finished) {
      const batch: T[] = [];
      while (batch.length < size) {
        const next = await iterator.next();
        if (next.done) {
          finished = true;
          break;
        }
        batch.push(next.value);
      }
      if (batch.length > 0) yield batch;
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}

/**
 * Rows made from `batches` (a function, called once, by whichever way the rows are read): read
 * one by one, or a batch at a time.
 */
export function batchedRows<T>(batches: () => AsyncIterator<T[]>): BatchedRows<T> {
  return {
    [ROW_BATCHES]: batches,
    [Symbol.asyncIterator]: async function* (): AsyncGenerator<T> {
      const iterator = batches();
      let finished = false;
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) {
            finished = true;
            return;
          }
          yield* next.value;
        }
      } finally {
        if (!finished) await iterator.return?.();
      }
    },
  };
}

/**
 * `rows` as they are, with `after` run once they are read to the end, reading fails, or the
 * reader stops early, whichever way they are read (a batch at a time when `rows` can).
 */
export function finallyRows<T>(rows: AsyncIterable<T>, after: () => Promise<void> | void): BatchedRows<T> {
  return {
    [ROW_BATCHES]: async function* (): AsyncGenerator<T[]> {
      try {
        yield* readBatches(rows);
      } finally {
        await after();
      }
    },
    [Symbol.asyncIterator]: async function* (): AsyncGenerator<T> {
      try {
        yield* rows;
      } finally {
        await after();
      }
    },
  };
}
