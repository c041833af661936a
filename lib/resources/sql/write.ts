/**
 * Writing a table: infer column types from the data (or take them as given), create the table
 * when missing, and load every row inside ONE transaction through the dialect's bulk path
 * (COPY on PostgreSQL, one prepared INSERT on SQLite, a bulk load on SQL Server), so a bad row
 * leaves the table as it was. A streamed input is read as it is loaded, never held whole.
 */
import type { Knex } from 'knex';
import { CsvFormatError } from '../../data/csv-read';
import { csvTextOf } from '../../data/csv-rows';
import { asTable, ownValue, setValue, type Table } from '../../data/frame';
import { batchedRows, readBatches, type BatchedRows } from '../../data/row-batches';
import { TaskError } from '../../errors';
import { INFER_ROWS, inferKinds } from './column-kinds';
import type { Dialect } from './dialect';
import type { Guard } from './limits';
import { clearTable, createTableBuilder, IF_EXISTS, ifExistsValues, splitName, type IfExists } from './table-ddl';
import { mergeTable, type MergeOptions } from './merge';
import { evolveTable, spelledAsTable } from './table-evolution';
import { LoadError, type LoadTarget } from './load';
import { droppedStaging, stagedForDdl, stagedIntoPlace, stagingName } from './staging';

/** The rows of `table` in chunks that keep each INSERT under the dialect's limits. */
export function insertChunks(dialect: Dialect, table: Table): Array<Array<Record<string, unknown>>> {
  const width = Math.max(table.columns.length, 1);
  const size = Math.max(1, Math.min(dialect.capabilities.insertBatchRows, Math.floor(dialect.maxBindings / width)));
  const chunks: Array<Array<Record<string, unknown>>> = [];
  for (let start = 0; start < table.rows.length; start += size) {
    chunks.push(
      table.rows.slice(start, start + size).map((values) => {
        const row: Record<string, unknown> = {};
        table.columns.forEach((column, i) => setValue(row, column, dialect.toDbValue(values[i])));
        return row;
      }),
    );
  }
  return chunks;
}

/** Rows to write: DataFrames and row objects become this; a streamed input (`SqlRows`, FromS3 csv) is this. */
export interface WriteSource {
  columns: string[];
  /** Values in column order; a row object is taken by column name. Read once, as it is loaded. */
  rows: Iterable<unknown> | AsyncIterable<unknown>;
  /** The input as given (FromS3's CSV rows can be loaded as their text). */
  origin?: unknown;
}

/** Options of `writeTable`: the merge's (`mergeKeys`, `dedupe`) and `addColumns` with them. */
export interface WriteOptions extends MergeOptions {
  /** SQL column types by column name, used when the table is created (the rest are inferred). */
  columnTypes?: Readonly<Record<string, string>>;
  /** The guard of the write: the load checks it between batches. */
  guard?: Guard;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.iterator in value;
}

/** Whether `value` is a streamed input: `{ columns, rows }` whose rows are an async iterable. */
export function isStreamedRows(value: unknown): value is { columns: string[]; rows: AsyncIterable<unknown> } {
  if (value === null || typeof value !== 'object') return false;
  const { columns, rows } = value as { columns?: unknown; rows?: unknown };
  return Array.isArray(columns) && isAsyncIterable(rows);
}

/** A DataFrame, row objects, or `{ columns, rows }` (rows an array, an iterable or an async iterable) as a WriteSource. */
export function writeSource(input: unknown): WriteSource | undefined {
  const table = asTable(input);
  if (table) return table;
  if (input === null || typeof input !== 'object') return undefined;
  const { columns, rows } = input as { columns?: unknown; rows?: unknown };
  if (!Array.isArray(columns) || !(isAsyncIterable(rows) || isIterable(rows))) return undefined;
  return { columns: columns.map(String), rows, origin: input };
}

/** `source` whose rows, when they come one at a time, are waited for as the guard's input: the server is not silent meanwhile. */
function waitedOn(source: WriteSource, guard: Guard): WriteSource {
  const rows = source.rows;
  if (!isAsyncIterable(rows)) return source;
  return {
    ...source,
    rows: {
      [Symbol.asyncIterator]: () => {
        const inner = rows[Symbol.asyncIterator]();
        return {
          next: () => guard.input(inner.next()),
          return: async (value?: unknown) => (await inner.return?.(value)) ?? { done: true as const, value: undefined },
        };
      },
    },
  };
}

/** A row as values in column order: an array as it is, a row object by column name. */
export function rowValues(row: unknown, columns: readonly string[], index: number): unknown[] {
  if (Array.isArray(row)) {
    if (row.length !== columns.length) {
      throw new TypeError(`row ${index} has ${row.length} values for ${columns.length} columns`);
    }
    return row;
  }
  if (row !== null && typeof row === 'object' && !(row instanceof Uint8Array)) {
    const record = row as Record<string, unknown>;
    return columns.map((column) => ownValue(record, column) ?? null);
  }
  throw new TypeError(`row ${index} is ${row === null ? 'null' : typeof row}, expected an array of values or a row object`);
}

/** A streamed input ready to load: the rows to infer types from, all rows (those first), and how to let go of the source. */
interface Sampled {
  sample: unknown[][];
  rows: Iterable<unknown[]> | BatchedRows<unknown[]>;
  release(): Promise<void>;
}

/**
 * The first `count` rows of `rows` (to infer types from) and all rows again, the sample first,
 * read on a batch at a time as they are consumed. An in-memory source is its own sample.
 */
async function sampled(source: WriteSource, count: number): Promise<Sampled> {
  const { columns } = source;
  if (Array.isArray(source.rows)) {
    const rows = source.rows.map((row, i) => rowValues(row, columns, i + 1));
    return { sample: rows, rows, release: async () => undefined };
  }
  const batches = readBatches(source.rows);
  let index = 0;
  const values = (batch: unknown[]): unknown[][] => {
    const out = new Array<unknown[]>(batch.length);
    for (let i = 0; i < batch.length; i++) out[i] = rowValues(batch[i], columns, ++index);
    return out;
  };
  const head: unknown[][][] = [];
  let read = 0;
  let done = false;
  try {
    while (read < count) {
      const next = await batches.next();
      if (next.done) {
        done = true;
        break;
      }
      const batch = values(next.value);
      head.push(batch);
      read += batch.length;
    }
  } catch (error) {
    await batches.return(undefined);
    throw error;
  }
  const sample = head.length === 1 ? head[0].slice(0, count) : head.flat().slice(0, count);
  const rows = batchedRows<unknown[]>(async function* () {
    let finished = done;
    try {
      while (head.length > 0) yield head.shift()!;
      while (!finished) {
        const next = await batches.next();
        if (next.done) {
          finished = true;
          break;
        }
        yield values(next.value);
      }
    } finally {
      if (!finished) await batches.return(undefined);
    }
  });
  return {
    sample,
    rows,
    release: async () => {
      await batches.return(undefined);
    },
  };
}

/** A row that failed, as the TaskError the task fails with (`known`: how many rows there were); other errors as they are. */
export function writeFailure(taskName: string, tablename: string, error: unknown, known?: number): unknown {
  const failed = error instanceof CsvFormatError ? new LoadError(error.message, error.row, error) : error;
  if (failed instanceof TaskError || !(failed instanceof LoadError)) return failed;
  const where = failed.row === undefined ? '' : ` at row ${failed.row}${known === undefined ? '' : ` of ${known}`}`;
  return new TaskError(`${taskName}: writing to ${tablename} failed${where}, so none was written: ${failed.message}`, {
    taskName,
    cause: failed.cause,
  });
}

/** Checks the table's shape before anything is sent. */
export function validateTable(taskName: string, tablename: string, table: { columns: readonly string[] }): void {
  if (table.columns.length === 0) {
    throw new TaskError(`${taskName}: the input has no columns to write to ${tablename}`, { taskName });
  }
  const seen = new Set<string>();
  for (const column of table.columns) {
    if (column === '') throw new TaskError(`${taskName}: the input has a column with an empty name`, { taskName });
    if (seen.has(column)) throw new TaskError(`${taskName}: the input has the column \`${column}\` twice`, { taskName });
    seen.add(column);
  }
}

/** Refuses `columnTypes` that name a column the input lacks. */
export function checkColumnTypes(taskName: string, columns: readonly string[], given: Readonly<Record<string, string>>): void {
  const unknown = Object.keys(given).filter((column) => !columns.includes(column));
  if (unknown.length > 0) {
    throw new TaskError(
      `${taskName}: columnTypes names ${unknown.map((c) => `\`${c}\``).join(', ')}, which the input lacks (its columns: ${columns.join(', ')})`,
      { taskName },
    );
  }
}

/** The SQL types of a table to create: the given ones, the rest inferred from `sample`. */
export function columnTypesOf(
  taskName: string,
  dialect: Dialect,
  columns: string[],
  sample: unknown[][],
  given: Readonly<Record<string, string>> = {},
): string[] {
  return chosenTypes(taskName, columns, inferKinds({ columns, rows: sample }).map((kind) => dialect.columnType(kind)), given);
}

/** The SQL types of a table to create: the `given` ones (each naming a column), the rest `own[i]`. */
export function chosenTypes(taskName: string, columns: readonly string[], own: readonly string[], given: Readonly<Record<string, string>> = {}): string[] {
  checkColumnTypes(taskName, columns, given);
  return columns.map((column, i) => (Object.prototype.hasOwnProperty.call(given, column) ? given[column] : own[i]));
}

/**
 * Writes `input` to `tablename` in ONE transaction: checks for the table, drops it
 * (`replace`) or refuses (`fail`), creates it when missing (types from `columnTypes`, else
 * inferred from the data; a streamed input's from its first rows), loads every row through the
 * dialect's bulk load. Where DDL commits at once (`capabilities.ddlCommits`), a table it makes
 * is filled under a staging name and takes the table's place once full. Resolves to the number
 * of rows written.
 */
export async function writeTable(
  knex: Knex,
  dialect: Dialect,
  taskName: string,
  tablename: string,
  input: WriteSource,
  ifExists: IfExists,
  options: WriteOptions = {},
): Promise<number> {
  if (!IF_EXISTS.includes(ifExists)) {
    throw new TaskError(`${taskName}: ifExists must be ${ifExistsValues()}, got \`${String(ifExists)}\``, { taskName });
  }
  validateTable(taskName, tablename, input);
  if (options.guard) input = waitedOn(input, options.guard);
  const { columns } = input;
  const { schema, name } = splitName(tablename);
  const target: LoadTarget = { schema, name, tablename, columns };
  const known = Array.isArray(input.rows) ? input.rows.length : undefined;
  const failure = (error: unknown): unknown => writeFailure(taskName, tablename, error, known);
  // CSV from FromS3 goes to COPY as text where COPY reads it as the same rows, unparsed.
  const text = dialect.loadCsv ? csvTextOf(input.origin) : undefined;
  let load: (trx: Knex.Transaction) => Promise<number>;
  let release: () => Promise<void>;
  let sample: unknown[][];
  if (text && dialect.loadCsv) {
    const loadCsv = dialect.loadCsv;
    release = text.release;
    try {
      sample = await (options.guard ? options.guard.input(text.peek(INFER_ROWS)) : text.peek(INFER_ROWS));
    } catch (error) {
      await release();
      throw failure(error);
    }
    load = (trx) => loadCsv(trx, target, text.text, options.guard, text.lines);
  } else {
    const rows = await sampled(input, INFER_ROWS).catch((error: unknown) => {
      throw failure(error);
    });
    sample = rows.sample;
    release = rows.release;
    load = (trx) => dialect.load(trx, target, rows.rows, options.guard);
  }
  let written = 0;
  try {
    const types = columnTypesOf(taskName, dialect, columns, sample, options.columnTypes);
    const evolving = { taskName, tablename, columns, types, declared: options.columnTypes ?? {}, sample };
    if (ifExists === 'merge') {
      const into = (trx: Knex.Transaction, staging: { schema?: string; name: string }): Promise<number> => {
        target.schema = staging.schema;
        target.name = staging.name;
        return load(trx);
      };
      return await mergeTable(knex, dialect, { ...evolving, load: into, failure }, options);
    }
    await knex.transaction(async (trx) => {
      // Where DDL commits at once, a replaced table is dropped only once the new one is full.
      const keep = dialect.capabilities.ddlCommits && ifExists === 'replace';
      const exists = await clearTable(trx, taskName, tablename, keep ? 'append' : ifExists);
      // The load names each column as the table does (COPY quotes names: `ID` is not `id` there).
      if (exists && ifExists === 'append' && (options.addColumns || text)) target.columns = await spelledAsTable(trx, dialect, evolving);
      if (exists && ifExists === 'append' && options.addColumns) await evolveTable(trx, dialect, evolving, true);
      // CSV appended as its text: a column the table lacks is refused in words, before any row goes.
      else if (exists && ifExists === 'append' && text) await evolveTable(trx, dialect, { ...evolving, declared: {}, sample: [] }, false);
      const staging = stagedForDdl(dialect, exists, ifExists) ? stagingName() : undefined;
      if (staging !== undefined) target.name = staging;
      const into = staging === undefined ? tablename : schema ? `${schema}.${staging}` : staging;
      if (!exists || staging !== undefined) await createTableBuilder(trx, dialect, into, { columns, rows: [] }, types);
      try {
        written = await load(trx);
      } catch (error) {
        // The staging table was committed when it was made: it goes with the failure.
        throw failure(staging === undefined ? error : await droppedStaging(trx, schema, staging, error));
      }
      if (staging !== undefined) await stagedIntoPlace(trx, dialect, schema, staging, name, exists);
    });
  } finally {
    // A load that failed before reading its input to the end lets go of it.
    await release();
  }
  return written;
}

export { IF_EXISTS, splitName, type IfExists } from './table-ddl';
