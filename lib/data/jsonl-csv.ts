/**
 * JSON lines from the server's own CSV of a query (PostgreSQL's `COPY … CSV, HEADER`) and its
 * columns as the server declares them: each field's JSON is made from its bytes by the
 * column's kind, straight into output buffers, the same JSON the JSON lines writer makes of
 * the values the SQL tasks read (./jsonl.ts `jsonValue`): integers as their digits, floats as
 * JavaScript writes the number (NaN and ±Infinity refused), booleans, bytea as `"\\x…"`,
 * timestamps as ISO 8601 (`T`, `Z` in UTC), NULL (an empty unquoted field) as `null`, anything
 * else (exact numerics, dates, json, arrays, uuid, types no table knows) as a JSON string of
 * the server's text.
 */
import { byteaBytes } from './bytea';
import { ByteSink } from './byte-sink';
import { jsonStringRoom, writeJsonString } from './json-string-bytes';
import { ServerCsvRecords } from './server-csv-records';
import type { SqlColumn } from './sql-columns';

/** How a column's field becomes JSON. */
const RAW = 0;
const FLOAT = 1;
const BOOL = 2;
const BYTES = 3;
const TIMESTAMP = 4;
const TIMESTAMPTZ = 5;
const TEXT = 6;

const QUOTE = 0x22;
const LF = 0x0a;
const DASH = 0x2d;
const SPACE = 0x20;

/** Bytes of output gathered before they are handed on. */
const OUT_BYTES = 256 * 1024;

function wayOf(column: SqlColumn): number {
  switch (column.kind) {
    case 'int16':
    case 'int32':
    case 'int64':
      return RAW;
    case 'float32':
    case 'float64':
      return FLOAT;
    case 'boolean':
      return BOOL;
    case 'bytes':
      return BYTES;
    case 'timestamp':
      return TIMESTAMP;
    case 'timestamptz':
      return TIMESTAMPTZ;
    default:
      return TEXT;
  }
}

/** Converts the server's CSV, chunk by chunk, to JSON lines. */
export class CsvJsonl extends ServerCsvRecords {
  private readonly ways: Uint8Array;
  /** `{"name":` for the first column, `,"name":` for the others. */
  private readonly keys: Buffer[];
  private readonly sink = new ByteSink(OUT_BYTES);

  constructor(columns: readonly SqlColumn[], rowsBefore = 0) {
    super('JSON lines', columns.map((column) => column.name), rowsBefore);
    this.ways = Uint8Array.from(columns, wayOf);
    this.keys = columns.map((column, j) => Buffer.from(`${j === 0 ? '{' : ','}${JSON.stringify(column.name)}:`, 'utf8'));
  }

  /** The JSON lines of the records `chunk` completes; a record it cuts short waits for the next chunk. */
  push(chunk: Buffer): Buffer[] {
    this.feed(chunk);
    return this.sink.take();
  }

  /** The JSON lines of what is left once the CSV has ended (a last record without its line feed). */
  end(): Buffer[] {
    this.finish();
    return this.sink.take();
  }

  /**
   * Writes the record whose fields are bounded in `buf`; the output buffer and position are kept
   * in locals (the sink is told when it must grow, and at the end).
   */
  protected write(buf: Buffer): void {
    const { ways, starts, ends, quoted, sink } = this;
    let out = sink.buf;
    let pos = sink.pos;
    for (let j = 0; j < ways.length; j++) {
      const from = starts[j];
      const to = ends[j];
      const isQuoted = quoted[j] === 1;
      const key = this.keys[j];
      const need = key.length + jsonStringRoom(to - from) + 16;
      if (pos + need > out.length) {
        sink.pos = pos;
        sink.room(need);
        out = sink.buf;
        pos = sink.pos;
      }
      for (let k = 0; k < key.length; k++) out[pos++] = key[k];
      if (to === from && !isQuoted) {
        out[pos++] = 0x6e; // null
        out[pos++] = 0x75;
        out[pos++] = 0x6c;
        out[pos++] = 0x6c;
        continue;
      }
      switch (ways[j]) {
        case RAW:
          for (let i = from; i < to; i++) out[pos++] = buf[i];
          continue;
        case BOOL:
          pos = writeBoolean(out, pos, buf[from] === 0x74 /* t */);
          continue;
        case TIMESTAMP:
        case TIMESTAMPTZ: {
          const end = isoTimestampEnd(buf, from, to, ways[j] === TIMESTAMPTZ);
          if (end < 0) break;
          out[pos++] = QUOTE;
          for (let i = from; i < from + 10; i++) out[pos++] = buf[i];
          out[pos++] = 0x54; // T
          for (let i = from + 11; i < end; i++) out[pos++] = buf[i];
          if (end < to) out[pos++] = 0x5a; // Z
          out[pos++] = QUOTE;
          continue;
        }
        case FLOAT:
        case BYTES: {
          const text = ways[j] === FLOAT ? this.float(j, buf.toString('latin1', from, to)) : bytea(buf, from, to, isQuoted);
          sink.pos = pos;
          sink.ascii(text);
          out = sink.buf;
          pos = sink.pos;
          continue;
        }
        default:
          break;
      }
      pos = writeJsonString(buf, from, to, out, pos, isQuoted);
    }
    if (pos + 2 > out.length) {
      sink.pos = pos;
      sink.room(2);
      out = sink.buf;
      pos = sink.pos;
    }
    out[pos++] = 0x7d; // }
    out[pos++] = LF;
    sink.pos = pos;
    sink.begin();
  }

  /** A float's JSON number; NaN and ±Infinity refused as the JSON lines writer refuses them. */
  private float(j: number, text: string): string {
    const value = Number(text);
    if (Number.isFinite(value)) return String(value);
    throw new TypeError(
      `JSON lines: cannot write column ${JSON.stringify(this.names[j])} of row ${this.rowsBefore + this.rows + 1}: JSON lines: ${value} has no JSON form`,
    );
  }
}

/** bytea's text as a JSON string: `"\\x…"`, the escape form (bytea_output = escape) as hex. */
function bytea(buf: Buffer, from: number, to: number, quoted: boolean): string {
  const text = buf.toString('latin1', from, to);
  if (text.startsWith('\\x')) return `"\\${text}"`;
  return JSON.stringify(`\\x${byteaBytes(quoted ? text.replace(/""/g, '"') : text).toString('hex')}`);
}

/**
 * Where the time of a timestamp `YYYY-MM-DD HH:MM:SS…` ends, as the SQL tasks read it: ISO
 * 8601 is its date, `T`, its time to there, and `Z` when that is before `to` (`zoned`: `+00`
 * or `+00:00` dropped). -1 for any other text (BC, five-digit years, `infinity`), which stays
 * the server's text.
 */
function isoTimestampEnd(buf: Buffer, from: number, to: number, zoned: boolean): number {
  const n = to - from;
  if (n < 19 || buf[from + 4] !== DASH || buf[from + 10] !== SPACE || buf[to - 1] === 0x43 /* C */) return -1;
  if (!zoned) return to;
  if (buf[to - 3] === 0x2b && buf[to - 2] === 0x30 && buf[to - 1] === 0x30) return to - 3; // +00
  if (n >= 6 && buf[to - 6] === 0x2b && buf[to - 5] === 0x30 && buf[to - 4] === 0x30 && buf[to - 3] === 0x3a && buf[to - 2] === 0x30 && buf[to - 1] === 0x30) {
    return to - 6; // +00:00
  }
  return to;
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** Writes `true` or `false` at `pos`; the position after it. */
function writeBoolean(out: Buffer, pos: number, value: boolean): number {
  const text = value ? TRUE : FALSE;
  for (let i = 0; i < text.length; i++) out[pos++] = text[i];
  return pos;
}
