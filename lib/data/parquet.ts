/**
 * Parquet for ToS3 and ToCSV, through hyparquet-writer (pure JavaScript, loaded on first use).
 *
 * Rows are written in row groups of `rowGroupSize` rows: one group is held at a time, so a
 * large stream is never held whole. The column types come from the first row group, since a
 * Parquet file has one type per column and the values as bigints, numbers, booleans and the
 * SQL tasks' strings carry no declared type:
 *
 * - bigint, or integer numbers only → INT64 (exact over the whole 64-bit range)
 * - numbers with a fraction → DOUBLE
 * - booleans → BOOLEAN
 * - strings of digits with a decimal point (PostgreSQL numeric) → DECIMAL(38, s), `s` the
 *   most decimals seen in the first row group; a later value with more decimals fails
 * - ISO timestamps with a zone (`…Z`, `…+00`) and `Date`s → TIMESTAMP(MICROS, UTC)
 * - ISO timestamps without a zone → TIMESTAMP(MICROS, not UTC-adjusted)
 * - `YYYY-MM-DD` strings → DATE
 * - bytes → BYTE_ARRAY; plain objects and arrays → JSON text; other strings → UTF8
 * - a column with only NULLs in the first group → UTF8
 *
 * Every column is OPTIONAL: NULL stays NULL. A later value that does not fit its column's type
 * fails the write with an error naming the column and the row.
 */
import type { RowRecords } from './csv';
import { loneSurrogateProblem } from './text-encoding';

/** The content type of a Parquet object. */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** Rows per row group unless said otherwise. */
export const PARQUET_ROW_GROUP_SIZE = 100_000;

type Kind = 'int64' | 'double' | 'boolean' | 'decimal' | 'timestamptz' | 'timestamp' | 'date' | 'bytes' | 'json' | 'text';

interface ColumnType {
  kind: Kind;
  /** Decimals kept, for `decimal`. */
  scale: number;
}

// Loose on purpose: years before 1000 or after 9999, an optional fraction, a zone or none, and
// PostgreSQL's own text of a year before Christ (`0044-03-15 12:00:00+00 BC`: 44 BC is year -43).
const TIMESTAMP = /^(-?\d{4,})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d(?::?\d\d)?)?( BC)?$/;
const DATE = /^(-?\d{4,})-(\d\d)-(\d\d)( BC)?$/;

/** The astronomical year of a matched year and era: 1 BC is year 0. */
function year(digits: string, bc: string | undefined): number {
  return bc ? 1 - Number(digits) : Number(digits);
}
const DECIMAL = /^-?\d+(?:\.(\d+))?$/;
const MAX_DECIMAL = 10n ** 38n;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/** The kind of one non-null value, before columns are compared. */
function valueKind(value: unknown): Kind | 'integer' | 'string' | undefined {
  if (typeof value === 'bigint') return 'int64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'double';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (value instanceof Date) return 'timestamptz';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object' && value !== null && isPlainObject(value)) return 'json';
  return undefined;
}

function stringType(values: string[]): ColumnType {
  if (values.every((v) => TIMESTAMP.test(v))) {
    const zoned = values.map((v) => TIMESTAMP.exec(v)![8] !== undefined);
    if (zoned.every(Boolean)) return { kind: 'timestamptz', scale: 0 };
    if (!zoned.some(Boolean)) return { kind: 'timestamp', scale: 0 };
  }
  if (values.every((v) => DATE.test(v))) return { kind: 'date', scale: 0 };
  if (values.every((v) => DECIMAL.test(v)) && values.some((v) => v.includes('.'))) {
    return { kind: 'decimal', scale: Math.max(...values.map((v) => DECIMAL.exec(v)![1]?.length ?? 0)) };
  }
  return { kind: 'text', scale: 0 };
}

/** The type of column `name` from its values in the first row group. */
export function columnType(name: string, values: readonly unknown[]): ColumnType {
  const kinds = new Set<string>();
  const strings: string[] = [];
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const kind = valueKind(value);
    if (kind === undefined) {
      throw new TypeError(`Parquet: column \`${name}\` holds ${Object.prototype.toString.call(value)}, which has no Parquet type`);
    }
    kinds.add(kind);
    if (typeof value === 'string') strings.push(value);
  }
  if (kinds.size === 0) return { kind: 'text', scale: 0 };
  if (kinds.size === 1) {
    const [kind] = kinds;
    if (kind === 'integer') return { kind: 'int64', scale: 0 };
    if (kind === 'string') return stringType(strings);
    return { kind: kind as Kind, scale: 0 };
  }
  if ([...kinds].every((k) => k === 'integer' || k === 'int64')) return { kind: 'int64', scale: 0 };
  if ([...kinds].every((k) => k === 'integer' || k === 'double')) return { kind: 'double', scale: 0 };
  throw new TypeError(
    `Parquet: column \`${name}\` mixes ${[...kinds].sort().join(' and ')} values; a Parquet column has one type (cast it in the query)`,
  );
}

/** The Parquet schema element of a column. */
function schemaElement(name: string, type: ColumnType): Record<string, unknown> {
  const base = { name, repetition_type: 'OPTIONAL' };
  switch (type.kind) {
    case 'int64':
      return { ...base, type: 'INT64' };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
    case 'decimal':
      return { ...base, type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, converted_type: 'DECIMAL', precision: 38, scale: type.scale };
    case 'timestamptz':
      return {
        ...base,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    case 'timestamp':
      return { ...base, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } };
    case 'date':
      return { ...base, type: 'INT32', converted_type: 'DATE' };
    case 'bytes':
      return { ...base, type: 'BYTE_ARRAY' };
    case 'json':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'JSON' };
    case 'text':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  }
}

/** Milliseconds since the epoch of a UTC date and time; years 0–99 are not taken as 19xx. */
function utcMillis(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  return date.getTime();
}

/** Microseconds since the epoch of an ISO timestamp (its zone, when given, applied). */
export function timestampMicros(text: string): bigint | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  let millis = utcMillis(year(m[1], m[9]), +m[2], +m[3], +m[4], +m[5], +m[6]);
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    millis -= (zone[0] === '-' ? -minutes : minutes) * 60_000;
  }
  return BigInt(millis) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

/** The unscaled integer of a decimal string at `scale` decimals; undefined if it does not fit. */
export function unscaledDecimal(text: string, scale: number): bigint | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const fraction = m[1] ?? '';
  if (fraction.length > scale) return undefined;
  const [whole] = text.split('.');
  const value = BigInt(whole + fraction.padEnd(scale, '0'));
  return (value < 0n ? -value : value) < MAX_DECIMAL ? value : undefined;
}

/** Column `index`'s values converted to what the writer takes for its type. */
function columnValues(name: string, type: ColumnType, values: unknown[], firstRow: number): unknown[] {
  return values.map((value, i) => {
    if (value === null || value === undefined) return null;
    const converted = convert(type, value);
    const problem = typeof converted === 'string' ? loneSurrogateProblem(converted) : undefined;
    if (problem !== undefined) throw new TypeError(`Parquet: column \`${name}\` of row ${firstRow + i} ${problem}`);
    if (converted === undefined) {
      const shown = typeof value === 'string' ? JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value) : String(value);
      const wanted = type.kind === 'decimal' ? `decimal with at most ${type.scale} decimals and 38 digits` : type.kind;
      throw new TypeError(
        `Parquet: column \`${name}\` of row ${firstRow + i} is ${shown}, but the column's type, from the first row group, is ${wanted}; ` +
          'cast the column in the query so that every row has one type',
      );
    }
    return converted;
  });
}

function convert(type: ColumnType, value: unknown): unknown {
  switch (type.kind) {
    case 'int64':
      if (typeof value === 'bigint') return value;
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
    case 'double':
      return typeof value === 'number' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'decimal':
      return typeof value === 'string' ? unscaledDecimal(value, type.scale) : undefined;
    case 'timestamptz':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : BigInt(value.getTime()) * 1000n;
      return typeof value === 'string' && TIMESTAMP.exec(value)?.[8] !== undefined ? timestampMicros(value) : undefined;
    case 'timestamp':
      return typeof value === 'string' && TIMESTAMP.exec(value)?.[8] === undefined ? timestampMicros(value) : undefined;
    case 'date': {
      const m = typeof value === 'string' ? DATE.exec(value) : null;
      return m ? utcMillis(year(m[1], m[4]), +m[2], +m[3]) / 86_400_000 : undefined;
    }
    case 'bytes':
      return value instanceof Uint8Array ? value : undefined;
    case 'json':
      return typeof value === 'object' && isPlainObject(value as object) ? value : undefined;
    case 'text':
      return typeof value === 'string' ? value : undefined;
  }
}

interface ByteSink {
  buffer: ArrayBuffer;
  index: number;
  flush?: () => void;
}

/**
 * The Parquet bytes of `records` (its first item the column names, then one array per row),
 * as chunks: one or more per row group, then the footer. `counter.rows` counts rows read.
 */
export async function* parquetChunks(records: RowRecords, rowGroupSize = PARQUET_ROW_GROUP_SIZE, rowsBefore = 0): AsyncGenerator<Buffer> {
  const { ByteWriter, ParquetWriter } = await import('hyparquet-writer');
  const iterator = records[Symbol.asyncIterator]();
  const head = await iterator.next();
  if (head.done) return;
  const columns = head.value.map(String);
  const sink = new ByteWriter() as unknown as ByteSink;
  const chunks: Buffer[] = [];
  sink.flush = () => {
    if (sink.index > 0) chunks.push(Buffer.from(sink.buffer.slice(0, sink.index)));
    sink.index = 0;
  };
  let writer: InstanceType<typeof ParquetWriter> | undefined;
  let types: ColumnType[] = [];
  let written = 0;
  let done = false;
  try {
    while (!done) {
      const group: unknown[][] = columns.map(() => []);
      let size = 0;
      while (size < rowGroupSize) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        for (let j = 0; j < columns.length; j++) group[j].push(next.value[j]);
        size += 1;
      }
      if (writer === undefined) {
        types = columns.map((name, j) => columnType(name, group[j]));
        const schema = [{ name: 'root', num_children: columns.length }, ...columns.map((name, j) => schemaElement(name, types[j]))];
        writer = new ParquetWriter({ writer: sink as never, schema: schema as never, createdBy: 'bigrays' });
      }
      if (size > 0) {
        const columnData = columns.map((name, j) => ({ name, data: columnValues(name, types[j], group[j], rowsBefore + written + 1) }));
        await writer.write({ columnData: columnData as never, rowGroupSize: size });
        written += size;
      }
      sink.flush();
      yield* chunks.splice(0);
    }
    writer!.finish(); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    sink.flush();
    yield* chunks.splice(0);
    done = true;
  } finally {
    if (!done) await iterator.return?.(undefined as never);
  }
}
