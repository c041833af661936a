/**
 * The CSV tokenizer under `CsvReader` (./csv-read.ts): records parsed from decoded text, line
 * breaks told apart (the first outside quotes decides how records end), and runs of records
 * COPY reads exactly as parsing does. The reader feeds it text and reads rows through it.
 */
import { shown } from '../messages';
import { breakInside, CopyLines, countChar } from './copy-lines';
import { CsvFormatError } from './csv-format-error';

/** A CSV value: text, or NULL for an empty unquoted field. */
export type CsvValue = string | null;

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;
const BACKSLASH = 92;
const DOT = 46;

/** A field, as messages name it. */
function ordinal(n: number): string {
  return `field ${n}`;
}

/** How records end (`''`: not seen yet). */
export type LineBreak = '' | '\n' | '\r\n' | '\r';

/** Records in CSV text: the state the tokenizer keeps between pieces of text, and its parsers. */
export class CsvScanner {
  /** The column names (the header row), once read. */
  columns: string[] = [];
  /** Data rows read so far (the header not counted). */
  rows = 0;
  /** Rows whose values hold line breaks, as COPY counts lines (`copyText`). */
  readonly lines = new CopyLines();
  /** How records end, once seen. */
  protected eol: LineBreak = '';
  /** The source has ended: the text given is all there is. */
  protected ended = false;

  /**
   * The length of the line break at `i` (whose char code is `c`, a CR or LF): 0 when it does not
   * end the record, -1 when the text ends before it can tell. The first one outside quotes
   * decides how records end.
   */
  protected lineBreak(text: string, i: number, c: number): number {
    switch (this.eol) {
      case '\n':
        return c === LF ? 1 : 0;
      case '\r\n':
        if (c !== CR) return 0;
        if (i + 1 < text.length) return text.charCodeAt(i + 1) === LF ? 2 : 0;
        return this.ended ? 0 : -1;
      case '\r':
        return c === CR ? 1 : 0;
      default:
        if (c === LF) {
          this.eol = '\n';
          return 1;
        }
        if (i + 1 >= text.length && !this.ended) return -1;
        this.eol = i + 1 < text.length && text.charCodeAt(i + 1) === LF ? '\r\n' : '\r';
        return this.eol.length;
    }
  }

  /**
   * Parses the record at `p` (data row `row`, 0 for the header) into `fields`: the index after
   * it and its line break, or -1 when the text ends first and more is to come.
   */
  protected record(text: string, p: number, fields: CsvValue[], row: number): number {
    const n = text.length;
    const final = this.ended;
    const where = (): string => (row === 0 ? 'the header row' : `row ${row}`);
    for (;;) {
      if (p < n && text.charCodeAt(p) === QUOTE) {
        let value = '';
        let from = p + 1;
        let q: number;
        for (;;) {
          q = text.indexOf('"', from);
          if (q === -1) {
            if (!final) return -1;
            throw new CsvFormatError(`CSV: ${ordinal(fields.length + 1)} of ${where()} opens a quote that is never closed`, row);
          }
          if (q + 1 >= n && !final) return -1;
          if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          break;
        }
        fields.push(value);
        p = q + 1;
        if (p >= n) return n;
        const c = text.charCodeAt(p);
        if (c === COMMA) {
          p += 1;
          continue;
        }
        if (c === LF || c === CR) {
          const size = this.lineBreak(text, p, c);
          if (size < 0) return -1;
          if (size > 0) return p + size;
        }
        throw new CsvFormatError(
          `CSV: the closing quote of ${ordinal(fields.length)} of ${where()} is followed by ${shown(text[p])}, ` +
            'not by a comma or the end of the line (a quoted field is quoted whole)',
          row,
        );
      }
      let i = p;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === COMMA) break;
        if (c === QUOTE) {
          throw new CsvFormatError(
            `CSV: ${ordinal(fields.length + 1)} of ${where()} has a quote after ${shown(text.slice(p, i))}: ` +
              'a field with quotes in it is quoted whole, its quotes doubled',
            row,
          );
        }
        if (c === LF || c === CR) {
          const size = this.lineBreak(text, i, c);
          if (size < 0) return -1;
          if (size > 0) {
            fields.push(i === p ? null : text.slice(p, i));
            return i + size;
          }
        }
      }
      if (i >= n) {
        if (!final) return -1;
        fields.push(i === p ? null : text.slice(p, i));
        return n;
      }
      fields.push(i === p ? null : text.slice(p, i));
      p = i + 1;
    }
  }

  /**
   * From the record at `start`, the end of the run of whole records COPY reads exactly as
   * parsing does; `rows` counts them. It stops at a record it cannot vouch for: one with a
   * quote out of place, a CR or LF that is not the line break outside quotes, the wrong number
   * of fields, an empty line, one starting with `\.` (COPY's end-of-data mark), or one the text
   * does not yet hold whole.
   */
  protected cleanRun(text: string, start: number): number {
    const n = text.length;
    const final = this.ended;
    const width = this.columns.length;
    const eol = this.eol;
    // With no line break seen, the one record left ends the input.
    const crlf = eol === '\r\n';
    const brk = eol === '\r' || crlf ? CR : LF;
    let p = start;
    let records = 0;
    records: while (p < n) {
      const first = text.charCodeAt(p);
      if (first === BACKSLASH && (p + 1 >= n || text.charCodeAt(p + 1) === DOT)) break;
      let fields = 1;
      let quotes = false;
      let q = p;
      for (;;) {
        let c: number;
        if (text.charCodeAt(q) === QUOTE) {
          quotes = true;
          let close = q + 1;
          for (;;) {
            close = text.indexOf('"', close);
            if (close === -1 || close + 1 >= n) break;
            if (text.charCodeAt(close + 1) !== QUOTE) break;
            close += 2;
          }
          if (close === -1) break records;
          q = close + 1;
          if (q >= n) {
            if (!final) break records;
            c = -1;
          } else c = text.charCodeAt(q);
        } else {
          const from = q;
          for (; q < n; q++) {
            c = text.charCodeAt(q);
            if (c === COMMA || c === QUOTE || c === CR || c === LF) break;
          }
          if (q >= n) {
            if (!final || q === from) break records;
            c = -1;
          } else {
            c = text.charCodeAt(q);
            if (c === QUOTE) break records;
            if (q === from && fields === 1 && c !== COMMA) break records;
          }
        }
        if (c === COMMA) {
          fields += 1;
          q += 1;
          if (q >= n) break records;
          continue;
        }
        if (fields !== width) break records;
        if (c !== -1 && c !== brk) break records;
        if (c !== -1 && crlf && (q + 1 >= n || text.charCodeAt(q + 1) !== LF)) break records;
        // Line breaks inside its quoted values (outside them there are none).
        if (quotes) {
          const row = this.rows + records + 1;
          const counted = breakInside(eol, row);
          const inside = text.indexOf(counted, p);
          if (inside !== -1 && inside < q) this.lines.add(row, countChar(text, counted, inside, q));
        }
        records += 1;
        if (c === -1) {
          // The last record, ended by the end of the input.
          p = n;
          break records;
        }
        p = q + (crlf ? 2 : 1);
        continue records;
      }
    }
    this.rows += records;
    return p;
  }
}
