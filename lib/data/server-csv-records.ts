/**
 * The records of the server's CSV of a query (PostgreSQL's `COPY … CSV, HEADER`) as its chunks
 * arrive: the header line skipped, each record's fields found (a quoted field's `""`, a CR before
 * the line feed), a record cut by a chunk boundary kept until the next chunk completes it. A
 * writer (JSON lines, Parquet) extends it and writes each whole record from its fields' bounds.
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

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

export abstract class ServerCsvRecords {
  /** Data rows written. */
  rows = 0;
  /** Where each field of the record being written starts and ends in its buffer (the quotes left out), and whether it was quoted. */
  protected readonly starts: Int32Array;
  protected readonly ends: Int32Array;
  protected readonly quoted: Uint8Array;
  private header = true;
  private carry: Buffer | undefined;

  constructor(
    /** The format as messages name it. */
    private readonly label: string,
    /** The column names, for messages. */
    protected readonly names: readonly string[],
    /** Rows written before these (a split export's earlier parts), so that an error names the row as counted over the whole export. */
    protected readonly rowsBefore: number,
  ) {
    this.starts = new Int32Array(names.length);
    this.ends = new Int32Array(names.length);
    this.quoted = new Uint8Array(names.length);
  }

  /** Writes the record whose fields `starts`, `ends` and `quoted` bound in `buf`. */
  protected abstract write(buf: Buffer): void;


  /**
   * Writes the records `chunk` completes; a record it cuts short waits for the next chunk. Only
   * the bytes that complete a record cut short are joined to it, never the whole chunk: at least
   * as many as it has, so a record of many lines is joined a few times only.
   */
  protected feed(chunk: Buffer): void {
    let from = 0;
    while (this.carry) {
      const lf = chunk.indexOf(LF, Math.min(chunk.length, from + this.carry.length));
      const to = lf < 0 ? chunk.length : lf + 1;
      const head = Buffer.concat([this.carry, chunk.subarray(from, to)]);
      const end = this.records(head, 0, false);
      this.carry = end < head.length ? head.subarray(end) : undefined;
      from = to;
      if (from === chunk.length) return;
    }
    const end = this.records(chunk, from, false);
    this.carry = end < chunk.length ? chunk.subarray(end) : undefined;
  }

  /** Writes what is left once the CSV has ended (a last record without its line feed). */
  protected finish(): void {
    const rest = this.carry;
    this.carry = undefined;
    if (rest && this.records(rest, 0, true) < rest.length) {
      throw new TypeError(`${this.label}: the server's CSV ended inside row ${this.rowsBefore + this.rows + 1}`);
    }
  }

  /** Writes the whole records of `buf` from `from`; the index after the last of them. */
  private records(buf: Buffer, from: number, final: boolean): number {
    let p = from;
    if (this.header) {
      p = headerEnd(buf, from);
      if (p < 0) return final ? buf.length : from;
      this.header = false;
    }
    while (p < buf.length) {
      const next = this.fields(buf, p, final);
      if (next < 0) break;
      this.write(buf);
      this.rows += 1;
      p = next;
    }
    return p;
  }

  /** Finds the fields of the record at `p`: the index after its line feed, or -1 when `buf` ends first. */
  private fields(buf: Buffer, p: number, final: boolean): number {
    const n = buf.length;
    const { starts, ends, quoted } = this;
    const width = starts.length;
    for (let j = 0; j < width; j++) {
      const last = j === width - 1;
      let from = p;
      let to: number;
      let isQuoted = 0;
      if (p < n && buf[p] === QUOTE) {
        isQuoted = 1;
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
      else if (last && !isQuoted && to > from && buf[to - 1] === CR) to -= 1;
      if (p < n) {
        if (buf[p] !== (last ? LF : COMMA)) throw this.malformed(buf[p], j);
        p += 1;
      } else if (!(final && last)) {
        return -1;
      }
      starts[j] = from;
      ends[j] = to;
      quoted[j] = isQuoted;
    }
    return p;
  }

  private malformed(byte: number, j: number): TypeError {
    return new TypeError(
      `${this.label}: the server's CSV has ${JSON.stringify(String.fromCharCode(byte))} after column ${JSON.stringify(this.names[j])} of row ${this.rowsBefore + this.rows + 1}`,
    );
  }
}
