/**
 * Parquet for ToS3 and ToCSV: each column's values appended as their rows arrive to a
 * `ColumnBuilder` (the bytes of their PLAIN encoding, no object per value), each row group
 * written as one snappy-compressed data page per column (`parquet-file.ts`).
 *
 * Rows are written in row groups of at most `rowGroupSize` rows and about
 * `PARQUET_ROW_GROUP_BYTES` of values, whichever comes first: one group is held at a time, so
 * a large stream is never held whole and a wide row does not multiply the memory. Each value is
 * converted to its column's type as its row arrives.
 *
 * The column types come from the database when the input declares them (an SQLStream's rows,
 * see `parquet-columns.ts`), else from the first row group's values (`parquet-infer.ts`). A
 * value that does not fit its column's type fails the write with an error naming the column,
 * the row and the type.
 */
import type { RowCounter } from './csv';
import { jsonText } from './json';
import { ColumnBuilder, type PhysicalType } from './parquet-builder';
import { declaredColumn, schemaElement, type ParquetColumn } from './parquet-columns';
import { ParquetFile, parquetParts } from './parquet-file';
import { inferredColumn } from './parquet-infer';
import { appendParquetValue } from './parquet-values';
import { loneSurrogateProblem } from './text-encoding';

/** The content type of a Parquet object. */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** Rows per row group unless said otherwise. */
export const PARQUET_ROW_GROUP_SIZE = 100_000;

/** About how many bytes of values a row group holds before it is written. */
export const PARQUET_ROW_GROUP_BYTES = 16 * 1024 * 1024;

/** About how many bytes `value` takes in a column. */
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return value.length + 4;
  if (value instanceof Uint8Array) return value.byteLength + 4;
  // An object or array is written as its JSON text (the held group only: a typed one counts its builders' bytes).
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) return jsonText(value).length + 4;
  return 8;
}

function shownValue(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

function wanted(type: ParquetColumn): string {
  if (type.dbType !== undefined) {
    const parquet = type.kind === 'decimal' ? `DECIMAL(${type.precision},${type.scale})` : type.kind;
    return `${parquet} (the database's ${type.dbType})`;
  }
  const kind = type.kind === 'decimal' ? `decimal with at most ${type.scale} decimals and 38 digits` : type.kind;
  return `${kind}, from the first row group`;
}

/** Appends `value` of column `name` to `builder`, or throws a TypeError naming the column and `row`. */
export function appendValue(builder: ColumnBuilder, name: string, type: ParquetColumn, value: unknown, row: number): void {
  if (value === null || value === undefined) {
    builder.appendNull();
    return;
  }
  if (type.kind === 'text' && typeof value === 'string') {
    const problem = loneSurrogateProblem(value);
    if (problem !== undefined) throw new TypeError(`Parquet: column \`${name}\` of row ${row} ${problem}`);
  }
  if (!appendParquetValue(builder, type, value)) {
    throw new TypeError(
      `Parquet: column \`${name}\` of row ${row} is ${shownValue(value)}, but the column's type is ${wanted(type)}; ` +
        'cast the column in the query so that every row has one type (to text, say)',
    );
  }
}

/**
 * One row group being gathered. With the columns' types known, each value goes straight to its
 * column's builder; without them, the first group's values are held until `typed` infers them.
 */
class RowGroup {
  private held: unknown[][] | undefined;
  private heldBytes = 0;
  rows = 0;

  constructor(
    private readonly columns: readonly string[],
    private readonly types: ParquetColumn[] | undefined,
    private readonly builders: ColumnBuilder[] | undefined,
    private readonly firstRow: number,
  ) {
    if (builders === undefined) this.held = columns.map(() => []);
    else for (const builder of builders) builder.reset();
  }

  /** About how many bytes of values the group holds. */
  get bytes(): number {
    if (this.builders === undefined) return this.heldBytes;
    let bytes = 0;
    for (const builder of this.builders) bytes += builder.byteLength;
    return bytes;
  }

  add(record: readonly unknown[]): void {
    const { columns, types, builders } = this;
    if (builders === undefined) {
      for (let j = 0; j < columns.length; j++) {
        this.heldBytes += valueBytes(record[j]);
        this.held![j].push(record[j]); // eslint-disable-line @typescript-eslint/no-non-null-assertion
      }
    } else {
      const row = this.firstRow + this.rows;
      for (let j = 0; j < columns.length; j++) appendValue(builders[j], columns[j], types![j], record[j], row); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    }
    this.rows += 1;
  }

  /** The columns' types, inferred from the held values if not known, and the builders holding the group's values. */
  typed(): { types: ParquetColumn[]; builders: ColumnBuilder[] } {
    if (this.builders !== undefined) return { types: this.types!, builders: this.builders }; // eslint-disable-line @typescript-eslint/no-non-null-assertion
    const held = this.held!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
    const types = this.columns.map((name, j) => inferredColumn(name, held[j]));
    const builders = builderOf(this.columns, types);
    for (let j = 0; j < this.columns.length; j++) {
      for (let i = 0; i < held[j].length; i++) appendValue(builders[j], this.columns[j], types[j], held[j][i], this.firstRow + i);
    }
    this.held = undefined;
    return { types, builders };
  }
}

/** One builder per column, of its physical type. */
export function builderOf(columns: readonly string[], types: readonly ParquetColumn[]): ColumnBuilder[] {
  return columns.map((name, j) => new ColumnBuilder(schemaElement(name, types[j]).type as PhysicalType));
}

/** The file's schema: the root, then one element per column. */
export function parquetSchema(columns: readonly string[], types: readonly ParquetColumn[]): Array<Record<string, unknown>> {
  return [{ name: 'root', num_children: columns.length }, ...columns.map((name, j) => schemaElement(name, types[j]))];
}

/** Records from batches, taken one at a time without a promise each while a batch lasts. */
class BatchReader {
  private batch: unknown[][] = [];
  private at = 0;

  constructor(private readonly batches: AsyncIterator<unknown[][]>) {}

  /** The next record if the current batch has one, else undefined (then call `more`). */
  take(): unknown[] | undefined {
    return this.at < this.batch.length ? this.batch[this.at++] : undefined;
  }

  /** Reads the next batch; false once there is none. */
  async more(): Promise<boolean> {
    const next = await this.batches.next();
    if (next.done) return false;
    this.batch = next.value;
    this.at = 0;
    return true;
  }

  async close(): Promise<void> {
    await this.batches.return?.(undefined as never);
  }
}

/** Fills `group` from `reader` up to its bounds; false once the records are all read. */
async function fill(group: RowGroup, reader: BatchReader, rowGroupSize: number): Promise<boolean> {
  while (group.rows < rowGroupSize && group.bytes < PARQUET_ROW_GROUP_BYTES) {
    const record = reader.take();
    if (record !== undefined) group.add(record);
    else if (!(await reader.more())) return false;
  }
  return true;
}

/** The first record (the column names), or undefined for no records. */
async function header(reader: BatchReader): Promise<unknown[] | undefined> {
  for (;;) {
    const record = reader.take();
    if (record !== undefined) return record;
    if (!(await reader.more())) return undefined;
  }
}

/**
 * The Parquet bytes of `batches` of records (the first record the column names, then one array
 * per row), as chunks: the file's first bytes and each row group, then the footer. The column
 * types are `counter.types` when the input declares them once its header is read.
 */
export async function* parquetChunks(
  batches: AsyncIterable<unknown[][]>,
  rowGroupSize = PARQUET_ROW_GROUP_SIZE,
  rowsBefore = 0,
  counter?: RowCounter,
): AsyncGenerator<Buffer> {
  const parts = await parquetParts();
  const reader = new BatchReader(batches[Symbol.asyncIterator]());
  let done = false;
  try {
    const head = await header(reader);
    if (head === undefined) {
      done = true;
      return;
    }
    const columns = head.map(String);
    let types = counter?.types?.length === columns.length ? counter.types.map(declaredColumn) : undefined;
    let builders = types === undefined ? undefined : builderOf(columns, types);
    let file: ParquetFile | undefined;
    let schema: Array<Record<string, unknown>> = [];
    let written = 0;
    let more = true;
    while (more) {
      const group = new RowGroup(columns, types, builders, rowsBefore + written + 1);
      more = await fill(group, reader, rowGroupSize);
      ({ types, builders } = group.typed());
      if (file === undefined) {
        schema = parquetSchema(columns, types!); // eslint-disable-line @typescript-eslint/no-non-null-assertion
        file = new ParquetFile(parts, schema);
        yield* file.start();
      }
      if (group.rows > 0) {
        yield* file.rowGroup(builders);
        written += group.rows;
      }
    }
    yield* file!.footer(schema); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    done = true;
  } finally {
    if (!done) await reader.close();
  }
}
