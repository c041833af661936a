/**
 * CSV read as rows, as it arrives: the header row names the columns, every value is a string,
 * and NULL is told from the empty string as PostgreSQL's `COPY … CSV` tells them: an empty
 * unquoted field is NULL, `""` is the empty string. Gzip is undone on the fly. Nothing here
 * holds the whole input.
 */
import type { CastingContext } from 'csv-parse';
import { csvParse } from '../lazy';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Parsed CSV rows: columns from the header row, rows (values as strings or null) read once, as they arrive. */
export interface CsvRows {
  columns: string[];
  rows: AsyncIterable<Array<string | null>>;
  /** Stops reading and lets go of the source (reading to the end, or failing, does it too). */
  release(): Promise<void>;
}

/** An empty unquoted field is NULL; a quoted one (`""`) is the empty string. */
function nullOrText(value: string, context: CastingContext): string | null {
  return value === '' && !context.quoting ? null : value;
}

/**
 * The rows of the CSV bytes `body` (gzip-compressed when `gzip`). `done` runs once, when the
 * rows are read to the end, reading fails, or the reader stops or releases them.
 */
export async function csvRows(body: Readable, options: { gzip?: boolean; done?: () => void } = {}): Promise<CsvRows> {
  const parser = csvParse().parse({ cast: nullOrText, bom: true });
  const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [body];
  if (options.gzip) stages.push(createGunzip());
  stages.push(parser);
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    body.destroy();
    parser.destroy();
    options.done?.();
  };
  pipeline(stages as [NodeJS.ReadableStream, ...NodeJS.WritableStream[]], () => {
    /* an error destroys the parser with it, which its reader sees */
  });
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<Array<string | null>>;
  let header: IteratorResult<Array<string | null>>;
  try {
    header = await iterator.next();
  } catch (error) {
    finish();
    throw error;
  }
  const columns = header.done ? [] : header.value.map((name) => name ?? '');
  if (header.done) finish();
  let started = false;
  async function* rows(): AsyncGenerator<Array<string | null>> {
    if (started) throw new TypeError('CSV rows can be read once');
    started = true;
    try {
      if (finished) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      finish();
    }
  }
  return {
    columns,
    rows: { [Symbol.asyncIterator]: rows },
    release: async () => finish(),
  };
}
