/**
 * The Parquet type of a column whose database type is not known (row objects, arrays, a
 * DataFrame, FromS3's rows, an engine that declares none), from its values in the first row
 * group, since a Parquet file has one type per column:
 *
 * - bigint, or integer numbers only → INT64 (exact over the whole 64-bit range)
 * - numbers with a fraction → DOUBLE
 * - booleans → BOOLEAN
 * - strings of digits with a decimal point → DECIMAL(38, s), `s` the most decimals seen in the
 *   first row group; a later value with more decimals fails
 * - ISO timestamps with a zone (`…Z`, `…+00`) and `Date`s → TIMESTAMP(MICROS, UTC)
 * - ISO timestamps without a zone → TIMESTAMP(MICROS, not UTC-adjusted)
 * - `YYYY-MM-DD` strings → DATE
 * - bytes → BYTE_ARRAY; plain objects and arrays → JSON; other strings → UTF8
 * - a column with only NULLs in the first group → UTF8
 */
import type { ParquetColumn, ParquetKind } from './parquet-columns';
import { hasZone, PATTERNS } from './parquet-values';

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

function inferred(kind: ParquetKind, scale = 0): ParquetColumn {
  return { kind, precision: kind === 'decimal' ? 38 : 0, scale };
}

/** The kind of one non-null value, before columns are compared. */
function valueKind(value: unknown): ParquetKind | 'integer' | 'string' | undefined {
  if (typeof value === 'bigint') return 'int64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'double';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (value instanceof Date) return 'timestamptz';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object' && value !== null && isPlainObject(value)) return 'json';
  return undefined;
}

function stringType(values: string[]): ParquetColumn {
  const { TIMESTAMP, DATE, DECIMAL } = PATTERNS;
  if (values.every((v) => TIMESTAMP.test(v))) {
    const zoned = values.map(hasZone);
    if (zoned.every(Boolean)) return inferred('timestamptz');
    if (!zoned.some(Boolean)) return inferred('timestamp');
  }
  if (values.every((v) => DATE.test(v))) return inferred('date');
  if (values.every((v) => DECIMAL.test(v)) && values.some((v) => v.includes('.'))) {
    return inferred('decimal', Math.max(...values.map((v) => DECIMAL.exec(v)![1]?.length ?? 0)));
  }
  return inferred('text');
}

/** The type of column `name` from its values in the first row group. */
export function inferredColumn(name: string, values: readonly unknown[]): ParquetColumn {
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
  if (kinds.size === 0) return inferred('text');
  if (kinds.size === 1) {
    const [kind] = kinds;
    if (kind === 'integer') return inferred('int64');
    if (kind === 'string') return stringType(strings);
    return inferred(kind as ParquetKind);
  }
  if ([...kinds].every((k) => k === 'integer' || k === 'int64')) return inferred('int64');
  if ([...kinds].every((k) => k === 'integer' || k === 'double')) return inferred('double');
  throw new TypeError(
    `Parquet: column \`${name}\` mixes ${[...kinds].sort().join(' and ')} values; a Parquet column has one type (cast it in the query)`,
  );
}
