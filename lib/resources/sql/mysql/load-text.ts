/**
 * Rows as the text `LOAD DATA … FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY
 * '\n'` reads: NULL as `\N`, and in every other field the tab, line feed, carriage return, NUL
 * and backslash escaped with a backslash, so that `''` stays the empty string and any text or
 * bytes are data. Made in buffers of about LOAD_CHUNK bytes, a batch of rows at a time.
 */
import { readBatches } from '../../../data/row-batches';
import { jsonText } from '../../../data/json';
import { LoadError } from '../load';
import { isJsonValue } from '../values';
import { utcDatetime } from './values';

/** How many bytes of text go to the server at a time. */
export const LOAD_CHUNK = 256 * 1024;

const BACKSLASH = 0x5c;
/** The byte after a backslash for each byte that must be escaped. */
const ESCAPES: Record<number, number> = { 0x00: 0x30, 0x09: 0x74, 0x0a: 0x6e, 0x0d: 0x72, [BACKSLASH]: BACKSLASH };
const NULL_FIELD = Buffer.from('\\N');

/** `bytes` with every byte of ESCAPES escaped. */
export function escapeBytes(bytes: Buffer): Buffer {
  let extra = 0;
  for (const byte of bytes) if (ESCAPES[byte] !== undefined) extra += 1;
  if (extra === 0) return bytes;
  const out = Buffer.allocUnsafe(bytes.length + extra);
  let at = 0;
  for (const byte of bytes) {
    const escaped = ESCAPES[byte];
    if (escaped === undefined) out[at++] = byte;
    else {
      out[at++] = BACKSLASH;
      out[at++] = escaped;
    }
  }
  return out;
}

/** The text of a value: dates in UTC, an offset timestamp for a DATETIME column in UTC, objects as JSON. */
function valueText(value: unknown, datetime: boolean): string | Buffer {
  switch (typeof value) {
    case 'string':
      return datetime ? utcDatetime(value) : value;
    case 'boolean':
      return value ? '1' : '0';
    case 'number':
    case 'bigint':
      return String(value);
    default:
      if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (isJsonValue(value)) return jsonText(value);
      return String(value);
  }
}

/** One field, escaped. */
export function loadField(value: unknown, datetime = false): Buffer {
  if (value === null || value === undefined) return NULL_FIELD;
  const text = valueText(value, datetime);
  return escapeBytes(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
}

const TAB = Buffer.from('\t');
const LF = Buffer.from('\n');

/**
 * The load text of `rows` (values in column order, read a batch at a time), in chunks of about
 * LOAD_CHUNK bytes; `datetime[i]` tells the columns whose offset timestamps are written in UTC.
 * `counted` learns how many rows were made; `check` runs between batches (an abort stops here).
 */
export async function* loadText(
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
  datetime: readonly boolean[],
  counted: { rows: number },
  check?: () => void,
): AsyncGenerator<Buffer> {
  let pieces: Buffer[] = [];
  let size = 0;
  for await (const batch of readBatches(rows)) {
    check?.();
    for (const row of batch) {
      counted.rows += 1;
      try {
        for (let i = 0; i < row.length; i++) {
          const field = loadField(row[i], datetime[i]);
          pieces.push(field, i === row.length - 1 ? LF : TAB);
          size += field.length + 1;
        }
      } catch (error) {
        throw new LoadError(`cannot write a value of row ${counted.rows}: ${(error as Error).message}`, counted.rows, error);
      }
      if (size >= LOAD_CHUNK) {
        yield Buffer.concat(pieces, size);
        pieces = [];
        size = 0;
      }
    }
  }
  if (size > 0) yield Buffer.concat(pieces, size);
}
