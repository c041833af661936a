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
 *
 * The tokenizer is ./csv-scan.ts, COPY's line count ./copy-lines.ts, the errors ./csv-format-error.ts,
 * UTF-8 passed on as bytes ./utf8-window.ts.
 */
import { breakInside, countChar } from './copy-lines';
import { cleanByteRun } from './csv-byte-run';
import { CsvFormatError, invalidTextError, recordsIn } from './csv-format-error';
import { CsvScanner, type CsvValue } from './csv-scan';
import { InvalidTextError, StrictTextDecoder, type TextEncoding, unfinishedTail } from './text-encoding';
import { Utf8Window } from './utf8-window';

export { breakInside, CopyLines, countChar } from './copy-lines';
export { CsvFormatError } from './csv-format-error';
export type { CsvValue } from './csv-scan';

/** How many bytes are decoded at a time. */
const READ_BYTES = 256 * 1024;

/** The CSV field of `value` as COPY reads it back: NULL empty and unquoted, text always quoted. */
function copyValue(value: CsvValue): string {
  if (value === null) return '';
  return value.indexOf('"') === -1 ? `"${value}"` : `"${value.replace(/"/g, '""')}"`;
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

/** Reads CSV from chunks of bytes: the header first, then data rows or COPY text. */
export class CsvReader extends CsvScanner {
  private text = '';
  private pos = 0;
  private readonly decoder: StrictTextDecoder;
  /** The header row has been read: the text at `pos` starts data row `rows + 1`. */
  private header = false;

  constructor(
    private readonly source: AsyncIterator<Buffer | Uint8Array>,
    private readonly options: CsvTextOptions = {},
  ) {
    super();
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
   * input without one). COPY reads them as exactly the rows `batch` gives. UTF-8 input comes as
   * its own bytes (see ./utf8-window.ts), other text as strings.
   */
  copyText(): AsyncGenerator<string | Buffer> {
    return this.decoder.decoding === 'utf8' ? this.copyBytes() : this.copyDecoded();
  }

  private async *copyDecoded(): AsyncGenerator<string> {
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
      yield this.rewritten(fields);
    }
  }

  /** The records of UTF-8 input as its bytes: runs COPY reads the same way as they were read, the others written again. */
  private async *copyBytes(): AsyncGenerator<Buffer> {
    // What was decoded and not read yet goes back to its bytes, the start of a character after it too.
    const head = Buffer.from(this.text.slice(this.pos), 'utf8');
    const held = this.decoder.takeHeld();
    const window = new Utf8Window(held.length > 0 ? Buffer.concat([head, held]) : head, this.decoder.decoded - head.length);
    this.text = '';
    this.pos = 0;
    for (;;) {
      const start = window.at;
      if (start >= window.bytes.length) {
        if (this.ended) return;
        await this.moreBytes(window);
        continue;
      }
      const before = this.rows;
      const run = cleanByteRun(window.bytes, start, { width: this.columns.length, eol: this.eol, final: this.ended, rows: before, lines: this.lines });
      if (run.end > start) {
        this.rows += run.records;
        const piece = this.checkedUtf8(window, start, run.end, before);
        window.at = run.end;
        yield piece;
        continue;
      }
      if (run.short) {
        await this.moreBytes(window);
        continue;
      }
      const fields: CsvValue[] = [];
      const end = this.recordOf(window, fields);
      if (end < 0) {
        await this.moreBytes(window);
        continue;
      }
      this.checkedUtf8(window, start, end, before);
      this.checkWidth(fields.length, this.rows + 1);
      this.rows += 1;
      window.at = end;
      // Latin-1 text of UTF-8 bytes: written back, they are those bytes again.
      yield Buffer.from(this.rewritten(fields), 'latin1');
    }
  }

  /** The bytes from `from` to `to` of `window` when valid UTF-8; otherwise the error naming the row (`rows` read before `from`) and column. */
  private checkedUtf8(window: Utf8Window, from: number, to: number, rows: number): Buffer {
    try {
      return window.utf8(from, to, this.ended);
    } catch (error) {
      if (!(error instanceof InvalidTextError)) throw error;
      this.rows = rows;
      throw this.invalidText(error, error.before);
    }
  }

  /**
   * The record at the window's `at`, parsed from its Latin-1 view; -1 when it is not all read.
   * A malformed one is refused as decoded text refuses it: bytes not valid UTF-8 first, else in
   * words quoting its text, read on when a character it quotes is cut at the end of the window.
   */
  private recordOf(window: Utf8Window, fields: CsvValue[]): number {
    try {
      return this.record(window.view, window.at, fields, this.rows + 1);
    } catch (error) {
      if (!(error instanceof CsvFormatError)) throw error;
      const whole = window.bytes.length - (this.ended ? 0 : unfinishedTail(window.bytes));
      this.checkedUtf8(window, window.at, whole, this.rows);
      // The decoded record is refused the same way, quoting its text; it is not all read when what it quotes is cut off.
      if (this.record(window.bytes.toString('utf8', window.at, whole), 0, [], this.rows + 1) < 0) return -1;
      throw error;
    }
  }

  /** A parsed record as COPY's CSV, with the input's line break; COPY's line count learns its breaks. */
  private rewritten(fields: readonly CsvValue[]): string {
    let line = copyValue(fields[0]);
    for (let i = 1; i < fields.length; i++) line += `,${copyValue(fields[i])}`;
    const breaks = countChar(line, breakInside(this.eol || '\n', this.rows));
    if (breaks > 0) this.lines.add(this.rows, breaks);
    return line + (this.eol || '\n');
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
    const { chunks, size } = await this.read(this.text.length - this.pos);
    const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
    let added = '';
    try {
      if (data.length > 0) added = this.decoder.write(data);
      if (this.ended) added += this.decoder.end();
    } catch (error) {
      throw error instanceof InvalidTextError ? this.invalidText(error, this.text.slice(this.pos) + added + error.before) : error;
    }
    // One flat string (join makes one; + makes a rope, which every charCodeAt then walks).
    const left = this.pos > 0 ? this.text.slice(this.pos) : this.text;
    this.text = left === '' ? added : [left, added].join('');
    this.pos = 0;
  }

  /** `more` for the bytes of `window` (checked as UTF-8 as they are passed on). */
  private async moreBytes(window: Utf8Window): Promise<void> {
    const { chunks, size } = await this.read(window.bytes.length - window.at);
    window.append(chunks, size);
  }

  /** About READ_BYTES more of the source, at least `pending` bytes; `ended` once it ends. */
  private async read(pending: number): Promise<{ chunks: Buffer[]; size: number }> {
    if (this.ended) throw new Error('CSV: read past the end');
    const want = Math.max(READ_BYTES, pending);
    const chunks: Buffer[] = [];
    let size = 0;
    while (size < want) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      chunks.push(chunk);
      size += chunk.length;
    }
    return { chunks, size };
  }

  /** The error for bytes not valid in the encoding: the row and column they are in, from the text `before` them (from `pos`). */
  private invalidText(error: InvalidTextError, before: string): CsvFormatError {
    const { records, field } = recordsIn(before, this.eol);
    const row = (this.header ? this.rows + 1 : 0) + records;
    const name = row > 0 ? this.columnNames(before)[field] : undefined;
    return invalidTextError(error, { row, field, name }, this.options.source, this.options.attribute);
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
}
