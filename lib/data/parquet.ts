/**
 * Parquet for ToS3 and ToCSV, through hyparquet-writer (pure JavaScript, loaded on first use),
 * snappy-compressed.
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
import type { RowCounter, RowRecords } from './csv';
import { declaredColumn, footerSchema, schemaElement, type ParquetColumn } from './parquet-columns';
import { inferredColumn } from './parquet-infer';
import { parquetValue } from './parquet-values';
import { loneSurrogateProblem } from './text-encoding';

/** The content type of a Parquet object. */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** Rows per row group unless said otherwise. */
export const PARQUET_ROW_GROUP_SIZE = 100_000;

/** About how many bytes of values a row group holds before it is written. */
export const PARQUET_ROW_GROUP_BYTES = 16 * 1024 * 1024;

interface ByteSink {
  buffer: ArrayBuffer;
  index: number;
  flush?: () => void;
}

/** About how many bytes `value` takes in a column. */
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return value.length + 4;
  if (value instanceof Uint8Array) return value.byteLength + 4;
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

/** `value` converted for column `name` of type `type`, or a TypeError naming the column and `row`. */
function converted(name: string, type: ParquetColumn, value: unknown, row: number): unknown {
  if (value === null || value === undefined) return null;
  const result = parquetValue(type, value);
  if (typeof result === 'string') {
    const problem = loneSurrogateProblem(result);
    if (problem !== undefined) throw new TypeError(`Parquet: column \`${name}\` of row ${row} ${problem}`);
  }
  if (result === undefined) {
    throw new TypeError(
      `Parquet: column \`${name}\` of row ${row} is ${shownValue(value)}, but the column's type is ${wanted(type)}; ` +
        'cast the column in the query so that every row has one type (to text, say)',
    );
  }
  return result;
}

/** One row group being gathered: values by column, converted once the types are known. */
class RowGroup {
  readonly values: unknown[][];
  rows = 0;
  bytes = 0;

  constructor(
    private readonly columns: readonly string[],
    private types: ParquetColumn[] | undefined,
    private readonly firstRow: number,
  ) {
    this.values = columns.map(() => []);
  }

  add(record: readonly unknown[]): void {
    const row = this.firstRow + this.rows;
    const types = this.types;
    for (let j = 0; j < this.columns.length; j++) {
      const value = record[j];
      this.bytes += valueBytes(value);
      this.values[j].push(types === undefined ? value : converted(this.columns[j], types[j], value, row));
    }
    this.rows += 1;
  }

  /** The columns' types, inferred from this group's values if not known; its values converted. */
  typed(): ParquetColumn[] {
    if (this.types !== undefined) return this.types;
    const types = this.columns.map((name, j) => inferredColumn(name, this.values[j]));
    this.values.forEach((values, j) => {
      for (let i = 0; i < values.length; i++) values[i] = converted(this.columns[j], types[j], values[i], this.firstRow + i);
    });
    this.types = types;
    return types;
  }
}

/**
 * The Parquet bytes of `records` (its first item the column names, then one array per row),
 * as chunks: one or more per row group, then the footer. The column types are `counter.types`
 * when the input declares them once its header is read.
 */
export async function* parquetChunks(
  records: RowRecords,
  rowGroupSize = PARQUET_ROW_GROUP_SIZE,
  rowsBefore = 0,
  counter?: RowCounter,
): AsyncGenerator<Buffer> {
  const { ByteWriter, ParquetWriter } = await import('hyparquet-writer');
  const iterator = records[Symbol.asyncIterator]();
  const head = await iterator.next();
  if (head.done) return;
  const columns = head.value.map(String);
  const declared = counter?.types?.length === columns.length ? counter.types.map(declaredColumn) : undefined;
  const sink = new ByteWriter() as unknown as ByteSink;
  const chunks: Buffer[] = [];
  sink.flush = () => {
    if (sink.index > 0) chunks.push(Buffer.from(sink.buffer.slice(0, sink.index)));
    sink.index = 0;
  };
  let writer: InstanceType<typeof ParquetWriter> | undefined;
  let schema: Array<Record<string, unknown>> = [];
  let types = declared;
  let written = 0;
  let done = false;
  try {
    while (!done) {
      const group = new RowGroup(columns, types, rowsBefore + written + 1);
      while (group.rows < rowGroupSize && group.bytes < PARQUET_ROW_GROUP_BYTES) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        group.add(next.value);
      }
      types = group.typed();
      if (writer === undefined) {
        schema = [{ name: 'root', num_children: columns.length }, ...columns.map((name, j) => schemaElement(name, types![j]))];
        writer = new ParquetWriter({ writer: sink as never, schema: schema as never, codec: 'SNAPPY', createdBy: 'bigrays' });
      }
      if (group.rows > 0) {
        const columnData = columns.map((name, j) => ({ name, data: group.values[j] }));
        await writer.write({ columnData: columnData as never, rowGroupSize: group.rows });
        written += group.rows;
      }
      sink.flush();
      yield* chunks.splice(0);
    }
    footerSchema(schema);
    writer!.finish(); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    sink.flush();
    yield* chunks.splice(0);
    done = true;
  } finally {
    if (!done) await iterator.return?.(undefined as never);
  }
}
