/**
 * CSV read as rows, as it arrives: the header row names the columns, every value is a string,
 * and NULL is told from the empty string as PostgreSQL's `COPY … CSV` tells them: an empty
 * unquoted field is NULL, `""` is the empty string. Gzip is undone on the fly. Nothing here
 * holds the whole input. (How the CSV is read: `csv-read.ts`.)
 */
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvReader, type CopyLines, type CsvTextOptions, type CsvValue } from './csv-read';
import { batchedRows, BATCH_ROWS, type BatchedRows } from './row-batches';

/** Parsed CSV rows: columns from the header row, rows (values as strings or null) read once, as they arrive. */
export interface CsvRows {
  columns: string[];
  rows: AsyncIterable<Array<string | null>>;
  /** Stops reading and lets go of the source (reading to the end, or failing, does it too). */
  release(): Promise<void>;
}

/** The method of `CsvRows` that hands its records over as CSV text for a bulk load. */
export const CSV_TEXT: unique symbol = Symbol.for('bigrays.csvText');

/**
 * The data records of a CSV input as text `COPY … FROM STDIN WITH (FORMAT csv)` reads as
 * exactly its rows, for a bulk load into PostgreSQL (no parsing of the records COPY reads the
 * same way). Read once, instead of the rows.
 */
export interface CsvText {
  columns: string[];
  /** The first `count` rows, parsed (to infer column types from); the text still starts with them. */
  peek(count: number): Promise<CsvValue[][]>;
  /** The records as text (UTF-8 input as its own bytes), in pieces of whole records. Returning early lets go of the source. */
  text: AsyncIterable<string | Buffer>;
  /** The rows of COPY's line numbers in `text`. */
  lines: CopyLines;
  /** Lets go of the source, read or not. */
  release(): Promise<void>;
}

/** Whether `value` can hand over its records as COPY text; the text when it can (once, if its rows are unread). */
export function csvTextOf(value: unknown): CsvText | undefined {
  const claim = value !== null && typeof value === 'object' ? (value as { [CSV_TEXT]?: () => CsvText | undefined })[CSV_TEXT] : undefined;
  return typeof claim === 'function' ? claim.call(value) : undefined;
}

/**
 * The rows of the CSV bytes `body` (gzip-compressed when `gzip`), text in `encoding` (UTF-8
 * unless told; see `CsvTextOptions`). `done` runs once, when the rows are read to the end,
 * reading fails, or the reader stops or releases them.
 */
export async function csvRows(body: Readable, options: CsvTextOptions & { gzip?: boolean; done?: () => void } = {}): Promise<CsvRows> {
  let bytes: Readable = body;
  if (options.gzip) {
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    pipeline(body, gunzip, () => {
      /* an error destroys the gunzip stream with it, which its reader sees */
    });
    bytes = gunzip;
  }
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    body.destroy();
    if (bytes !== body) bytes.destroy();
    options.done?.();
  };
  const reader = new CsvReader(bytes[Symbol.asyncIterator]() as AsyncIterator<Buffer>, options);
  let any: boolean;
  try {
    any = await reader.start();
  } catch (error) {
    finish();
    throw error;
  }
  if (!any) finish();
  let started = false;
  const claim = (how: string): void => {
    if (started) throw new TypeError(`CSV rows can be read once (${how})`);
    started = true;
  };
  /** Everything read by `read`, the source let go of at the end, on failure, or when the reader stops. */
  async function* guarded<T>(read: () => AsyncGenerator<T>): AsyncGenerator<T> {
    try {
      if (finished) return;
      yield* read();
    } finally {
      finish();
    }
  }
  const rows: BatchedRows<CsvValue[]> = batchedRows(() => {
    claim('as rows');
    return guarded(async function* () {
      for (;;) {
        const batch = await reader.batch(BATCH_ROWS);
        if (!batch) return;
        yield batch;
      }
    });
  });
  return {
    columns: reader.columns,
    rows,
    release: async () => finish(),
    [CSV_TEXT](): CsvText | undefined {
      if (started) return undefined;
      claim('as text');
      return {
        columns: reader.columns,
        peek: async (count) => {
          try {
            return finished ? [] : await reader.peek(count);
          } catch (error) {
            finish();
            throw error;
          }
        },
        text: { [Symbol.asyncIterator]: () => guarded(() => reader.copyText()) },
        lines: reader.lines,
        release: async () => finish(),
      };
    },
  } as CsvRows;
}
