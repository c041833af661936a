/**
 * The kind of value each column holds (`ValueKind`), inferred from its values: what the column
 * type of a table `SQLWrite` creates is chosen from, engine by engine (`Dialect.columnType`).
 */
import type { Table } from '../../data/frame';
import type { ValueKind } from './dialect';

/** How many rows of a streamed input its column types are inferred from. */
export const INFER_ROWS = 1000;

const DATE = /^\d{4}-\d\d-\d\d$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?$/;
const TIMESTAMPTZ = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d(:?\d\d)?)$/;

function kindOf(value: unknown): ValueKind {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'integer';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'float';
    case 'string':
      if (DATE.test(value)) return 'date';
      if (TIMESTAMP.test(value)) return 'timestamp';
      if (TIMESTAMPTZ.test(value)) return 'timestamptz';
      return 'text';
    default:
      if (value instanceof Date) return 'timestamptz';
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) return 'binary';
      return 'json';
  }
}

function merge(a: ValueKind, b: ValueKind): ValueKind {
  if (a === b) return a;
  const pair = new Set([a, b]);
  const numbers: ValueKind[] = ['integer', 'float', 'numeric'];
  if ([...pair].every((k) => numbers.includes(k))) return pair.has('numeric') ? 'numeric' : 'float';
  if (pair.has('timestamp') && (pair.has('date') || pair.has('timestamptz'))) return pair.has('timestamptz') ? 'timestamptz' : 'timestamp';
  if (pair.has('date') && pair.has('timestamptz')) return 'timestamptz';
  return 'text';
}

/** The kind of each column, from its non-null values (a column of NULLs is text). */
export function inferKinds(table: Table): ValueKind[] {
  return table.columns.map((_, i) => {
    let kind: ValueKind | undefined;
    let bigIntegers = false;
    for (const row of table.rows) {
      const value = row[i];
      if (value === null || value === undefined) continue;
      if (typeof value === 'bigint' || (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value))) bigIntegers = true;
      const k = kindOf(value);
      kind = kind === undefined ? k : merge(kind, k);
      if (kind === 'text') break;
    }
    // Integers beyond 2^53 mixed with fractions need exact decimals, not doubles.
    if (kind === 'float' && bigIntegers) return 'numeric';
    return kind ?? 'text';
  });
}
