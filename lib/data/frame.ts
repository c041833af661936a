/**
 * Tabular data as bigrays moves it: a danfojs-node DataFrame, or an array of row objects.
 * Values are kept exactly as they came: `null` for SQL NULL, `''` for an empty string,
 * `bigint` beyond 2^53, strings for exact numerics, timestamps and dates.
 */
import { danfoLoaded, loadDanfo, type DataFrame } from './danfo';
import type { FrameColumns } from './frame-columns';
import { isLazyFrame, lazyFrame, unmadeColumns } from './lazy-frame';

/** A row as an object keyed by column name. */
export type Row = Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A row object's own value for `column`: undefined when the row lacks it — never a member every
 * object inherits, so columns named `constructor`, `toString` or `__proto__` are plain names.
 */
export function ownValue(row: Row, column: string): unknown {
  return hasOwn.call(row, column) ? row[column] : undefined;
}

/** Sets `column` of `row` as its own property (an assignment to `__proto__` would set the prototype). */
export function setValue(row: Row, column: string, value: unknown): void {
  if (column === '__proto__') Object.defineProperty(row, column, { value, enumerable: true, writable: true, configurable: true });
  else row[column] = value;
}

/** Column names plus rows as arrays, in column order. */
export interface Table {
  columns: string[];
  rows: unknown[][];
}

/** Whether `value` is a danfojs DataFrame (checked without loading danfojs). */
export function isDataFrame(value: unknown): value is DataFrame {
  if (value === null || typeof value !== 'object') return false;
  if (isLazyFrame(value)) return true;
  if (danfoLoaded() && value instanceof loadDanfo().DataFrame) return true;
  const candidate = value as { columns?: unknown; values?: unknown; shape?: unknown; constructor?: { name?: string } };
  return (
    candidate.constructor?.name === 'DataFrame' &&
    Array.isArray(candidate.columns) &&
    Array.isArray(candidate.shape)
  );
}

/** Whether `value` is an array of plain row objects (an empty array counts). */
export function isRowArray(value: unknown): value is Row[] {
  if (!Array.isArray(value)) return false;
  const first = value.find((row) => row !== undefined);
  return first === undefined || (typeof first === 'object' && first !== null && !Array.isArray(first) && !Buffer.isBuffer(first));
}

/** The columns of rows as arrays, each array allocated once at its final length. */
function transpose(rows: unknown[][], width: number): unknown[][] {
  const columns: unknown[][] = [];
  for (let c = 0; c < width; c++) {
    const column = new Array<unknown>(rows.length);
    for (let r = 0; r < rows.length; r++) column[r] = rows[r][c];
    columns.push(column);
  }
  return columns;
}

/** danfojs' internals that `toDataFrame` sets up (danfojs-node 1.x). */
interface FrameInternals {
  $data: unknown[][];
  $dataIncolumnFormat: unknown[][];
  $config: { setIsLowMemoryMode(on: boolean): void };
}

/**
 * A DataFrame from column names and rows as arrays; an empty one keeps its columns.
 *
 * The rows become the frame's own rows, not a copy. danfojs also keeps a column-major copy of
 * every value, which an export never reads: it is made here the first time the frame's columns
 * are used (`df['a']`, `df.column('a')`, …), not up front, which saves a sixth of the memory
 * of a big query result and the time to copy it.
 */
export function toDataFrame(table: Table): DataFrame {
  const { DataFrame: Frame } = loadDanfo();
  if (table.rows.length === 0) return new Frame([], { columns: table.columns });
  // Low-memory mode skips the column-major copy; switched off again once the frame is built.
  const frame = new Frame(table.rows, { columns: table.columns, config: { lowMemoryMode: true } });
  const internals = frame as unknown as FrameInternals;
  const width = table.columns.length;
  const settle = (value: unknown[][]): void => {
    Object.defineProperty(internals, '$dataIncolumnFormat', { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(internals, '$dataIncolumnFormat', {
    configurable: true,
    enumerable: true,
    get(): unknown[][] {
      const columns = transpose(internals.$data, width);
      settle(columns);
      return columns;
    },
    set: settle,
  });
  internals.$config.setIsLowMemoryMode(false);
  return frame;
}

/**
 * A query result's columns as a DataFrame, made only when the job's code uses it as one: until
 * then writers read the columns straight, and danfojs-node is not loaded.
 */
export function columnsFrame(columns: FrameColumns): DataFrame {
  return lazyFrame(columns, (held) => toDataFrame({ columns: [...held.names], rows: held.rowArrays() }));
}

/** The columns and rows of a DataFrame, values exactly as stored. */
export function dataFrameTable(frame: DataFrame): Table {
  const held = unmadeColumns(frame);
  if (held) return { columns: [...held.names], rows: held.rowArrays() };
  const columns = (frame.columns as string[]).map(String);
  const [rowCount] = frame.shape as [number, number];
  if (rowCount === 0) return { columns, rows: [] };
  const values = frame.values as unknown[] | unknown[][];
  const rows = columns.length === 1 && values.length > 0 && !Array.isArray(values[0])
    ? (values as unknown[]).map((v) => [v])
    : (values as unknown[][]);
  return { columns, rows };
}

/** The columns of row objects: every key, in first-seen order. */
export function rowColumns(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) {
    if (row) for (const key of Object.keys(row)) seen.add(key);
  }
  return [...seen];
}

/** Row objects as a table; a key a row lacks is `null` there. */
export function rowsTable(rows: Row[], columns: string[] = rowColumns(rows)): Table {
  return {
    columns,
    rows: rows.map((row) => columns.map((c) => (row ? ownValue(row, c) ?? null : null))),
  };
}

/** A DataFrame or row objects as a table; anything else is undefined. */
export function asTable(input: unknown): Table | undefined {
  if (isDataFrame(input)) return dataFrameTable(input);
  if (isRowArray(input)) return rowsTable(input);
  return undefined;
}

/** A DataFrame or row objects as row objects. */
export function asRows(input: unknown): Row[] | undefined {
  if (isRowArray(input)) return input;
  const table = asTable(input);
  if (!table) return undefined;
  return table.rows.map((values) => Object.fromEntries(table.columns.map((c, i) => [c, values[i]])));
}
