/**
 * The bytes ToS3 and ToCSV write for a task's `input`: tabular data (a DataFrame, row objects,
 * `{ columns, rows }`, a stream of row objects) in the format asked for, looked up in the format
 * table (`./formats/table.ts`; CSV unless told), a string as UTF-8 (one with a lone surrogate,
 * which UTF-8 cannot hold, refused), bytes as they are, a stream of bytes as it is. Streams stay
 * streams: nothing here reads a whole stream into memory.
 */
import { pipeline, Readable, Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { shown } from '../messages';
import { isTabular, type CsvInput, type RowSource } from './csv';
import type { Format } from './formats/format';
import { DATA_FORMATS, formatOf, listed, type DataFormat } from './formats/table';
import type { Row } from './frame';
import { isSqlRows, type CsvCopy, type ServerCsv, type SqlRows } from './sql-rows';
import { loneSurrogateProblem } from './text-encoding';

export { DATA_FORMATS, type DataFormat };

/** Whether the bytes are compressed. */
export type Compression = 'none' | 'gzip';

export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip'];

/** The content type of a gzip file (a `.gz` object). */
export const GZIP_CONTENT_TYPE = 'application/gzip';

export interface PayloadOptions {
  /** How tabular input is written: a name in the format table. @default 'csv' */
  format?: DataFormat;
  /** @default 'none' */
  compression?: Compression;
}

/** A format other than CSV was asked for an input that is not rows. */
export class NotTabularError extends TypeError {
  constructor(format: Format, got: string) {
    super(`format '${format.name}' writes rows (a DataFrame, row objects, { columns, rows } or a stream of row objects); got ${got}`);
    this.name = 'NotTabularError';
  }
}

export interface Payload {
  /** How the input became bytes. */
  kind: DataFormat | 'text' | 'bytes';
  /** Whether the bytes are gzip-compressed. */
  gzip?: boolean;
  /** The bytes: in memory already (a string's or a Buffer's), or a stream to read once. */
  body: Buffer | Readable;
  /** The content type the bytes have, when known. */
  contentType?: string;
  /** Rows written so far (rows of any format; undefined for text and bytes). */
  rows(): number | undefined;
}

/** The input kinds, as error messages name them. */
export const PAYLOAD_KINDS =
  'a DataFrame, an array of row objects, { columns, rows }, SqlRows (an SQLStream\'s output), a string, a Buffer/Uint8Array, or a readable stream (of bytes or of row objects)';

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

/** A byte-mode Node stream: its chunks are bytes, no need to look. */
function isByteStream(value: unknown): value is Readable {
  return value instanceof Readable && !value.readableObjectMode;
}

/**
 * The payload of rows in `format`. `rowsBefore`: rows written before these (the parts before
 * this one of a split export), so that an error names the row as counted over the whole export.
 */
export function rowsPayload(input: CsvInput, format: Format, rowsBefore = 0): Payload {
  const written = format.writeRows(input, rowsBefore);
  return { kind: format.name as DataFormat, body: written.body, contentType: format.contentType, rows: written.rows };
}

/** The payload of bytes already in `format` (the server's CSV: a header line, then records), `rows` the records read so far. */
export function csvBytesPayload(body: Readable, format: Format, rows: () => number | undefined): Payload {
  return { kind: format.name as DataFormat, body, contentType: format.contentType, rows };
}

/** The payload of an SQLStream's rows written by `format` from the server's CSV of them and their column types. */
export function serverCsvPayload(copy: ServerCsv, format: Format, rowsBefore = 0): Payload {
  const written = format.writeServerCsv!(copy, rowsBefore);
  return { kind: format.name as DataFormat, body: written.body, contentType: format.contentType, rows: written.rows };
}

/** `payload` gzip-compressed when `compression` says so. */
export function compressed(payload: Payload, compression: Compression | undefined): Payload {
  if (compression === undefined || compression === 'none') return payload;
  if (compression === 'gzip') return gzipped(payload);
  throw new TypeError(`unknown compression '${String(compression)}': the compressions are ${listed(COMPRESSIONS)}`);
}

/** `payload` gzip-compressed. */
function gzipped(payload: Payload): Payload {
  const source = Buffer.isBuffer(payload.body) ? Readable.from([payload.body]) : payload.body;
  const gzip = createGzip();
  pipeline(source, gzip, () => {
    /* an error destroys `gzip` with it, which its reader sees */
  });
  return { ...payload, body: gzip, gzip: true };
}

/** `first` then the rest of `iterator`; returning early closes the source. */
async function* resume<T>(first: T, iterator: AsyncIterator<T>): AsyncGenerator<T> {
  let finished = false;
  try {
    yield first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}

/** `text`, if UTF-8 can hold it (no lone surrogate); else a TypeError naming it as `what`. */
function utf8Text(text: string, what: string): string {
  const problem = loneSurrogateProblem(text);
  if (problem === undefined) return text;
  throw new TypeError(`${what} ${problem}`);
}

async function* byteChunks(chunks: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  let index = 0;
  for await (const chunk of chunks) {
    index += 1;
    if (typeof chunk === 'string') yield Buffer.from(utf8Text(chunk, `chunk ${index} of the input stream`), 'utf8');
    else if (isBytes(chunk)) yield asBuffer(chunk);
    else throw new TypeError(`chunk ${index} of the input stream is ${shown(chunk, { as: 'kind' })}, but the stream began with bytes`);
  }
}

/**
 * An object-mode stream or async iterable: its first chunk tells whether it carries bytes
 * (Buffer, Uint8Array, string) or row objects.
 */
async function streamPayload(source: AsyncIterable<unknown>, format: Format): Promise<Payload> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) {
    if (!format.acceptsBytes) return rowsPayload({ columns: [], rows: [] }, format);
    return { kind: 'bytes', body: Buffer.alloc(0), rows: () => undefined };
  }
  const chunks = resume(first.value, iterator);
  const value: unknown = first.value;
  if (typeof value === 'string' || isBytes(value)) {
    if (!format.acceptsBytes) {
      await iterator.return?.();
      throw new NotTabularError(format, 'a stream of bytes');
    }
    return { kind: 'bytes', body: Readable.from(byteChunks(chunks), { objectMode: false }), rows: () => undefined };
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return rowsPayload(chunks as AsyncIterable<Row>, format);
  }
  await iterator.return?.();
  throw new TypeError(`the input stream's first chunk is ${shown(value, { as: 'kind' })}; expected bytes, text or row objects`);
}

/** Whether `input` can be read only once (a stream, an async iterable such as a SQL stream's rows). */
export function isOneShot(input: unknown): boolean {
  if (input instanceof Readable || isAsyncIterable(input)) return true;
  const rows = input !== null && typeof input === 'object' ? (input as { rows?: unknown }).rows : undefined;
  return rows !== undefined && !Array.isArray(rows) && (rows instanceof Readable || isAsyncIterable(rows));
}

/**
 * The CSV of an `SQLStream`'s rows: written by the server itself where it can (PostgreSQL's
 * COPY, byte for byte), else by the CSV writer as the rows are read.
 */
async function sqlRowsPayload(input: SqlRows, format: Format): Promise<Payload> {
  const read = await readSqlRows(input, format);
  if ('copy' in read) return csvBytesPayload(read.copy.stream, format, read.copy.rows);
  return 'typed' in read ? serverCsvPayload(read.typed, format) : rowsPayload(read.rows, format);
}

/**
 * How an `SQLStream`'s rows are read to be written in `format`: as CSV from PostgreSQL, the
 * bytes of COPY itself; for a format written from the server's text (JSON lines), COPY's CSV
 * with the query's column types; else the rows, for a writer.
 */
export async function readSqlRows(input: SqlRows, format: Format): Promise<{ copy: CsvCopy } | { typed: ServerCsv } | { rows: RowSource }> {
  const copy = format.takesServerCsv ? await input.copyCsv() : undefined;
  if (copy) return { copy };
  const typed = format.writeServerCsv ? await input.copyTyped() : undefined;
  if (typed) return { typed };
  const opened = await input.open();
  return { rows: { columns: opened.columns, rows: opened.rows, columnTypes: opened.columnTypes } };
}

/**
 * The bytes to write for `input`. Throws a TypeError naming the accepted kinds for anything
 * else.
 */
export async function payloadOf(input: unknown, options: PayloadOptions = {}): Promise<Payload> {
  return compressed(await plainPayload(input, formatOf(options.format ?? 'csv')), options.compression);
}

async function plainPayload(input: unknown, format: Format): Promise<Payload> {
  if (!format.acceptsBytes && !isTabular(input) && !isSqlRows(input) && !(isAsyncIterable(input) && !isByteStream(input))) {
    throw new NotTabularError(format, typeof input === 'string' ? 'a string' : isBytes(input) ? 'bytes' : isByteStream(input) ? 'a stream of bytes' : shown(input, { as: 'kind' }));
  }
  if (typeof input === 'string') {
    return { kind: 'text', body: Buffer.from(utf8Text(input, 'the string'), 'utf8'), contentType: 'text/plain; charset=utf-8', rows: () => undefined };
  }
  if (isBytes(input)) return { kind: 'bytes', body: asBuffer(input), rows: () => undefined };
  if (isSqlRows(input)) return sqlRowsPayload(input, format);
  if (isTabular(input)) return rowsPayload(input, format);
  if (isByteStream(input)) return { kind: 'bytes', body: input, rows: () => undefined };
  if (isAsyncIterable(input)) return streamPayload(input, format);
  throw new TypeError(`input must be ${PAYLOAD_KINDS}; got ${shown(input, { as: 'kind' })}`);
}

/** `body` as a stream that counts the bytes read through it. An error in `body` fails the stream. */
export function countingStream(body: Readable): { stream: Readable; bytes: () => number } {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  pipeline(body, counter, () => {
    /* an error destroys `counter` with it, which its reader sees */
  });
  return { stream: counter, bytes: () => bytes };
}

/**
 * The content headers of a payload written to `target`: a `.gz` name is a gzip file
 * (`application/gzip`, no Content-Encoding, so a download stays the compressed file); gzip under
 * another name keeps the format's type with `Content-Encoding: gzip`.
 */
export function contentHeaders(payload: Payload, target: string): { ContentType?: string; ContentEncoding?: string } {
  if (!payload.gzip) return payload.contentType === undefined ? {} : { ContentType: payload.contentType };
  if (target.toLowerCase().endsWith('.gz')) return { ContentType: GZIP_CONTENT_TYPE };
  return { ...(payload.contentType === undefined ? {} : { ContentType: payload.contentType }), ContentEncoding: 'gzip' };
}
