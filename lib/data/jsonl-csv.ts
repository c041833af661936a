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

/** The next quote at or after `from` (`buf.length` if none): byte by byte nearby, then by indexOf, cheaper for long values. */
function nextQuote(buf: Buffer, from: number): number {
  const n = buf.length;
  const near = Math.min(n, from + 16);
  let q = from;
  while (q < near && buf[q] !== QUOTE) q++;
  if (q < near || q === n) return q;
  q = buf.indexOf(QUOTE, q);
  return q < 0 ? n : q;
}

/** Where the header line at `from` ends (after its line feed); -1 when `buf` ends first. */
function headerEnd(buf: Buffer, from: number): number {
  let quoted = false;
  for (let i = from; i < buf.length; i++) {
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

  /**
   * The JSON lines of the records `chunk` completes; a record it cuts short waits for the next
   * chunk. Only the bytes that complete a record cut short are joined to it, never the whole
   * chunk: at least as many as it has, so a record of many lines is joined a few times only.
   */
  push(chunk: Buffer): Buffer[] {
    let from = 0;
    while (this.carry) {
      const lf = chunk.indexOf(LF, Math.min(chunk.length, from + this.carry.length));
      const to = lf < 0 ? chunk.length : lf + 1;
      const head = Buffer.concat([this.carry, chunk.subarray(from, to)]);
      const end = this.records(head, 0, false);
      this.carry = end < head.length ? head.subarray(end) : undefined;
      from = to;
      if (from === chunk.length) return this.sink.take();
    }
    const end = this.records(chunk, from, false);
    this.carry = end < chunk.length ? chunk.subarray(end) : undefined;
    return this.sink.take();
  }

  /** The JSON lines of what is left once the CSV has ended (a last record without its line feed). */
  end(): Buffer[] {
    const rest = this.carry;
    this.carry = undefined;
    if (rest && this.records(rest, 0, true) < rest.length) throw new TypeError(`JSON lines: the server's CSV ended inside row ${this.rowsBefore + this.rows + 1}`);
    return this.sink.take();
  }

  /** Writes the whole records of `buf` from `from`; the index after the last of them. */
  private records(buf: Buffer, from: number, final: boolean): number {
    let p = from;
    if (this.header) {
      p = headerEnd(buf, from);
      if (p < 0) return final ? buf.length : from;
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

  /**
   * Writes the record at `p`: the index after its line feed, or -1 when `buf` ends first. One
   * pass over each field to find its end, one to write it; the output buffer and position are
   * kept in locals (the sink is told when it must grow, and at the end).
   */
  private record(buf: Buffer, p: number, final: boolean): number {
    const n = buf.length;
    const ways = this.ways;
    const width = ways.length;
    const sink = this.sink;
    let out = sink.buf;
    let pos = sink.pos;
    for (let j = 0; j < width; j++) {
      const last = j === width - 1;
      let from = p;
      let to: number;
      let quoted = false;
      if (p < n && buf[p] === QUOTE) {
        quoted = true;
        let q = p + 1;
        for (;;) {
          q = nextQuote(buf, q);
          if (q + 1 >= n) {
            if (q >= n || !final) return -1;
            break;
          }
          if (buf[q + 1] !== QUOTE) break;
          q += 2;
        }
        from = p + 1;
        to = q;
        p = q + 1;
      } else {
        let e = p;
        while (e < n && buf[e] !== COMMA && buf[e] !== LF) e++;
        if (e >= n && !(final && last)) return -1;
        to = e;
        p = e;
      }
      if (last && p < n && buf[p] === CR) p += 1;
      else if (last && !quoted && to > from && buf[to - 1] === CR) to -= 1;
      if (p < n) {
        if (buf[p] !== (last ? LF : COMMA)) throw this.malformed(buf[p], j);
        p += 1;
      } else if (!(final && last)) {
        return -1;
      }
      const key = this.keys[j];
      const need = key.length + jsonStringRoom(to - from) + 16;
      if (pos + need > out.length) {
        sink.pos = pos;
        sink.room(need);
        out = sink.buf;
        pos = sink.pos;
      }
      for (let k = 0; k < key.length; k++) out[pos++] = key[k];
      if (to === from && !quoted) {
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
          const text = ways[j] === FLOAT ? this.float(j, buf.toString('latin1', from, to)) : bytea(buf, from, to, quoted);
          sink.pos = pos;
          sink.ascii(text);
          out = sink.buf;
          pos = sink.pos;
          continue;
        }
        default:
          break;
      }
      pos = writeJsonString(buf, from, to, out, pos, quoted);
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
    return p;
  }

  private malformed(byte: number, j: number): TypeError {
    return new TypeError(
      `JSON lines: the server's CSV has ${JSON.stringify(String.fromCharCode(byte))} after column ${JSON.stringify(this.columns[j].name)} of row ${this.rowsBefore + this.rows + 1}`,
    );
  }

  /** A float's JSON number; NaN and ±Infinity refused as the JSON lines writer refuses them. */
  private float(j: number, text: string): string {
    const value = Number(text);
    if (Number.isFinite(value)) return String(value);
    throw new TypeError(
      `JSON lines: cannot write column ${JSON.stringify(this.columns[j].name)} of row ${this.rowsBefore + this.rows + 1}: JSON lines: ${value} has no JSON form`,
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
