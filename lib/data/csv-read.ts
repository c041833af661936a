/**
 * The CSV reader behind FromS3's `format = 'csv'`. It reads what csv-parse reads with
 * `{ bom: true }`, the same way, and refuses what it refuses:
 *
 * - the bytes are text in the declared encoding (UTF-8 unless told), strictly: bytes not valid in
 *   it are an error naming the input, the row, the column and the byte offset, never replaced;
 *   a UTF-8 byte order mark is dropped (a UTF-16LE one switches the decoding to UTF-16LE);
 * - records end at the line break first seen outside quotes (`\r\n`, `\n` or `\r`); other CR
 *   and LF characters are data;
 * - a field that starts with `"` is quoted, `""` in it is one quote, and its closing quote is
 *   followed by a comma, the line break or the end; a quote anywhere else is an error;
 * - an empty unquoted field is NULL, `""` is the empty string (PostgreSQL's COPY CSV rule);
 * - the first record names the columns; every other record has as many fields, or it is an
 *   error (an empty line is a record of one NULL).
 *
 * Rows come out a batch at a time. For a bulk load into PostgreSQL it also gives the data
 * records as text `COPY … FROM STDIN WITH (FORMAT csv)` reads as exactly these rows: runs of
 * records that COPY reads the same way pass as they are, and any other record (a stray CR, a
 * lone `\.`, an empty line, a malformed one) is parsed and written again, or refused as parsing
 * refuses it.
 */
import { shown } from '../messages';
import { ENCODING_NAMES, hexBytes, InvalidTextError, StrictTextDecoder, TEXT_ENCODINGS, type TextEncoding } from './text-encoding';

/** A CSV value: text, or NULL for an empty unquoted field. */
export type CsvValue = string | null;

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;
const BACKSLASH = 92;
const DOT = 46;

/** How many bytes are decoded at a time. */
const READ_BYTES = 256 * 1024;

/** A CSV input that cannot be read: the data row it is in (0 for the header row). */
export class CsvFormatError extends Error {
  constructor(
    message: string,
    readonly row: number,
  ) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

/**
 * COPY's line numbers and the rows they are in: COPY counts a line break inside a quoted value
 * as a line, so its `line N` is row N only until the first such value. Which breaks it counts
 * is `breakInside`. Only rows that hold one are noted.
 */
export class CopyLines {
  private readonly rows: number[] = [];
  /** Line breaks inside values up to and including `rows[i]`. */
  private readonly breaks: number[] = [];
  private total = 0;

  /** Row `row` has `count` line breaks inside its quoted values. */
  add(row: number, count: number): void {
    this.total += count;
    this.rows.push(row);
    this.breaks.push(this.total);
  }

  /** The row COPY's line `line` (the line at which it finished reading the row) belongs to. */
  row(line: number): number {
    let before = 0;
    for (let i = 0; i < this.rows.length; i++) {
      const ends = this.rows[i] + this.breaks[i];
      if (line === ends) return this.rows[i];
      if (line < ends) return line - before;
      before = this.breaks[i];
    }
    return line - before;
  }
}

/**
 * The character COPY counts as a line inside the quoted values of row `row` of text whose
 * records end with `eol`: PostgreSQL counts CR in CR or CRLF text and LF in LF text, but until
 * it has seen the first record's line break (so inside row 1) it counts CR whatever the text.
 */
export function breakInside(eol: string, row: number): '\r' | '\n' {
  return row === 1 || eol !== '\n' ? '\r' : '\n';
}

/** How many times `c` is in `text` from `from` to before `to`. */
export function countChar(text: string, c: string, from = 0, to = text.length): number {
  let count = 0;
  for (let i = text.indexOf(c, from); i !== -1 && i < to; i = text.indexOf(c, i + 1)) count += 1;
  return count;
}

/** The CSV field of `value` as COPY reads it back: NULL empty and unquoted, text always quoted. */
function copyValue(value: CsvValue): string {
  if (value === null) return '';
  return value.indexOf('"') === -1 ? `"${value}"` : `"${value.replace(/"/g, '""')}"`;
}

function ordinal(n: number): string {
  return `field ${n}`;
}

/** How a CSV input's bytes are read as text, and how its errors name it. */
export interface CsvTextOptions {
  /** @default 'utf8' */
  encoding?: TextEncoding;
  /** The input, as errors name it (`s3://bucket/key`). @default 'the CSV input' */
  source?: string;
  /** The attribute that declares the encoding, as errors name it (`Fetch.encoding`). */
  attribute?: string;
}

/**
 * How many records end in `text` (records end as `eol` says; with none known yet, at the first
 * CR, LF or CRLF) and how many commas follow the last one end, outside quotes.
 */
function recordsIn(text: string, eol: '' | '\n' | '\r\n' | '\r'): { records: number; field: number } {
  let records = 0;
  let field = 0;
  let quoted = false;
  let ends = eol;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (quoted) continue;
    else if (c === COMMA) field += 1;
    else if (c === LF || c === CR) {
      if (ends === '') ends = c === LF ? '\n' : text.charCodeAt(i + 1) === LF ? '\r\n' : '\r';
      const crlf = c === CR && text.charCodeAt(i + 1) === LF;
      if ((ends === '\n' && c === LF) || (ends === '\r' && c === CR) || (ends === '\r\n' && crlf)) {
        if (crlf && ends === '\r\n') i += 1;
        records += 1;
        field = 0;
      }
    }
  }
  return { records, field };
}

/** Reads CSV from chunks of bytes: the header first, then data rows or COPY text. */
export class CsvReader {
  /** The column names (the header row), once `start` has read them. */
  columns: string[] = [];
  /** Data rows read so far (the header not counted). */
  rows = 0;
  /** Rows whose values hold line breaks, as COPY counts lines (`copyText`). */
  readonly lines = new CopyLines();
  /** How records end, once seen. */
  private eol: '' | '\n' | '\r\n' | '\r' = '';
  private text = '';
  private pos = 0;
  /** The source has ended and its text is all in `text`. */
  private ended = false;
  private readonly decoder: StrictTextDecoder;
  /** The header row has been read: the text at `pos` starts data row `rows + 1`. */
  private header = false;

  constructor(
    private readonly source: AsyncIterator<Buffer | Uint8Array>,
    private readonly options: CsvTextOptions = {},
  ) {
    this.decoder = new StrictTextDecoder(options.encoding ?? 'utf8');
  }

  /** Reads the header row. Resolves to false for an empty input (no header, no rows). */
  async start(): Promise<boolean> {
    const header: CsvValue[] = [];
    for (;;) {
      if (this.pos >= this.text.length && this.ended) return false;
      const end = this.pos < this.text.length ? this.record(this.text, this.pos, header, 0) : -1;
      if (end >= 0) {
        this.pos = end;
        this.columns = header.map((name) => name ?? '');
        this.header = true;
        return true;
      }
      header.length = 0;
      await this.more();
    }
  }

  /** The next batch of at most `max` data rows; undefined at the end. */
  async batch(max: number): Promise<CsvValue[][] | undefined> {
    const batch: CsvValue[][] = [];
    while (batch.length < max) {
      const text = this.text;
      if (this.pos >= text.length) {
        if (this.ended) break;
        await this.more();
        continue;
      }
      const fields: CsvValue[] = [];
      const end = this.record(text, this.pos, fields, this.rows + 1);
      if (end < 0) {
        await this.more();
        continue;
      }
      this.checkWidth(fields.length, this.rows + 1);
      this.rows += 1;
      this.pos = end;
      batch.push(fields);
    }
    return batch.length > 0 ? batch : undefined;
  }

  /**
   * The first `count` data rows (fewer if the input has fewer), parsed but left unread: the
   * next `batch` or `copyText` starts with them again.
   */
  async peek(count: number): Promise<CsvValue[][]> {
    const rows: CsvValue[][] = [];
    let at = this.pos;
    while (rows.length < count) {
      const text = this.text;
      if (at >= text.length) {
        if (this.ended) break;
        at -= this.pos;
        await this.more();
        at += this.pos;
        continue;
      }
      const fields: CsvValue[] = [];
      const row = this.rows + rows.length + 1;
      const end = this.record(text, at, fields, row);
      if (end < 0) {
        at -= this.pos;
        await this.more();
        at += this.pos;
        continue;
      }
      this.checkWidth(fields.length, row);
      rows.push(fields);
      at = end;
    }
    return rows;
  }

  /**
   * The data records as CSV text for `COPY … FROM STDIN WITH (FORMAT csv)` (no header), in
   * pieces of whole records, each ending with the input's line break (the last may end the
   * input without one). COPY reads them as exactly the rows `batch` gives.
   */
  async *copyText(): AsyncGenerator<string> {
    for (;;) {
      const text = this.text;
      const start = this.pos;
      if (start >= text.length) {
        if (this.ended) return;
        await this.more();
        continue;
      }
      const run = this.cleanRun(text, start);
      if (run > start) {
        this.pos = run;
        yield text.slice(start, run);
        continue;
      }
      // A record COPY would read otherwise (or not all here yet): parsed, and written again.
      const fields: CsvValue[] = [];
      const end = this.record(text, start, fields, this.rows + 1);
      if (end < 0) {
        await this.more();
        continue;
      }
      this.checkWidth(fields.length, this.rows + 1);
      this.rows += 1;
      this.pos = end;
      let line = copyValue(fields[0]);
      for (let i = 1; i < fields.length; i++) line += `,${copyValue(fields[i])}`;
      const breaks = countChar(line, breakInside(this.eol || '\n', this.rows));
      if (breaks > 0) this.lines.add(this.rows, breaks);
      yield line + (this.eol || '\n');
    }
  }

  private checkWidth(width: number, row: number): void {
    if (width !== this.columns.length) {
      throw new CsvFormatError(
        `CSV: row ${row} has ${width} ${width === 1 ? 'value' : 'values'} for ${this.columns.length} columns (${this.columns.join(', ')})`,
        row,
      );
    }
  }

  /** Reads about READ_BYTES more of the source (at least as much again as is pending, for a long record) into `text`. */
  private async more(): Promise<void> {
    if (this.ended) throw new Error('CSV: read past the end');
    const pending = this.text.length - this.pos;
    const want = Math.max(READ_BYTES, pending);
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    while (bytes < want) {
      const next = await this.source.next();
      if (next.done) {
        done = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      chunks.push(chunk);
      bytes += chunk.length;
    }
    const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes);
    let added = '';
    try {
      if (data.length > 0) added = this.decoder.write(data);
      if (done) {
        added += this.decoder.end();
        this.ended = true;
      }
    } catch (error) {
      throw error instanceof InvalidTextError ? this.invalidText(error, this.text.slice(this.pos) + added + error.before) : error;
    }
    // One flat string (join makes one; + makes a rope, which every charCodeAt then walks).
    const left = this.pos > 0 ? this.text.slice(this.pos) : this.text;
    this.text = left === '' ? added : [left, added].join('');
    this.pos = 0;
  }

  /** The error for bytes not valid in the encoding: the row and column they are in, from the text `before` them (from `pos`). */
  private invalidText(error: InvalidTextError, before: string): CsvFormatError {
    const { records, field } = recordsIn(before, this.eol);
    const row = (this.header ? this.rows + 1 : 0) + records;
    const name = row > 0 ? this.columnNames(before)[field] : undefined;
    const where = `${row === 0 ? 'the header row' : `row ${row}`}, column ${field + 1}${name ? ` \`${name}\`` : ''}`;
    const others = TEXT_ENCODINGS.filter((e) => e !== error.encoding).map((e) => `'${e}'`);
    const fix = `set ${this.options.attribute ?? 'encoding'} to ${others.join(' or ')}`;
    return new CsvFormatError(
      `CSV: ${this.options.source ?? 'the CSV input'} is not valid ${ENCODING_NAMES[error.encoding]} at byte offset ${error.offset} (${where}): ` +
        `${hexBytes(error.bytes)}${error.truncated ? ' (the file ends inside a character)' : ''}; ` +
        `no byte is replaced: if the file is in another encoding, ${fix}`,
      row,
    );
  }

  /** The column names, or those of the header row at the start of `text` while it is not read yet (none if it cannot be). */
  private columnNames(text: string): readonly CsvValue[] {
    if (this.header) return this.columns;
    const header: CsvValue[] = [];
    try {
      return this.record(text, 0, header, 0) >= 0 ? header : [];
    } catch {
      return [];
    }
  }

  /**
   * The length of the line break at `i` (whose char code is `c`, a CR or LF): 0 when it does not
   * end the record, -1 when the text ends before it can tell. The first one outside quotes
   * decides how records end.
   */
  private lineBreak(text: string, i: number, c: number): number {
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
  private record(text: string, p: number, fields: CsvValue[], row: number): number {
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
  private cleanRun(text: string, start: number): number {
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
