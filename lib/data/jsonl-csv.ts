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
import type { SqlColumn } from './sql-columns';

/** How a column's field becomes JSON. */
const RAW = 0;
const FLOAT = 1;
const BOOL = 2;
const BYTES = 3;
const TIMESTAMP = 4;
const TIMESTAMPTZ = 5;
const TEXT = 6;

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
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

/** The index of the quote that closes the quoted field opening at `p`; -1 when `buf` ends first. */
function closingQuote(buf: Buffer, p: number): number {
  let from = p + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, from);
    if (q < 0 || q + 1 >= buf.length) return q < 0 ? -1 : q;
    if (buf[q + 1] !== QUOTE) return q;
    from = q + 2;
  }
}

/** Where the header line that starts `buf` ends (after its line feed); -1 when `buf` ends first. */
function headerEnd(buf: Buffer): number {
  let quoted = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === QUOTE) quoted = !quoted;
    else if (c === LF && !quoted) return i + 1;
  }
  return -1;
}

/** Converts the server's CSV, chunk by chunk, to JSON lines. */
export class CsvJsonl {
  /** Data rows written. */
  rows = 0;
  private readonly ways: Uint8Array;
  /** `{"name":` for the first column, `,"name":` for the others. */
  private readonly keys: Buffer[];
  private readonly sink = new ByteSink(OUT_BYTES);
  private header = true;
  private carry: Buffer | undefined;

  constructor(
    private readonly columns: readonly SqlColumn[],
    /** Rows written before these (a split export's earlier parts), so that an error names the row as counted over the whole export. */
    private readonly rowsBefore = 0,
  ) {
    this.ways = Uint8Array.from(columns, wayOf);
    this.keys = columns.map((column, j) => Buffer.from(`${j === 0 ? '{' : ','}${JSON.stringify(column.name)}:`, 'utf8'));
  }

  /** The JSON lines of the records `chunk` completes; a record it cuts short waits for the next chunk. */
  push(chunk: Buffer): Buffer[] {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = this.records(buf, false);
    this.carry = end < buf.length ? buf.subarray(end) : undefined;
    return this.sink.take();
  }

  /** The JSON lines of what is left once the CSV has ended (a last record without its line feed). */
  end(): Buffer[] {
    const rest = this.carry;
    this.carry = undefined;
    if (rest && this.records(rest, true) < rest.length) throw new TypeError(`JSON lines: the server's CSV ended inside row ${this.rowsBefore + this.rows + 1}`);
    return this.sink.take();
  }

  /** Writes the whole records of `buf`; the index after the last of them. */
  private records(buf: Buffer, final: boolean): number {
    let p = 0;
    if (this.header) {
      p = headerEnd(buf);
      if (p < 0) return final ? buf.length : 0;
      this.header = false;
    }
    const sink = this.sink;
    while (p < buf.length) {
      sink.begin();
      const next = this.record(buf, p, final);
      if (next < 0) {
        sink.undo();
        break;
      }
      p = next;
      this.rows += 1;
    }
    sink.begin();
    return p;
  }

  /** Writes the record at `p`: the index after its line feed, or -1 when `buf` ends first. */
  private record(buf: Buffer, p: number, final: boolean): number {
    const n = buf.length;
    const width = this.ways.length;
    const sink = this.sink;
    for (let j = 0; j < width; j++) {
      const last = j === width - 1;
      sink.bytes(this.keys[j]);
      if (p < n && buf[p] === QUOTE) {
        const q = closingQuote(buf, p);
        if (q < 0 || (q + 1 >= n && !final)) return -1;
        this.value(j, buf, p + 1, q, true);
        p = q + 1;
      } else {
        let e = buf.indexOf(last ? LF : COMMA, p);
        if (e < 0) {
          if (!final || !last) return -1;
          e = n;
        }
        const to = last && e > p && buf[e - 1] === CR ? e - 1 : e;
        if (to === p) sink.ascii('null');
        else this.value(j, buf, p, to, false);
        p = e;
      }
      if (p < n && buf[p] === CR && last) p += 1;
      if (p >= n) {
        if (!(final && last)) return -1;
      } else if (buf[p] !== (last ? LF : COMMA)) {
        throw new TypeError(`JSON lines: the server's CSV has ${JSON.stringify(String.fromCharCode(buf[p]))} after column ${JSON.stringify(this.columns[j].name)} of row ${this.rowsBefore + this.rows + 1}`);
      }
      p += 1;
    }
    sink.room(2);
    sink.buf[sink.pos++] = 0x7d; // }
    sink.buf[sink.pos++] = LF;
    return Math.min(p, n);
  }

  /** Writes the JSON of column `j`'s field `buf[from, to)` (`quoted`: a quoted CSV field's bytes). */
  private value(j: number, buf: Buffer, from: number, to: number, quoted: boolean): void {
    const sink = this.sink;
    switch (this.ways[j]) {
      case RAW:
        sink.bytes(buf, from, to);
        return;
      case FLOAT:
        sink.ascii(this.float(j, buf.toString('latin1', from, to)));
        return;
      case BOOL:
        sink.ascii(buf[from] === 0x74 /* t */ ? 'true' : 'false');
        return;
      case BYTES:
        this.bytea(buf, from, to, quoted);
        return;
      case TIMESTAMP:
      case TIMESTAMPTZ:
        if (this.timestamp(buf, from, to, this.ways[j] === TIMESTAMPTZ)) return;
        break;
      default:
        break;
    }
    sink.room(jsonStringRoom(to - from));
    sink.pos = writeJsonString(buf, from, to, sink.buf, sink.pos, quoted);
  }

  /** A float's JSON number; NaN and ±Infinity refused as the JSON lines writer refuses them. */
  private float(j: number, text: string): string {
    const value = Number(text);
    if (Number.isFinite(value)) return String(value);
    throw new TypeError(
      `JSON lines: cannot write column ${JSON.stringify(this.columns[j].name)} of row ${this.rowsBefore + this.rows + 1}: JSON lines: ${value} has no JSON form`,
    );
  }

  /** bytea's text as `"\\x…"`: the hex form as it is, the escape form as hex. */
  private bytea(buf: Buffer, from: number, to: number, quoted: boolean): void {
    const sink = this.sink;
    if (to - from >= 2 && buf[from] === BACKSLASH && buf[from + 1] === 0x78 /* x */) {
      sink.room(to - from + 3);
      sink.buf[sink.pos++] = QUOTE;
      sink.buf[sink.pos++] = BACKSLASH;
      sink.pos += buf.copy(sink.buf, sink.pos, from, to);
      sink.buf[sink.pos++] = QUOTE;
      return;
    }
    const text = buf.toString('utf8', from, to);
    sink.ascii(JSON.stringify(`\\x${byteaBytes(quoted ? text.replace(/""/g, '"') : text).toString('hex')}`));
  }

  /**
   * A timestamp `YYYY-MM-DD HH:MM:SS…` as ISO 8601 (`T`; with `zoned`, `+00` or `+00:00` as
   * `Z`), as the SQL tasks read it; false for any other text (BC, five-digit years,
   * `infinity`), which stays the server's text.
   */
  private timestamp(buf: Buffer, from: number, to: number, zoned: boolean): boolean {
    const n = to - from;
    if (n < 19 || buf[from + 4] !== DASH || buf[from + 10] !== SPACE || buf[to - 1] === 0x43 /* C */) return false;
    let end = to;
    if (zoned) {
      if (buf[to - 3] === 0x2b && buf[to - 2] === 0x30 && buf[to - 1] === 0x30) end = to - 3; // +00
      else if (n >= 6 && buf.toString('latin1', to - 6, to) === '+00:00') end = to - 6;
    }
    const sink = this.sink;
    sink.room(n + 3);
    const out = sink.buf;
    let pos = sink.pos;
    out[pos++] = QUOTE;
    for (let i = from; i < from + 10; i++) out[pos++] = buf[i];
    out[pos++] = 0x54; // T
    for (let i = from + 11; i < end; i++) out[pos++] = buf[i];
    if (end < to) out[pos++] = 0x5a; // Z
    out[pos++] = QUOTE;
    sink.pos = pos;
    return true;
  }
}
