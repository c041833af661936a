/**
 * Whether the input still fits an existing table's column types, before anything is written:
 * a declared type (`columnTypes`, a query's column types) against the table's by family, and
 * values against the table's family one by one. Only a clear mismatch counts (text into an
 * integer column, a fraction into an integer column); types the check does not know pass.
 */
import { inferKinds } from './column-kinds';

/** A family of SQL types: what values a column of it takes. */
type Family = 'integer' | 'decimal' | 'boolean' | 'temporal' | 'text' | 'binary' | 'json' | 'other';

const FAMILIES: Array<[RegExp, Family]> = [
  [/^(bool|bit\b)/, 'boolean'],
  [/^((tiny|small|medium|big)?int(eger)?|int[248]|(small|big)?serial\d?)\b/, 'integer'],
  [/^(numeric|decimal|real|double|float|money|smallmoney|number)\b/, 'decimal'],
  [/^(date|time|timestamp|datetime\d?|smalldatetime|datetimeoffset)\b/, 'temporal'],
  [/^(text|char|varchar|character|nchar|nvarchar|ntext|clob|string|citext|(tiny|medium|long)text)\b/, 'text'],
  [/^(bytea|blob|binary|varbinary|(tiny|medium|long)blob|image)\b/, 'binary'],
  [/^jsonb?\b/, 'json'],
];

/** The family of an SQL type name (`character varying(20)`, `BIGINT`, `numeric(12,2)`). */
export function familyOf(type: string): Family {
  const name = type.trim().toLowerCase();
  // An array of a type (`integer[]`) takes what the type does not.
  if (name.endsWith(']')) return 'other';
  return FAMILIES.find(([pattern]) => pattern.test(name))?.[1] ?? 'other';
}

/** Whether a column of family `from` can be written to one of family `to`. */
function assignable(from: Family, to: Family): boolean {
  if (from === to || from === 'other' || to === 'other' || to === 'text') return true;
  if (to === 'decimal') return from === 'integer';
  if (to === 'json') return from === 'text';
  return false;
}

const INTEGER = /^\s*[+-]?\d+\s*$/;
const DECIMAL = /^\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(Infinity|inf)|NaN)\s*$/i;
const BOOLEAN = /^\s*(t|f|true|false|y|n|yes|no|on|off|1|0)\s*$/i;
const TEMPORAL = /^\s*(\d{4}-\d\d-\d\d|\d\d:\d\d)/;

/** Whether `value` can go into a column of family `to`. */
function fits(value: unknown, to: Family): boolean {
  if (value === null || value === undefined) return true;
  switch (to) {
    case 'integer':
      return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'boolean' || (typeof value === 'string' && INTEGER.test(value));
    case 'decimal':
      return typeof value === 'number' || typeof value === 'bigint' || (typeof value === 'string' && DECIMAL.test(value));
    case 'boolean':
      return typeof value === 'boolean' || value === 0 || value === 1 || (typeof value === 'string' && BOOLEAN.test(value));
    case 'temporal':
      return value instanceof Date || (typeof value === 'string' && TEMPORAL.test(value));
    default:
      return true;
  }
}

/** A column that no longer fits: its name, the input's type and the table's. */
export interface Misfit {
  column: string;
  input: string;
  table: string;
  /** The first row (1-based) whose value does not fit, when values were checked. */
  row?: number;
}

/**
 * The first input column whose declared type (`declared[column]`) or values (`sample`, rows in
 * `columns` order) do not fit the table's column of the same name; undefined when all fit.
 */
export function firstMisfit(
  columns: readonly string[],
  tableTypes: ReadonlyMap<string, string>,
  declared: Readonly<Record<string, string>>,
  sample: readonly unknown[][],
): Misfit | undefined {
  const kinds = sample.length > 0 ? inferKinds({ columns: [...columns], rows: sample as unknown[][] }) : [];
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const table = tableTypes.get(column);
    if (table === undefined) continue;
    const to = familyOf(table);
    if (Object.prototype.hasOwnProperty.call(declared, column)) {
      if (!assignable(familyOf(declared[column]), to)) return { column, input: declared[column], table };
      continue;
    }
    const row = sample.findIndex((values) => !fits(values[i], to));
    if (row >= 0) return { column, input: kinds[i] ?? 'text', table, row: row + 1 };
  }
  return undefined;
}
