/**
 * The one CSV writer of bigrays (ToS3 and ToCSV both use it).
 *
 * A header row, then one record per row, each ended by `\n`; RFC 4180 quoting (a field holding
 * a comma, a quote, CR or LF is quoted, quotes doubled); UTF-8 (a string with a lone surrogate,
 * which UTF-8 cannot hold, is an error naming its row and column, never U+FFFD). Values are written exactly, as
 * PostgreSQL `COPY … CSV` would: NULL (and `undefined`) as an empty unquoted field, the empty
 * string as `""`, bigint as its digits, strings verbatim (exact numerics, timestamps, dates as
 * the SQL tasks keep them), booleans as `true`/`false`, a `Date` as ISO 8601, a Buffer as `\x`
 * and hex (bytea's text form), plain objects and arrays as JSON.
 *
 * It streams: rows go in, bytes come out, so a large input is never one big string.
 */
import { Readable } from 'node:stream';
import { shown } from '../messages';
import type { DataFrame } from './danfo';
import { dataFrameTable, isDataFrame, isRowArray, ownValue, rowColumns, type Row } from './frame';
import { jsonText } from './json';
import type { SqlColumn } from './sql-columns';
import { FrameCsv } from './frame-csv';
import { unmadeColumns } from './lazy-frame';
import { isSqlRows } from './sql-rows';
import { loneSurrogateProblem } from './text-encoding';

/** The content type of what the writer produces. */
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** A row: values in column order, or an object keyed by column name. */
export type CsvRow = readonly unknown[] | Row;

/** Rows with known columns. `rows` may be lazy: a generator, an async generator, a stream. */
export interface RowSource {
  columns: readonly string[];
  rows: Iterable<CsvRow> | AsyncIterable<CsvRow>;
  /** The columns' types as the database declares them, when it does (an SQLStream's rows, a TableStream). */
  columnTypes?: readonly SqlColumn[];
}

/**
 * What the writer takes: a DataFrame, an array of row objects, a `RowSource`, or an async
 * iterable of row objects (an object-mode stream, say), whose first row names the columns.
 */
export type CsvInput = DataFrame | Row[] | RowSource | AsyncIterable<Row>;

/** A readable stream of CSV bytes that counts the rows it has written. */
export type CsvStream = Readable & {
  /** Data rows written so far (the header not counted). */
  readonly rowCount: number;
};

/** A field that must be quoted: it holds a comma, a quote, CR or LF. */
const NEEDS_QUOTES = /[",\r\n]/;

/** How much CSV text is built before it is handed on, in characters. */
const CHUNK_CHARS = 64 * 1024;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.iterator in value;
}

/** Whether `value` is a `RowSource` ({ columns, rows }). */
export function isRowSource(value: unknown): value is RowSource {
  if (value === null || typeof value !== 'object' || isDataFrame(value)) return false;
  // An SQLStream's rows are read their own way; their columns are not known until then.
  if (isSqlRows(value)) return false;
  const { columns, rows } = value as Partial<RowSource>;
  return Array.isArray(columns) && (isIterable(rows) || isAsyncIterable(rows));
}

/** Whether the CSV writer takes `value` as it is (a stream must be checked chunk by chunk). */
export function isTabular(value: unknown): value is DataFrame | Row[] | RowSource {
  return isDataFrame(value) || isRowArray(value) || isRowSource(value);
}

function hex(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The text of an object value: bytes as `\x…`, plain objects and arrays as JSON, others by their toString. */
function objectText(value: object): string {
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value) || isPlainObject(value)) return jsonText(value);
  if (typeof value.toString === 'function' && value.toString !== Object.prototype.toString) return String(value);
  return jsonText(value);
}

/**
 * The text of a non-NULL value, as bigrays writes it to CSV and to PostgreSQL's COPY alike:
 * strings as they are, numbers and bigints as their digits (`-0` kept), booleans as
 * `true`/`false`, a Date as ISO 8601, bytes as bytea's `\x` hex, plain objects and arrays as
 * JSON, other objects by their `toString`. Throws a RangeError for an invalid Date and a
 * TypeError for a value JSON cannot hold.
 */
export function valueText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new RangeError('an invalid Date');
        return value.toISOString();
      }
      return objectText(value as object);
    default:
      return String(value);
  }
}

/** Whether a value's text may hold a comma, a quote or a line break (strings, JSON, other objects' text). */
export function isFreeText(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array));
}

/** A text as a CSV field: quoted when it must be (the empty string always, so it is told from NULL). */
function quoted(text: string): string {
  if (text === '') return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `text`, if UTF-8 can hold it (no lone surrogate); else a TypeError naming the column and row (0: the header). */
function encodable(text: string, column: string | number, row: number): string {
  const problem = loneSurrogateProblem(text);
  if (problem === undefined) return text;
  throw new TypeError(`CSV: ${row === 0 ? 'a column name' : `column \`${column}\` of row ${row}`} ${problem}`);
}

/** One value as a CSV field (NULL empty and unquoted); `column` and `row` are named by an error. */
function field(value: unknown, column: string | number, row: number): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return quoted(encodable(value, column, row));
  let text: string;
  try {
    text = valueText(value);
  } catch (error) {
    const reason = (error as Error).message;
    const where = (): string => `column \`${column}\` of row ${row}`;
    throw error instanceof RangeError
      ? new RangeError(`CSV: ${reason} in ${where()}`)
      : new TypeError(`CSV: cannot write the value in ${where()}: ${reason}`);
  }
  return isFreeText(value) || typeof value === 'symbol' || typeof value === 'function' ? quoted(encodable(text, column, row)) : text;
}

/** One record as a CSV line, `\n` ended. */
function line(values: readonly unknown[], columns: readonly string[], row: number): string {
  let text = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    text += field(values[i], columns[i] ?? i, row);
  }
  return `${text}\n`;
}

/** One row's values in column order; a row object's missing key is NULL. `label` names the format in errors. */
export function rowValues(row: unknown, columns: readonly string[], index: number, label: string): unknown[] {
  if (Array.isArray(row)) {
    if (row.length !== columns.length) {
      throw new TypeError(`${label}: row ${index} has ${row.length} values for ${columns.length} columns (${columns.join(', ')})`);
    }
    return row;
  }
  if (row === null || typeof row !== 'object' || row instanceof Uint8Array) {
    throw new TypeError(`${label}: row ${index} is ${shown(row, { as: 'kind' })}, expected an array of values or a row object`);
  }
  const record = row as Row;
  return columns.map((column) => ownValue(record, column));
}

/** What the record generators tell the stream: the columns once known, rows written so far. */
export interface RowCounter {
  columns: readonly string[];
  rows: number;
  /** The columns' types, once the header is read, when the input declares them. */
  types?: readonly SqlColumn[];
}

function* syncRecords(columns: readonly string[], rows: Iterable<unknown>, counter: RowCounter, label: string): Generator<unknown[]> {
  if (columns.length === 0) return;
  counter.columns = columns;
  yield [...columns];
  for (const row of rows) {
    counter.rows += 1;
    yield rowValues(row, columns, counter.rows, label);
  }
}

/** Records from async rows; with no columns given, the first row (an object) names them. */
async function* asyncRecords(
  given: readonly string[] | undefined,
  rows: AsyncIterable<unknown>,
  counter: RowCounter,
  label: string,
): AsyncGenerator<unknown[]> {
  let columns = given;
  if (columns !== undefined && columns.length === 0) return;
  if (columns !== undefined) {
    counter.columns = columns;
    yield [...columns];
  }
  for await (const row of rows) {
    counter.rows += 1;
    if (columns === undefined) {
      if (row === null || typeof row !== 'object' || Array.isArray(row) || row instanceof Uint8Array) {
        throw new TypeError(`${label}: row 1 is ${shown(row, { as: 'kind' })}; a stream of rows must hold row objects, or pass { columns, rows }`);
      }
      columns = Object.keys(row);
      if (columns.length === 0) return;
      counter.columns = columns;
      yield [...columns];
    } else if (given === undefined) {
      const known = columns;
      const extra = Object.keys(row as object).filter((key) => !known.includes(key));
      if (extra.length > 0) {
        throw new TypeError(
          `${label}: row ${counter.rows} has ${extra.map((k) => `\`${k}\``).join(', ')}, which the first row lacks; ` +
            'the first row of a stream names the columns, so pass { columns, rows } to name them all',
        );
      }
    }
    yield rowValues(row, columns, counter.rows, label);
  }
}

function records(input: CsvInput, counter: RowCounter, label = 'CSV'): Iterable<unknown[]> | AsyncIterable<unknown[]> {
  // A query's result not yet used as a DataFrame: its columns, read row by row.
  const held = unmadeColumns(input);
  if (held) return syncRecords(held.names, held.rows(), counter, label);
  if (isDataFrame(input)) {
    const table = dataFrameTable(input);
    return syncRecords(table.columns, table.rows, counter, label);
  }
  if (isRowArray(input)) return syncRecords(rowColumns(input), input, counter, label);
  if (isRowSource(input)) {
    const columns = input.columns.map(String);
    return isAsyncIterable(input.rows)
      ? asyncRecords(columns, input.rows, counter, label)
      : syncRecords(columns, input.rows as Iterable<unknown>, counter, label);
  }
  if (isAsyncIterable(input)) return asyncRecords(undefined, input, counter, label);
  throw new TypeError(
    `${label}: cannot write ${shown(input, { as: 'kind' })}; expected a DataFrame, an array of row objects, { columns, rows } or a stream of row objects`,
  );
}

/** The column names, then each row's values in column order: what every format is written from. */
export type RowRecords = AsyncIterable<unknown[]>;

/**
 * The records of `input` (the column names first, then one array of values per row) as one
 * async iterable; `counter` follows the columns and the rows read. Nothing for no columns.
 * Errors name the format being written, `label` ('CSV', 'JSON lines', 'Parquet').
 */
export async function* rowRecords(input: CsvInput, counter: RowCounter, label = 'CSV'): AsyncGenerator<unknown[]> {
  if (isRowSource(input) && input.columnTypes !== undefined) counter.types = input.columnTypes;
  yield* records(input, counter, label);
}

/**
 * A readable stream of the CSV bytes of `input`: a header row, then one line per row. Rows are
 * read as the stream is consumed; an error in the input (or a value that cannot be written)
 * fails the stream.
 */
export function csvStream(input: CsvInput, rowsBefore = 0): CsvStream {
  const counter: RowCounter = { columns: [], rows: 0 };
  let iterator: Iterator<unknown[]> | AsyncIterator<unknown[]> | undefined;
  /** A query's columns not made a DataFrame are written a block of rows at a time, straight from the columns. */
  let blocks: FrameCsv | undefined;
  let busy = false;
  // Lines are built a chunk at a time, synchronously while the rows are at hand: no promise per row.
  const fill = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      iterator ??= (() => {
        const held = unmadeColumns(input);
        if (held !== undefined && held.names.length > 0) {
          counter.columns = held.names;
          blocks = new FrameCsv(held, field, rowsBefore);
          return [[...held.names]][Symbol.iterator]();
        }
        const source = records(input, counter);
        return Symbol.asyncIterator in source
          ? (source as AsyncIterable<unknown[]>)[Symbol.asyncIterator]()
          : (source as Iterable<unknown[]>)[Symbol.iterator]();
      })();
      for (;;) {
        let text = '';
        let done = false;
        while (text.length < CHUNK_CHARS) {
          const step = iterator.next();
          const next = step instanceof Promise ? await step : step;
          if (next.done) {
            const block = blocks?.block();
            if (block !== undefined) {
              text += block;
              counter.rows = (blocks as FrameCsv).rows;
              continue;
            }
            done = true;
            break;
          }
          // The header is record 0: its row number is never shown. Rows are numbered over the whole export.
          text += line(next.value, counter.columns, rowsBefore + counter.rows);
        }
        const more = text === '' || stream.push(text);
        if (done) {
          stream.push(null);
          return;
        }
        if (!more || stream.destroyed) return;
      }
    } catch (error) {
      stream.destroy(error as Error);
    } finally {
      busy = false;
    }
  };
  const stream = new Readable({
    read() {
      void fill();
    },
    destroy(error, callback) {
      // Stopped early: the source (a SQL stream, a file) is let go, without waiting on it.
      void Promise.resolve()
        .then(() => iterator?.return?.())
        .catch(() => undefined);
      callback(error);
    },
  });
  Object.defineProperty(stream, 'rowCount', { get: () => counter.rows, enumerable: true });
  return stream as CsvStream;
}

/** The CSV text of `input`, for small inputs (tests, e-mails); large ones should stream with `csvStream`. */
export async function toCsv(input: CsvInput): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of csvStream(input)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
