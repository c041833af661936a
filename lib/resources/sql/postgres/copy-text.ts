/**
 * Rows as the CSV text of `COPY … FROM STDIN WITH (FORMAT csv)`, exactly: NULL (and undefined)
 * as an empty unquoted field, text and JSON always quoted (so `''` stays the empty string and
 * commas, quotes, CR/LF and `\.` are data), booleans as `t`/`f`, every other value as the CSV
 * writer's text (`valueText`). A bulk load writes it as UTF-8 straight into buffers, with no
 * string per field for the common values (text, numbers, booleans, NULL).
 */
import { isFreeText, valueText } from '../../../data/csv';
import { breakInside, countChar, type CopyLines } from '../../../data/copy-lines';
import { readBatches } from '../../../data/row-batches';
import { LoadError } from '../load';

const QUOTES = /"/g;

/** A quoted CSV field: always quoted, so that it is never NULL, and `""` is the empty string. */
function quoted(text: string): string {
  return text.indexOf('"') === -1 ? `"${text}"` : `"${text.replace(QUOTES, '""')}"`;
}

/** A value as a field of COPY's CSV (see the file's comment). */
export function copyField(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quoted(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : `${value}`;
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return '';
    default: {
      if (value === null) return '';
      const text = valueText(value);
      return isFreeText(value) ? quoted(text) : text;
    }
  }
}

/** One CSV line of COPY for a row. */
export function copyLine(row: readonly unknown[]): string {
  let line = copyField(row[0]);
  for (let i = 1; i < row.length; i++) line += `,${copyField(row[i])}`;
  return `${line}\n`;
}

/** How many bytes of COPY text go to the server at a time. */
export const COPY_CHUNK = 256 * 1024;

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const MINUS = 45;
const ZERO = 48;

/** COPY text built in buffers of COPY_CHUNK bytes; full ones wait in `ready`. */
class CopyBuffers {
  ready: Buffer[] = [];
  buffer = Buffer.allocUnsafe(COPY_CHUNK);
  at = 0;

  /** Room for `bytes` more bytes in the buffer being filled (a bigger buffer for a big row). */
  room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    if (this.at > 0) this.ready.push(this.buffer.subarray(0, this.at));
    this.buffer = Buffer.allocUnsafe(Math.max(COPY_CHUNK, bytes));
    this.at = 0;
  }

  /** The buffer being filled, as it is; a new one is begun. */
  rest(): Buffer | undefined {
    if (this.at === 0) return undefined;
    const last = this.buffer.subarray(0, this.at);
    this.buffer = Buffer.alloc(0);
    this.at = 0;
    return last;
  }
}

/** The most bytes a number takes as text (`-1.2345678901234567e-308`). */
const NUMBER_BYTES = 25;

/**
 * The most bytes the row's values take as COPY text, or -1 when it holds a value of another
 * kind (bigint, Date, bytes, JSON), written the careful way.
 */
function rowBound(row: readonly unknown[], width: number): number {
  let bound = width;
  for (let i = 0; i < width; i++) {
    const value = row[i];
    switch (typeof value) {
      case 'string':
        // A UTF-16 unit is at most 3 bytes of UTF-8; an ASCII quote doubled is 2.
        bound += 3 * value.length + 2;
        break;
      case 'number':
        bound += NUMBER_BYTES;
        break;
      case 'boolean':
      case 'undefined':
        bound += 1;
        break;
      default:
        if (value !== null) return -1;
    }
  }
  return bound;
}

/**
 * `text` quoted, its quotes doubled, at `out.at` (room made), which it moves to the end; the
 * number of `counted` chars (line breaks) in it.
 */
function putQuoted(out: CopyBuffers, text: string, counted: number): number {
  const buffer = out.buffer;
  const n = text.length;
  let at = out.at;
  let breaks = 0;
  buffer[at++] = QUOTE;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) break;
    if (c === QUOTE) buffer[at++] = QUOTE;
    else if (c === counted) breaks += 1;
    buffer[at++] = c;
  }
  if (i < n) {
    // The rest holds other than ASCII: written as UTF-8 by Buffer.
    const rest = i === 0 ? text : text.slice(i);
    at += buffer.write(rest.indexOf('"') === -1 ? rest : rest.replace(QUOTES, '""'), at);
    breaks += countChar(rest, String.fromCharCode(counted));
  }
  buffer[at++] = QUOTE;
  out.at = at;
  return breaks;
}

/** A number at `at` (room made), as copyField writes it; the end. */
function putNumber(buffer: Buffer, at: number, value: number): number {
  if (!Number.isSafeInteger(value) || Object.is(value, -0)) return at + buffer.write(copyField(value), at, 'latin1');
  let rest = value;
  if (rest < 0) {
    buffer[at++] = MINUS;
    rest = -rest;
  }
  let end = at;
  for (let left = rest; left >= 10; left = Math.floor(left / 10)) end += 1;
  const after = end + 1;
  do {
    const next = Math.floor(rest / 10);
    buffer[end--] = ZERO + (rest - next * 10);
    rest = next;
  } while (rest > 0);
  return after;
}

/** A row holding values of other kinds: each value's text made by copyField. */
function putRow(out: CopyBuffers, row: readonly unknown[], width: number, counted: string): number {
  let breaks = 0;
  let line = '';
  for (let i = 0; i < width; i++) {
    const field = copyField(row[i]);
    if (typeof row[i] === 'string' || (row[i] !== null && typeof row[i] === 'object')) breaks += countChar(field, counted);
    line += i === 0 ? field : `,${field}`;
  }
  line += '\n';
  out.room(3 * line.length);
  out.at += out.buffer.write(line, out.at);
  return breaks;
}

/** Writes a batch of rows, the first of which is row `first` of the load, noting the rows with line breaks in `lines`. */
function writeBatch(out: CopyBuffers, rows: readonly unknown[][], width: number, first: number, lines: CopyLines): void {
  let r = 0;
  try {
    for (; r < rows.length; r++) {
      const row = rows[r];
      if (row.length !== width) throw new LoadError(`row ${first + r} has ${row.length} values for ${width} columns`, first + r, undefined);
      const counted = breakInside('\n', first + r);
      const bound = rowBound(row, width);
      let breaks = 0;
      if (bound < 0) breaks = putRow(out, row, width, counted);
      else {
        out.room(bound);
        const buffer = out.buffer;
        const code = counted.charCodeAt(0);
        let at = out.at;
        for (let i = 0; i < width; i++) {
          const value = row[i];
          if (i > 0) buffer[at++] = COMMA;
          switch (typeof value) {
            case 'string':
              out.at = at;
              breaks += putQuoted(out, value, code);
              at = out.at;
              break;
            case 'number':
              at = putNumber(buffer, at, value);
              break;
            case 'boolean':
              buffer[at++] = value ? 116 : 102;
              break;
            default:
            // NULL: nothing.
          }
        }
        buffer[at++] = LF;
        out.at = at;
      }
      if (breaks > 0) lines.add(first + r, breaks);
    }
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(`cannot write a value of row ${first + r}: ${(error as Error).message}`, first + r, error);
  }
}

/**
 * The COPY text of `rows` (values in column order, read a batch at a time), in buffers of about
 * COPY_CHUNK bytes; `lines` learns which rows hold line breaks (COPY counts them as lines).
 */
export async function* copyRowsText(
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
  width: number,
  lines: CopyLines,
): AsyncGenerator<Buffer> {
  const out = new CopyBuffers();
  let count = 0;
  for await (const batch of readBatches(rows)) {
    writeBatch(out, batch, width, count + 1, lines);
    count += batch.length;
    if (out.ready.length > 0) {
      yield* out.ready;
      out.ready = [];
    }
  }
  const last = out.rest();
  if (last) yield last;
}
