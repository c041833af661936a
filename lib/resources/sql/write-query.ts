/**
 * Writing the rows of a query to a table of the same database on the server (`INSERT … SELECT`),
 * in ONE transaction: no row leaves the database. `ifExists` and `columnTypes` as for a load of
 * rows; a table it creates takes the query's own column types (see the dialect's `loadQuery`).
 */
import type { Knex } from 'knex';
import { BigraysError } from '../../errors';
import type { SqlDialect } from './dialect';
import type { Guard } from './link';
import {
  checkColumnTypes, clearTable, createTableBuilder, LoadError, splitName, validateTable, writeFailure, type IfExists, type WriteOptions,
} from './write';

/** A query and its bound values, as the driver takes them. */
export interface CompiledQuery {
  sql: string;
  bindings: readonly unknown[];
}

/** The types of a table to create: the given ones, the rest the query's own. */
function tableTypes(taskName: string, columns: string[], queryTypes: string[], given: Readonly<Record<string, string>> = {}): string[] {
  checkColumnTypes(taskName, columns, given);
  return columns.map((column, i) => (Object.prototype.hasOwnProperty.call(given, column) ? given[column] : queryTypes[i]));
}

/** Runs `work` under `guard`, when there is one. */
function watched<T>(guard: Guard | undefined, work: Promise<T>): Promise<T> {
  return guard ? guard.run(work) : work;
}

/**
 * Writes the rows of `query` to `tablename` on the server, in ONE transaction: applies
 * `ifExists`, creates the table when missing, then `INSERT INTO tablename (columns) query`, the
 * columns by name. Resolves to the rows inserted. A failure anywhere leaves the table as it was.
 */
export async function writeQueryTable(
  knex: Knex,
  dialect: SqlDialect,
  taskName: string,
  tablename: string,
  query: CompiledQuery,
  ifExists: IfExists,
  options: WriteOptions = {},
): Promise<number> {
  const load = dialect.loadQuery;
  if (!load) throw new TypeError(`${dialect.name} cannot load a query on the server`);
  const { guard } = options;
  const { schema, name } = splitName(tablename);
  return knex.transaction(async (trx: Knex.Transaction) => {
    const shape = await watched(guard, load.describe(trx, query.sql, query.bindings));
    validateTable(taskName, tablename, shape);
    const { columns } = shape;
    const types = tableTypes(taskName, columns, shape.types, options.columnTypes);
    const exists = await clearTable(trx, taskName, tablename, ifExists);
    if (!exists) await createTableBuilder(trx, dialect, tablename, { columns, rows: [] }, types);
    try {
      return await watched(guard, load.insert(trx, { schema, name, tablename, columns }, query.sql, query.bindings));
    } catch (error) {
      throw writeFailure(taskName, tablename, asLoadError(error));
    }
  });
}

/** The database's error of the INSERT (it has a code) as a LoadError, no row known: the task then says nothing was written. */
function asLoadError(error: unknown): unknown {
  if (error instanceof LoadError || !(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') return error;
  if (error instanceof BigraysError) return error;
  return new LoadError(error.message, undefined, error);
}
