/**
 * Writing the rows of a query to a table of the same database on the server (`INSERT … SELECT`),
 * in ONE transaction: no row leaves the database. `ifExists` and `columnTypes` as for a load of
 * rows; a table it creates takes the query's own column types (see the dialect's `loadQuery`).
 */
import type { Knex } from 'knex';
import { markQueryFailure } from '../../data/rows-failure';
import { BigraysError, TaskError } from '../../errors';
import type { Dialect, QueryLoad } from './dialect';
import { mergeTable } from './merge';
import { evolveTable } from './table-evolution';
import { LoadError } from './load';
import { droppedStaging, stagedForDdl, stagedIntoPlace, stagingName } from './staging';
import { clearTable, createTableBuilder, splitName, type IfExists } from './table-ddl';
import { chosenTypes, validateTable, writeFailure, type WriteOptions } from './write';

/** A query and its bound values, as the driver takes them. */
export interface CompiledQuery {
  sql: string;
  bindings: readonly unknown[];
}

/**
 * Writes the rows of `query` to `tablename` on the server, in ONE transaction: applies
 * `ifExists`, creates the table when missing, then `INSERT INTO tablename (columns) query`, the
 * columns by name. `replace` fills a new table and only then drops the old one and gives the new
 * one its name: the query may read the table it replaces. Resolves to the rows inserted. A
 * failure anywhere leaves the table as it was.
 */
export async function writeQueryTable(
  knex: Knex,
  dialect: Dialect,
  taskName: string,
  tablename: string,
  query: CompiledQuery,
  ifExists: IfExists,
  options: WriteOptions = {},
): Promise<number> {
  const load = dialect.loadQuery;
  if (!load) throw new TypeError(`${dialect.name} cannot load a query on the server`);
  const check = (): void => options.guard?.check();
  const { schema, name } = splitName(tablename);
  if (ifExists === 'merge') return mergeQuery(knex, dialect, load, taskName, tablename, query, options);
  return knex.transaction(async (trx: Knex.Transaction) => {
    // A query that cannot be described cannot run: the failure of its SQLStream, not of the write.
    const shape = await load.describe(trx, query.sql, query.bindings).catch((error: unknown) => Promise.reject(markQueryFailure(error)));
    check();
    if (shape.columns.length === 0) throw new TaskError(`${taskName}: the query returns no rows to write to ${tablename}`, { taskName });
    validateTable(taskName, tablename, shape);
    const { columns } = shape;
    const types = chosenTypes(taskName, columns, shape.types, options.columnTypes);
    const exists = await clearTable(trx, taskName, tablename, ifExists === 'replace' ? 'append' : ifExists);
    if (exists && ifExists === 'append' && options.addColumns) {
      await evolveTable(trx, dialect, { taskName, tablename, columns, types, declared: declaredTypes(columns, types), sample: [] }, true);
    }
    const staging = (exists && ifExists === 'replace') || stagedForDdl(dialect, exists, ifExists) ? stagingName() : undefined;
    const into = staging === undefined ? name : staging;
    if (!exists || staging !== undefined) {
      await createTableBuilder(trx, dialect, schema ? `${schema}.${into}` : into, { columns, rows: [] }, types);
    }
    check();
    let inserted: number;
    try {
      inserted = await load.insert(trx, { schema, name: into, tablename, columns }, query.sql, query.bindings);
      if (staging !== undefined) check();
    } catch (error) {
      const failed = staging !== undefined && dialect.capabilities.ddlCommits ? await droppedStaging(trx, schema, staging, error) : error;
      throw writeFailure(taskName, tablename, asLoadError(failed));
    }
    if (staging !== undefined) await stagedIntoPlace(trx, dialect, schema, staging, name, exists);
    return inserted;
  });
}

/** The query's column types (`columnTypes` winning) by column: what its rows are known to be. */
function declaredTypes(columns: readonly string[], types: readonly string[]): Record<string, string> {
  return Object.fromEntries(columns.map((column, i) => [column, types[i]]));
}

/** Merges the rows of `query` into `tablename` (see merge.ts): they are staged by `INSERT … SELECT`, their types the query's. */
async function mergeQuery(knex: Knex, dialect: Dialect, load: QueryLoad, taskName: string, tablename: string, query: CompiledQuery, options: WriteOptions): Promise<number> {
  const shape = await knex.transaction((trx) => load.describe(trx, query.sql, query.bindings)).catch((error: unknown) => Promise.reject(markQueryFailure(error)));
  if (shape.columns.length === 0) throw new TaskError(`${taskName}: the query returns no rows to write to ${tablename}`, { taskName });
  validateTable(taskName, tablename, shape);
  const { columns } = shape;
  const types = chosenTypes(taskName, columns, shape.types, options.columnTypes);
  return mergeTable(knex, dialect, {
    taskName, tablename, columns, types, declared: declaredTypes(columns, types), sample: [],
    load: (trx, staging) => load.insert(trx, { ...staging, tablename, columns }, query.sql, query.bindings),
    failure: (error) => writeFailure(taskName, tablename, asLoadError(error)),
  }, options);
}

/** The database's error of the INSERT (it has a code) as a LoadError, no row known: the task then says nothing was written. */
function asLoadError(error: unknown): unknown {
  if (error instanceof LoadError || !(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') return error;
  if (error instanceof BigraysError) return error;
  return new LoadError(error.message, undefined, error);
}
