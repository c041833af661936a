/**
 * A query's columns as the database declares them (`SqlColumn`): what a format that keeps
 * types (Parquet) takes its column types from, and what a format written from the server's own
 * text (JSON lines from COPY) converts each field by. The kind is the database's column type,
 * never a guess from values: a column of timestamps stays a timestamp column even when a value
 * is `infinity`.
 */

/** What a column holds, engine-neutral. */
export type SqlColumnKind =
  | 'boolean'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  /** Exact decimal (numeric/decimal), `precision`/`scale` when declared. */
  | 'decimal'
  | 'text'
  | 'json'
  | 'uuid'
  | 'bytes'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  /** An array of `element` (PostgreSQL arrays). */
  | 'array'
  /** Any other type: kept as the database's text of it. */
  | 'other';

export interface SqlColumn {
  /** The column's name in the result. */
  readonly name: string;
  readonly kind: SqlColumnKind;
  /** The engine's own name of the type (`timestamptz`, `numeric(12,2)`, `_int4`), as messages show it. */
  readonly dbType: string;
  /** Digits and decimals of a `decimal` column, when the database declares them. */
  readonly precision?: number;
  readonly scale?: number;
  /** The kind of an `array` column's elements. */
  readonly element?: SqlColumnKind;
}
