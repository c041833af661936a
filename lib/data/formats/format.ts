/**
 * A format ToS3 and ToCSV write rows in (and FromS3 may read back): what it is called, its file
 * extension and content type, how it writes rows, what it accepts. The formats are listed in
 * one table (`./table.ts`); an unknown name is an error, never another format.
 */
import { Readable } from 'node:stream';
import { rowRecords, type CsvInput, type RowCounter, type RowRecords } from '../csv';
import type { CsvRows } from '../csv-rows';
import type { CsvTextOptions } from '../csv-read';
import type { ServerCsv } from '../sql-rows';

export type { ServerCsv };

/** Rows being written in a format: the bytes, read once, and the rows written so far. */
export interface WrittenRows {
  body: Readable;
  rows(): number;
}

/** How FromS3 reads an object of the format back as rows. */
export type RowsReader = (body: Readable, options: CsvTextOptions & { gzip?: boolean; done?: () => void }) => Promise<CsvRows>;

export interface Format {
  /** The name tasks take (`format = 'csv'`). */
  readonly name: string;
  /** The format as messages name it (`'JSON lines'`). */
  readonly label: string;
  /** The file extension, with its dot. */
  readonly extension: string;
  /** The content type of an object in the format. */
  readonly contentType: string;
  /**
   * Whether a string, bytes or a stream of bytes are taken as they are (CSV: the text is taken
   * to be CSV already); a format without it takes rows only.
   */
  readonly acceptsBytes: boolean;
  /** Whether an SQLStream's rows may be the server's own CSV (PostgreSQL's COPY), byte for byte. */
  readonly takesServerCsv: boolean;
  /**
   * Writes `input`'s rows. `rowsBefore`: rows written before these (the earlier parts of a split
   * export), so that an error names the row as counted over the whole export.
   */
  writeRows(input: CsvInput, rowsBefore: number): WrittenRows;
  /**
   * Writes an SQLStream's rows from the server's own CSV of them (PostgreSQL's COPY) and their
   * columns as the server declares them; a format without it is written from the rows.
   */
  writeServerCsv?(copy: ServerCsv, rowsBefore: number): WrittenRows;
  /** Reads an object of the format back as rows; undefined when it cannot be read back. */
  readonly readRows?: RowsReader;
}

/**
 * `writeRows` for a format written from records (column names, then values in column order):
 * `chunks` turns them into bytes (`counter.types`: the columns' declared types, once the header is read).
 */
export function recordsWriter(
  label: string,
  chunks: (records: RowRecords, rowsBefore: number, counter: RowCounter) => AsyncIterable<Buffer>,
): (input: CsvInput, rowsBefore: number) => WrittenRows {
  return (input, rowsBefore) => {
    const counter: RowCounter = { columns: [], rows: 0 };
    const records = rowRecords(input, counter, label);
    return { body: Readable.from(chunks(records, rowsBefore, counter), { objectMode: false }), rows: () => counter.rows };
  };
}
