/**
 * The Parquet type of each column, and its schema element. A column whose database type is
 * known (`SqlColumn`: an SQLStream's rows, a TableStream) takes its type from it, never from
 * its values, so `infinity` in a timestamp column keeps the column a timestamp:
 *
 * - boolean → BOOLEAN; int2 → INT32 (INT(16)); int4 → INT32; int8 → INT64; float4 → FLOAT; float8 → DOUBLE
 *   (NaN and ±Infinity kept)
 * - numeric(p, s) with p ≤ 38 → DECIMAL(p, s) (INT32 up to 9 digits, INT64 up to 18, else 16
 *   bytes); numeric without a precision, or over 38 digits → UTF8, PostgreSQL's exact text (never
 *   rounded); NaN in a numeric(p, s) column fails the export, naming the column and row
 * - timestamptz → TIMESTAMP(MICROS, UTC); timestamp → TIMESTAMP(MICROS, not UTC-adjusted);
 *   date → DATE; time → TIME(MICROS); years before Christ kept; ±infinity as in `parquet-values.ts`
 * - json, jsonb → BYTE_ARRAY, logical type JSON (PostgreSQL's text of the document)
 * - uuid → FIXED_LEN_BYTE_ARRAY(16), logical type UUID
 * - bytea → BYTE_ARRAY
 * - text, varchar, char, and timetz, interval, arrays, inet and every other type → UTF8,
 *   PostgreSQL's text of the value (an array as `{1,2,3}`)
 *
 * Every column is OPTIONAL: NULL stays NULL.
 */
import type { SqlColumn } from './sql-columns';

/** What a Parquet column holds. */
export type ParquetKind =
  | 'boolean'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float'
  | 'double'
  | 'decimal'
  | 'timestamptz'
  | 'timestamp'
  | 'date'
  | 'time'
  | 'bytes'
  | 'json'
  | 'uuid'
  | 'text';

export interface ParquetColumn {
  kind: ParquetKind;
  /** Digits and decimals kept, for `decimal`. */
  precision: number;
  scale: number;
  /** The database's name of the column's type, when the type was declared (messages show it). */
  dbType?: string;
}

/** The most digits a DECIMAL of 16 bytes holds. */
export const MAX_PRECISION = 38;

function column(kind: ParquetKind, dbType?: string, precision = 0, scale = 0): ParquetColumn {
  return { kind, precision, scale, dbType };
}

/** The Parquet type of a column the database declares. */
export function declaredColumn(sql: SqlColumn): ParquetColumn {
  const { dbType } = sql;
  switch (sql.kind) {
    case 'boolean':
      return column('boolean', dbType);
    case 'int16':
    case 'int32':
      return column(sql.kind, dbType);
    case 'int64':
      return column('int64', dbType);
    case 'float32':
      return column('float', dbType);
    case 'float64':
      return column('double', dbType);
    case 'decimal':
      return sql.precision !== undefined && sql.precision >= 1 && sql.precision <= MAX_PRECISION
        ? column('decimal', dbType, sql.precision, sql.scale ?? 0)
        : column('text', dbType);
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'json':
    case 'uuid':
    case 'bytes':
      return column(sql.kind, dbType);
    case 'time':
      // timetz has a zone Parquet's TIME cannot hold: its text.
      return column(dbType === 'time' ? 'time' : 'text', dbType);
    default:
      return column('text', dbType);
  }
}

/** The Parquet schema element of a column. */
export function schemaElement(name: string, type: ParquetColumn): Record<string, unknown> {
  const base = { name, repetition_type: 'OPTIONAL' };
  switch (type.kind) {
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
    case 'int16':
      return { ...base, type: 'INT32', converted_type: 'INT_16' };
    case 'int32':
      return { ...base, type: 'INT32' };
    case 'int64':
      return { ...base, type: 'INT64' };
    case 'float':
      return { ...base, type: 'FLOAT' };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'decimal': {
      const decimal = { converted_type: 'DECIMAL', precision: type.precision, scale: type.scale };
      // As small a physical type as the digits fit in, as the format asks: cheaper to write and to read.
      if (type.precision <= 9) return { ...base, type: 'INT32', ...decimal };
      if (type.precision <= 18) return { ...base, type: 'INT64', ...decimal };
      return { ...base, type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, ...decimal };
    }
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
    case 'time':
      return { ...base, type: 'INT64', logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MICROS' } };
    case 'bytes':
      return { ...base, type: 'BYTE_ARRAY' };
    case 'json':
      // The converted type as well as the logical type: DuckDB needs it to read them as JSON rather than bytes.
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } };
    case 'uuid':
      return { ...base, type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, logical_type: { type: 'UUID' } };
    case 'text':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  }
}

