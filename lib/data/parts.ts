/**
 * Rows split into parts of at most `maxRows` rows, for ToS3's `maxRowsPerObject`: each part is
 * written as an object complete on its own (a CSV part has its header row, a Parquet part is a
 * whole file), read from the one source in turn (a part must be read to its end before the next
 * is asked for). Nothing is held beyond one row, or one chunk of bytes, read ahead.
 *
 * An SQLStream's rows as CSV on PostgreSQL are COPY's own bytes, cut between records: the parts
 * together are then byte for byte the unsplit export, each later part with the header line again.
 */
import { Readable } from 'node:stream';
import { rowRecords, type CsvInput, type RowCounter, type RowRecords } from './csv';
import type { Format } from './formats/format';
import { compressed, csvBytesPayload, readSqlRows, rowsPayload, serverCsvPayload, type Compression, type Payload } from './payload';
import { isSqlRows, type ServerCsv } from './sql-rows';

export interface RowPart {
  columns: string[];
  rows: AsyncIterable<unknown[]>;
  /** Rows in the parts before this one. */
  rowsBefore: number;
}

/** How the parts are written. */
export interface PartOptions {
  format: Format;
  compression: Compression;
}

/** One part of a split export: its payload, made when it is to be written (not before). */
export interface PayloadPart {
  payload(): Promise<Payload>;
}

/** The parts of `records` (column names first, then rows); no rows still make one part. */
export async function* splitRecords(records: RowRecords, maxRows: number): AsyncGenerator<RowPart> {
  const iterator = records[Symbol.asyncIterator]();
  let finished = false;
  try {
    const head = await iterator.next();
    if (head.done) {
      finished = true;
      yield { columns: [], rows: (async function* () {})(), rowsBefore: 0 };
      return;
    }
    const columns = head.value.map(String);
    // The next row, read when it is wanted: a part that is full ends without reading on, so a
    // row that fails to read fails the part it belongs to.
    let pending: IteratorResult<unknown[]> | undefined;
    const peek = async (): Promise<IteratorResult<unknown[]>> => (pending ??= await iterator.next());
    let first = true;
    let rowsBefore = 0;
    while (first || !(await peek()).done) {
      first = false;
      let count = 0;
      const rows = async function* (): AsyncGenerator<unknown[]> {
        while (count < maxRows) {
          const next = await peek();
          if (next.done) return;
          pending = undefined;
          count += 1;
          yield next.value;
        }
      };
      yield { columns, rows: rows(), rowsBefore };
      rowsBefore += count;
    }
    finished = true;
  } finally {
    if (!finished) await iterator.return?.(undefined as never);
  }
}

const QUOTE = 0x22;
const LF = 0x0a;

/**
 * Where the records of CSV bytes end: at a line feed outside quotes. Every quote opens or closes
 * a quoted value (`""` inside one closes and opens it again), so a line break inside a value
 * does not end its record. What it has seen carries over from one chunk to the next.
 */
class RecordEnds {
  private quoted = false;

  /**
   * Reads `chunk` up to the end of its `wanted`-th record: how many records ended (fewer than
   * `wanted` when the chunk ran out first), and the offset just past the last of them.
   */
  scan(chunk: Buffer, wanted: number): { found: number; end: number } {
    // Without a quote, records end at every line feed: found by indexOf, several times faster.
    return !this.quoted && chunk.indexOf(QUOTE) < 0 ? lineEnds(chunk, wanted) : this.quotedEnds(chunk, wanted);
  }

  /** `scan` where quotes are: from quote to quote and line feed to line feed by indexOf, never byte by byte. */
  private quotedEnds(chunk: Buffer, wanted: number): { found: number; end: number } {
    let found = 0;
    let end = 0;
    let quoted = this.quoted;
    // The next quote and line feed at or after `i` (-1: none left), looked up again once passed.
    let quote = -2;
    let lf = -2;
    for (let i = 0; i < chunk.length;) {
      if (quote !== -1 && quote < i) quote = chunk.indexOf(QUOTE, i);
      if (quoted) {
        if (quote < 0) break;
        quoted = false;
        i = quote + 1;
        continue;
      }
      if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
      if (lf >= 0 && (quote < 0 || lf < quote)) {
        found += 1;
        end = lf + 1;
        i = end;
        if (found === wanted) break;
      } else if (quote >= 0) {
        quoted = true;
        i = quote + 1;
      } else {
        break;
      }
    }
    this.quoted = quoted;
    return { found, end };
  }
}

/** The ends of the first `wanted` lines of `chunk`, as `RecordEnds.scan` tells them. */
function lineEnds(chunk: Buffer, wanted: number): { found: number; end: number } {
  let found = 0;
  let end = 0;
  for (let lf = chunk.indexOf(LF); lf >= 0 && found < wanted; lf = chunk.indexOf(LF, end)) {
    found += 1;
    end = lf + 1;
  }
  return { found, end };
}

/** A part of CSV bytes: the header line, then at most `maxRows` records, as they are read. */
export interface CsvBytesPart {
  chunks: AsyncIterable<Buffer>;
  /** Records in the part so far. */
  rows(): number;
}

/**
 * CSV bytes (a header line, then records) cut into parts of at most `maxRows` records, each
 * starting with the header line; the bytes pass as they are. No records still make one part.
 */
export async function* splitCsvBytes(source: AsyncIterable<Buffer>, maxRows: number): AsyncGenerator<CsvBytesPart> {
  const iterator = source[Symbol.asyncIterator]();
  const ends = new RecordEnds();
  let rest: Buffer = Buffer.alloc(0);
  let done = false;
  let finished = false;
  /** Whether bytes are left; reads the next chunk into `rest` when it is empty. */
  const more = async (): Promise<boolean> => {
    while (rest.length === 0 && !done) {
      const next = await iterator.next();
      if (next.done) done = true;
      else rest = next.value;
    }
    return rest.length > 0;
  };
  try {
    const header: Buffer[] = [];
    while (await more()) {
      const { found, end } = ends.scan(rest, 1);
      header.push(found === 1 ? rest.subarray(0, end) : rest);
      rest = found === 1 ? rest.subarray(end) : Buffer.alloc(0);
      if (found === 1) break;
    }
    const head = Buffer.concat(header);
    let first = true;
    while (first || (await more())) {
      first = false;
      let rows = 0;
      const chunks = async function* (): AsyncGenerator<Buffer> {
        if (head.length > 0) yield head;
        let unended = false;
        while (rows < maxRows && (await more())) {
          const { found, end } = ends.scan(rest, maxRows - rows);
          rows += found;
          const cut = rows === maxRows ? end : rest.length;
          unended = cut > end;
          const piece = rest.subarray(0, cut);
          rest = rest.subarray(cut);
          yield piece;
        }
        // A last record without its line break is a record all the same.
        if (unended && done && rest.length === 0) rows += 1;
      };
      yield { chunks: chunks(), rows: () => rows };
    }
    finished = true;
  } finally {
    if (!finished) await iterator.return?.();
  }
}

/**
 * `input` (rows of any kind ToS3 takes, an SQLStream's too) in parts of at most `maxRows` rows,
 * written in `options.format`. Each part's payload is made when it is asked for, so a part never
 * written starts nothing; giving up on the parts lets go of the source.
 */
export async function* partPayloads(input: unknown, options: PartOptions, maxRows: number): AsyncGenerator<PayloadPart> {
  if (!isSqlRows(input)) {
    yield* recordParts(input as CsvInput, options, maxRows);
    return;
  }
  const read = await readSqlRows(input, options.format);
  if ('typed' in read) {
    yield* serverCsvParts(read.typed, options, maxRows);
    return;
  }
  if (!('copy' in read)) {
    yield* recordParts(read.rows, options, maxRows);
    return;
  }
  for await (const part of splitCsvBytes(read.copy.stream, maxRows)) {
    yield { payload: async () => compressed(csvBytesPayload(Readable.from(part.chunks, { objectMode: false }), options.format, part.rows), options.compression) };
  }
}

async function* recordParts(input: CsvInput, options: PartOptions, maxRows: number): AsyncGenerator<PayloadPart> {
  const counter: RowCounter = { columns: [], rows: 0 };
  for await (const part of splitRecords(rowRecords(input, counter, options.format.label), maxRows)) {
    // Each part keeps the input's declared column types (read with its header).
    const typed = { ...part, columnTypes: counter.types };
    yield { payload: async () => compressed(rowsPayload(typed, options.format, part.rowsBefore), options.compression) };
  }
}

/** The server's CSV cut into parts between records, each written by the format from its text. */
async function* serverCsvParts(copy: ServerCsv, options: PartOptions, maxRows: number): AsyncGenerator<PayloadPart> {
  let rowsBefore = 0;
  let previous: CsvBytesPart | undefined;
  for await (const part of splitCsvBytes(copy.stream, maxRows)) {
    rowsBefore += previous?.rows() ?? 0;
    previous = part;
    const before = rowsBefore;
    yield {
      payload: async () => {
        const typed: ServerCsv = { stream: Readable.from(part.chunks, { objectMode: false }), columns: copy.columns, rows: part.rows };
        return compressed(serverCsvPayload(typed, options.format, before), options.compression);
      },
    };
  }
}
