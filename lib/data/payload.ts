/**
 * The bytes ToS3 and ToCSV write for a task's `input`: tabular data (a DataFrame, row objects,
 * `{ columns, rows }`, a stream of row objects) as CSV through the one CSV writer, a string as
 * UTF-8, bytes as they are, a stream of bytes as it is. Streams stay streams: nothing here
 * reads a whole stream into memory.
 */
import { pipeline, Readable, Transform } from 'node:stream';
import { csvStream, CSV_CONTENT_TYPE, isTabular, type CsvStream } from './csv';
import type { Row } from './frame';
import { isSqlRows, type SqlRows } from './sql-rows';

export interface Payload {
  /** How the input became bytes. */
  kind: 'csv' | 'text' | 'bytes';
  /** The bytes: in memory already (a string's or a Buffer's), or a stream to read once. */
  body: Buffer | Readable;
  /** The content type the bytes have, when known. */
  contentType?: string;
  /** Rows written so far (CSV only). */
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

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array of non-objects';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return typeof value;
}

function csvPayload(stream: CsvStream): Payload {
  return { kind: 'csv', body: stream, contentType: CSV_CONTENT_TYPE, rows: () => stream.rowCount };
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

async function* byteChunks(chunks: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  let index = 0;
  for await (const chunk of chunks) {
    index += 1;
    if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (isBytes(chunk)) yield asBuffer(chunk);
    else throw new TypeError(`chunk ${index} of the input stream is ${describe(chunk)}, but the stream began with bytes`);
  }
}

/**
 * An object-mode stream or async iterable: its first chunk tells whether it carries bytes
 * (Buffer, Uint8Array, string) or row objects.
 */
async function streamPayload(source: AsyncIterable<unknown>): Promise<Payload> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return { kind: 'bytes', body: Buffer.alloc(0), rows: () => undefined };
  const chunks = resume(first.value, iterator);
  const value: unknown = first.value;
  if (typeof value === 'string' || isBytes(value)) {
    return { kind: 'bytes', body: Readable.from(byteChunks(chunks), { objectMode: false }), rows: () => undefined };
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return csvPayload(csvStream(chunks as AsyncIterable<Row>));
  }
  await iterator.return?.();
  throw new TypeError(`the input stream's first chunk is ${describe(value)}; expected bytes, text or row objects`);
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
async function sqlRowsPayload(input: SqlRows): Promise<Payload> {
  const copy = await input.copyCsv();
  if (copy) return { kind: 'csv', body: copy.stream, contentType: CSV_CONTENT_TYPE, rows: copy.rows };
  const opened = await input.open();
  return csvPayload(csvStream({ columns: opened.columns, rows: opened.rows }));
}

/**
 * The bytes to write for `input`. Throws a TypeError naming the accepted kinds for anything
 * else.
 */
export async function payloadOf(input: unknown): Promise<Payload> {
  if (typeof input === 'string') {
    return { kind: 'text', body: Buffer.from(input, 'utf8'), contentType: 'text/plain; charset=utf-8', rows: () => undefined };
  }
  if (isBytes(input)) return { kind: 'bytes', body: asBuffer(input), rows: () => undefined };
  if (isSqlRows(input)) return sqlRowsPayload(input);
  if (isTabular(input)) return csvPayload(csvStream(input));
  if (isByteStream(input)) return { kind: 'bytes', body: input, rows: () => undefined };
  if (isAsyncIterable(input)) return streamPayload(input);
  throw new TypeError(`input must be ${PAYLOAD_KINDS}; got ${describe(input)}`);
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
