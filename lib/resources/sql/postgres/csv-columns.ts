/**
 * PostgreSQL's `COPY (query) TO STDOUT (FORMAT csv)` read into columns (`FrameColumns`): the
 * server writes each value with the same output function as a result row's text, so each field,
 * its CSV quoting undone, is what pg's row path would parse, and is parsed as it would be
 * (csv-fields.ts) — without a JS string per field nor an array per row. A row cut by the end of a
 * network chunk waits for the chunks that complete it.
 */
import { FrameColumns } from '../../../data/frame-columns';
import type { TextSpill } from '../../../data/text-spill';
import { ESCAPED, fieldSink, NULL, PLAIN, QUOTED, type FieldSink } from './csv-fields';
import type { PgField } from './results';

const COMMA = 0x2c;
const QUOTE = 0x22;
const NEWLINE = 0x0a;

export class CsvColumns {
  readonly columns: FrameColumns;
  private readonly sinks: FieldSink[];
  /** Each field of the row being read: where it starts and ends, and how it was written. */
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly hows: Uint8Array;
  /** The bytes of a row not yet whole, and the parity of the quotes in them. */
  private pending: Buffer[] = [];
  private quotes = 0;

  constructor(fields: readonly PgField[], spill?: TextSpill) {
    this.columns = new FrameColumns(fields.map((f) => f.name), spill);
    this.sinks = fields.map((f, c) => fieldSink(this.columns, c, f.dataTypeID ?? 0));
    this.starts = new Int32Array(fields.length);
    this.ends = new Int32Array(fields.length);
    this.hows = new Uint8Array(fields.length);
  }

  /** Reads the rows `chunk` completes; the rest waits for the next chunk. */
  write(chunk: Buffer): void {
    if (this.pending.length > 0) {
      const end = this.rowEnd(chunk);
      if (end < 0) {
        this.pending.push(chunk);
        return;
      }
      const rows = Buffer.concat([...this.pending, chunk.subarray(0, end)]);
      this.pending = [];
      if (this.read(rows) !== rows.length) throw new Error('COPY sent a row that ends inside a quoted field');
      chunk = chunk.subarray(end);
    }
    const read = this.read(chunk);
    if (read < chunk.length) {
      const rest = chunk.subarray(read);
      this.pending.push(rest);
      this.quotes = 0;
      for (let at = rest.indexOf(QUOTE); at >= 0; at = rest.indexOf(QUOTE, at + 1)) this.quotes ^= 1;
    }
  }

  /** The columns, once every chunk was written. */
  end(): FrameColumns {
    if (this.pending.length > 0) throw new Error('COPY ended in the middle of a row');
    for (const sink of this.sinks) sink.flush();
    return this.columns.finish();
  }

  /** Where in `chunk` the waiting row ends (after its line feed), -1 when it does not. */
  private rowEnd(chunk: Buffer): number {
    let quotes = this.quotes;
    for (let at = 0; at < chunk.length; at++) {
      const byte = chunk[at];
      if (byte === QUOTE) quotes ^= 1;
      else if (byte === NEWLINE && quotes === 0) return at + 1;
    }
    this.quotes = quotes;
    return -1;
  }

  /** Reads the whole rows at the start of `bytes`; how many bytes they took. */
  private read(bytes: Buffer): number {
    const size = bytes.length;
    const { starts, ends, hows, sinks } = this;
    const last = sinks.length - 1;
    let at = 0;
    let done = 0;
    let rows = 0;
    rows: while (at < size) {
      for (let c = 0; c <= last; c++) {
        if (bytes[at] === QUOTE) {
          let how = QUOTED;
          let quote = at + 1;
          for (;;) {
            quote = bytes.indexOf(QUOTE, quote);
            if (quote < 0 || quote + 1 >= size) break rows;
            if (bytes[quote + 1] !== QUOTE) break;
            how = ESCAPED;
            quote += 2;
          }
          starts[c] = at + 1;
          ends[c] = quote;
          hows[c] = how;
          at = quote + 1;
        } else {
          let end = at;
          while (end < size) {
            const byte = bytes[end];
            if (byte === COMMA || byte === NEWLINE) break;
            end += 1;
          }
          if (end >= size) break rows;
          starts[c] = at;
          ends[c] = end;
          hows[c] = end === at ? NULL : PLAIN;
          at = end;
        }
        if (bytes[at] !== (c === last ? NEWLINE : COMMA)) throw new Error(`COPY sent an unexpected byte ${bytes[at]} after a field`);
        at += 1;
      }
      for (let c = 0; c <= last; c++) sinks[c].put(bytes, starts[c], ends[c], hows[c]);
      rows += 1;
      done = at;
    }
    this.columns.addRows(rows);
    return done;
  }
}
