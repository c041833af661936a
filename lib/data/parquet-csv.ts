/**
 * Parquet from the server's CSV of a query (PostgreSQL's `COPY … CSV, HEADER`) and its columns
 * as the server declares them: each field appended from its bytes to its column's builder by
 * the column's type, no JavaScript value made of it, the same file the rows read one by one
 * make (`parquet.ts`): the same values, row groups bounded alike, the same refusals.
 *
 * Integers, decimals of up to 15 digits, booleans, common timestamps, dates and times are read
 * from their digits, text, JSON and the types kept as text copied as they are, bytea's hex
 * decoded; any other field (`infinity`, years before Christ, longer decimals, floats, bytea's
 * escape form) is made into the value the rows read one by one hold, and appended as they are.
 */
import { byteaBytes } from './bytea';
import { ColumnBuilder } from './parquet-builder';
import { declaredColumn, type ParquetColumn } from './parquet-columns';
import { csvDateDays, csvDecimal, csvInteger, csvTimeMicros, csvTimestampMicros, hexInto } from './parquet-csv-scan';
import { ParquetFile, type ParquetParts } from './parquet-file';
import { appendValue, builderOf, parquetSchema, PARQUET_ROW_GROUP_BYTES, PARQUET_ROW_GROUP_SIZE } from './parquet';
import { ServerCsvRecords } from './server-csv-records';
import type { SqlColumn } from './sql-columns';

/** How a column's field is appended. */
const INT32 = 0;
const INT64 = 1;
const FLOAT = 2;
const DOUBLE = 3;
const BOOLEAN = 4;
const DECIMAL = 5;
const TIMESTAMP = 6;
const DATE = 7;
const TIME = 8;
const BYTES = 9;
const UUID = 10;
const TEXT = 11;

const WAYS: Record<ParquetColumn['kind'], number> = {
  boolean: BOOLEAN,
  int16: INT32,
  int32: INT32,
  int64: INT64,
  float: FLOAT,
  double: DOUBLE,
  decimal: DECIMAL,
  timestamptz: TIMESTAMP,
  timestamp: TIMESTAMP,
  date: DATE,
  time: TIME,
  bytes: BYTES,
  json: TEXT,
  uuid: UUID,
  text: TEXT,
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const TWO_32 = 4_294_967_296;

/** Writes a safe integer as a 16-byte big-endian two's complement integer at `offset`. */
function int128At(value: number, data: Buffer, offset: number): boolean {
  const sign = value < 0 ? -1 : 0;
  const high = Math.floor(value / TWO_32);
  data.writeInt32BE(sign, offset);
  data.writeInt32BE(sign, offset + 4);
  data.writeInt32BE(high, offset + 8);
  data.writeUInt32BE(value - high * TWO_32, offset + 12);
  return true;
}

/** A field's text (`quoted`: each `""` one quote). */
function fieldText(buf: Buffer, from: number, to: number, quoted: boolean): string {
  const text = buf.toString('utf8', from, to);
  return quoted && buf.indexOf(QUOTE, from) < to ? text.replace(/""/g, '"') : text;
}

/** A field's value as the rows read one by one hold it (./sql-rows.ts): the types read from text parsed, the others their text. */
function rowsValue(way: number, text: string): unknown {
  switch (way) {
    case INT32:
    case FLOAT:
    case DOUBLE:
      return Number(text);
    case INT64: {
      const big = BigInt(text);
      return Number.isSafeInteger(Number(big)) ? Number(big) : big;
    }
    case BOOLEAN:
      return text === 't' || text === 'true';
    case BYTES:
      return byteaBytes(text);
    default:
      return text;
  }
}

/** Writes the server's CSV, chunk by chunk, as Parquet. */
export class CsvParquet extends ServerCsvRecords {
  private readonly types: ParquetColumn[];
  private readonly ways: Uint8Array;
  private readonly builders: ColumnBuilder[];
  private readonly schema: Array<Record<string, unknown>>;
  private readonly file: ParquetFile;
  private out: Buffer[] = [];
  /** Rows in the row group being gathered. */
  private groupRows = 0;

  constructor(
    parts: ParquetParts,
    columns: readonly SqlColumn[],
    rowsBefore = 0,
    private readonly rowGroupSize = PARQUET_ROW_GROUP_SIZE,
  ) {
    super('Parquet', columns.map((column) => column.name), rowsBefore);
    this.types = columns.map(declaredColumn);
    this.ways = Uint8Array.from(this.types, (type) => WAYS[type.kind]);
    this.builders = builderOf(this.names, this.types);
    this.schema = parquetSchema(this.names, this.types);
    this.file = new ParquetFile(parts, this.schema);
    this.out.push(...this.file.start());
  }

  /** The Parquet bytes of the row groups `chunk` completes (the file's first bytes with the first). */
  push(chunk: Buffer): Buffer[] {
    this.feed(chunk);
    return this.take();
  }

  /** The last row group and the footer, once the CSV has ended. */
  end(): Buffer[] {
    this.finish();
    if (this.groupRows > 0) this.flush();
    this.out.push(...this.file.footer(this.schema));
    return this.take();
  }

  protected write(buf: Buffer): void {
    if (this.groupRows >= this.rowGroupSize || this.groupBytes() >= PARQUET_ROW_GROUP_BYTES) this.flush();
    const { starts, ends, quoted, ways, builders } = this;
    for (let j = 0; j < ways.length; j++) {
      const from = starts[j];
      const to = ends[j];
      const builder = builders[j];
      if (from === to && quoted[j] === 0) builder.appendNull();
      else if (!this.append(builder, ways[j], j, buf, from, to)) {
        appendValue(builder, this.names[j], this.types[j], rowsValue(ways[j], fieldText(buf, from, to, quoted[j] === 1)), this.rowsBefore + this.rows + 1);
      }
    }
    this.groupRows += 1;
  }

  /** Appends field `j` from its bytes; false (nothing appended) when it is to be read from its text. */
  private append(builder: ColumnBuilder, way: number, j: number, buf: Buffer, from: number, to: number): boolean {
    switch (way) {
      case INT32: {
        const value = csvInteger(buf, from, to);
        if (value === undefined) return false;
        builder.appendInt32(value);
        return true;
      }
      case INT64: {
        const value = csvInteger(buf, from, to);
        if (value === undefined) return false;
        builder.appendInt64(value);
        return true;
      }
      case FLOAT:
      case DOUBLE: {
        const value = Number(buf.toString('latin1', from, to));
        if (way === FLOAT) builder.appendFloat(value);
        else builder.appendDouble(value);
        return true;
      }
      case BOOLEAN:
        if (to - from !== 1) return false;
        builder.appendBoolean(buf[from] === 0x74 /* t */);
        return true;
      case DECIMAL: {
        const type = this.types[j];
        const value = csvDecimal(buf, from, to, type.scale, type.precision);
        if (value === undefined) return false;
        if (type.precision <= 9) builder.appendInt32(value);
        else if (type.precision <= 18) builder.appendInt64(value);
        else return builder.appendFixed(16, (data, offset) => int128At(value, data, offset));
        return true;
      }
      case TIMESTAMP:
        return this.appendInt64(builder, csvTimestampMicros(buf, from, to));
      case TIME:
        return this.appendInt64(builder, csvTimeMicros(buf, from, to));
      case DATE: {
        const days = csvDateDays(buf, from, to);
        if (days === undefined) return false;
        builder.appendInt32(days);
        return true;
      }
      case BYTES:
        return this.quoted[j] === 0 && buf[from] === BACKSLASH && buf[from + 1] === 0x78 /* x */ && builder.appendHex(buf, from + 2, to);
      case UUID:
        return to - from === 36 && builder.appendFixed(16, (data, offset) => hexInto(buf, from, to, data, offset, true) === 16);
      case TEXT:
        builder.appendCsvText(buf, from, to, this.quoted[j] === 1);
        return true;
      default:
        return false;
    }
  }

  private appendInt64(builder: ColumnBuilder, value: number | undefined): boolean {
    if (value === undefined) return false;
    builder.appendInt64(value);
    return true;
  }

  /** About how many bytes of values the row group holds, as the rows' row groups count them. */
  private groupBytes(): number {
    let bytes = 0;
    for (const builder of this.builders) bytes += builder.byteLength;
    return bytes;
  }

  /** Writes the row group gathered, and empties the builders for the next. */
  private flush(): void {
    this.out.push(...this.file.rowGroup(this.builders));
    for (const builder of this.builders) builder.reset();
    this.groupRows = 0;
  }

  private take(): Buffer[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
