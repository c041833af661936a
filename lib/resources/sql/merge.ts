/**
 * A merge load (`SQLWrite.ifExists = 'merge'`), in ONE transaction: the rows are loaded into a
 * staging temp table (the dialect's bulk path, streamed, each row numbered in input order),
 * checked there (no NULL key, no key twice unless `dedupe = 'last'`), then moved into the
 * table by the dialect's upsert: rows whose keys exist are updated, the others inserted. A
 * missing table is created with a primary key on the keys. A failure anywhere changes nothing.
 */
import type { Knex } from 'knex';
import { BigraysError, TaskError } from '../../errors';
import { shown } from '../../messages';
import type { Dialect } from './dialect';
import type { Guard } from './limits';
import { LoadError } from './load';
import { ORDINAL, rawRows, type MergePlan, type MergeSql } from './merge-sql';
import { evolveTable, missingTable } from './table-evolution';
import { stagingName } from './staging';
import { createTableBuilder, dropTableBuilder, splitName } from './table-ddl';

/** What to do with a key that comes twice in one load: refuse the load, or keep its last row. */
export type Dedupe = 'error' | 'last';

export const DEDUPE: readonly Dedupe[] = ['error', 'last'];

/** A merge's settings, as `SQLWrite` gives them. */
export interface MergeOptions {
  mergeKeys?: readonly string[];
  dedupe?: Dedupe;
  addColumns?: boolean;
  guard?: Guard;
}

/** The rows of a merge: their columns, the types a new table (or an added column) takes, and how to load them into the staging table. */
export interface MergeInput {
  taskName: string;
  tablename: string;
  columns: string[];
  types: string[];
  /** Types the input declares by column (`columnTypes`, a query's types), checked against the table's. */
  declared: Readonly<Record<string, string>>;
  /** The first rows (values in column order), checked against the table's types. */
  sample: readonly unknown[][];
  /** Loads the rows into the staging table `target` on `trx`; resolves to the rows loaded. */
  load(trx: Knex.Transaction, target: { schema?: string; name: string }): Promise<number>;
  /** The error the task fails with for an error of the load or of a statement. */
  failure(error: unknown): unknown;
}

/** Refuses `mergeKeys` that are missing, empty, or name a column the input lacks. */
export function checkMergeKeys(taskName: string, columns: readonly string[], keys: readonly string[] | undefined): readonly string[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TaskError(`${taskName}: ifExists = 'merge' needs mergeKeys, the columns that identify a row (such as ['id'])`, { taskName });
  }
  const unknown = keys.filter((key) => !columns.includes(key));
  if (unknown.length > 0) {
    throw new TaskError(
      `${taskName}: mergeKeys names ${unknown.map((k) => `\`${k}\``).join(', ')}, which the input lacks (its columns: ${columns.join(', ')})`,
      { taskName },
    );
  }
  return keys;
}

/** A statement of the merge; the database's error as a LoadError (no row known) so the task says nothing was written. */
async function statement(trx: Knex.Transaction, sql: string): Promise<unknown> {
  try {
    return await trx.raw(sql);
  } catch (error) {
    if (error instanceof BigraysError || !(error instanceof Error)) throw error;
    throw new LoadError(error.message, undefined, error);
  }
}

/** Refuses a staged row with a NULL key (the first in input order), naming the column and the row; one pass over the rows. */
async function refuseNullKeys(trx: Knex.Transaction, input: MergeInput, plan: MergePlan, keys: readonly string[]): Promise<void> {
  const firsts = plan.keys.map((key, i) => `MIN(CASE WHEN ${key} IS NULL THEN ${plan.ordinal} END) AS bigrays_null_${i}`);
  const [found = {}] = rawRows(await statement(trx, `SELECT ${firsts.join(', ')} FROM ${plan.staging}`));
  const nulls = keys
    .map((key, i) => ({ key, row: found[`bigrays_null_${i}`] }))
    .filter((n) => n.row !== null && n.row !== undefined)
    .sort((a, b) => Number(a.row) - Number(b.row));
  if (nulls.length === 0) return;
  throw new TaskError(
    `${input.taskName}: the merge key \`${nulls[0].key}\` is NULL at row ${String(nulls[0].row)}, so nothing was written to ${input.tablename}: every row needs a value in each of mergeKeys`,
    { taskName: input.taskName },
  );
}

/** Refuses keys staged more than once, naming up to 5 of them, how many rows each has, and how many keys repeat. */
async function refuseDuplicates(trx: Knex.Transaction, sql: MergeSql, input: MergeInput, plan: MergePlan, keys: readonly string[]): Promise<void> {
  const grouped = `SELECT ${plan.keys.join(', ')}, COUNT(*) AS bigrays_rows FROM ${plan.staging} GROUP BY ${plan.keys.join(', ')} HAVING COUNT(*) > 1`;
  const first = rawRows(await statement(trx, sql.limit(`${grouped} ORDER BY MIN(${plan.ordinal})`, 5)));
  if (first.length === 0) return;
  const [counted] = rawRows(await statement(trx, `SELECT COUNT(*) AS bigrays_keys FROM (${grouped}) bigrays_d`));
  const total = Number(counted?.bigrays_keys ?? first.length);
  const named = first.map((row) => {
    const key = keys.map((k) => `${k}=${shown(row[k])}`).join(', ');
    return `${keys.length > 1 ? `(${key})` : key} (${Number(row.bigrays_rows)} rows)`;
  });
  throw new TaskError(
    `${input.taskName}: ${total} ${total === 1 ? 'key comes' : 'keys come'} more than once in the input, so nothing was written to ${input.tablename}: ` +
      `${named.join(', ')}${total > first.length ? ', …' : ''}; set dedupe = 'last' to keep the last row of each key`,
    { taskName: input.taskName },
  );
}

/** Runs the upsert's statements. */
async function upsert(trx: Knex.Transaction, sql: MergeSql, input: MergeInput, plan: MergePlan, options: MergeOptions): Promise<void> {
  for (const text of sql.upsert(plan)) {
    options.guard?.check();
    await statement(trx, text).catch((error: unknown) => {
      throw input.failure(error);
    });
  }
}

/** The upsert under a savepoint; where it fails on a key staged twice, back to the savepoint to name the keys. */
async function upsertOrNameDuplicates(
  trx: Knex.Transaction, sql: MergeSql, input: MergeInput, plan: MergePlan, keys: readonly string[], options: MergeOptions,
): Promise<void> {
  await statement(trx, 'SAVEPOINT bigrays_merge');
  try {
    await upsert(trx, sql, input, plan, options);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (!sql.isDuplicateError!(cause)) throw error;
    await statement(trx, 'ROLLBACK TO SAVEPOINT bigrays_merge');
    await refuseDuplicates(trx, sql, input, plan, keys);
    throw error;
  }
}

/** Drops the staging table where the transaction's end does not; resolves to the rows merged. */
async function done(trx: Knex.Transaction, sql: MergeSql, staging: string, merged: number): Promise<number> {
  if (sql.staging.drop) await statement(trx, sql.staging.drop(staging));
  return merged;
}

/** The staging table's columns: the input's, of the table's types (so a bad value fails at its row), and the ordinal. */
function stagingColumns(dialect: Dialect, sql: MergeSql, columns: readonly string[], types: ReadonlyMap<string, string>): string {
  const quote = (name: string): string => dialect.quoting.identifier([name]);
  return [...columns.map((c) => `${quote(c)} ${types.get(c) ?? ''}`), `${quote(ORDINAL)} ${sql.ordinalType}`].join(', ');
}

/** Loads, checks and merges the rows in the transaction `trx` into the table, which exists; resolves to the rows merged. */
async function mergeRows(trx: Knex.Transaction, dialect: Dialect, sql: MergeSql, input: MergeInput, options: MergeOptions, keys: readonly string[]): Promise<number> {
  const { schema, name } = splitName(input.tablename);
  const types = await evolveTable(trx, dialect, input, options.addColumns === true);
  const quote = (parts: Array<string | undefined>): string => dialect.quoting.identifier(parts.filter((p): p is string => p !== undefined));
  const target = sql.staging.target(stagingName());
  const staging = quote([target.schema, target.name]);
  await statement(trx, sql.staging.create(staging, stagingColumns(dialect, sql, input.columns, types)));
  try {
    let merged = await input.load(trx, target).catch((error: unknown) => {
      throw input.failure(error);
    });
    options.guard?.check();
    const plan: MergePlan = {
      table: quote([schema, name]),
      staging,
      ordinal: quote([ORDINAL]),
      columns: input.columns.map((c) => quote([c])),
      keys: keys.map((k) => quote([k])),
      updates: input.columns.filter((c) => !keys.includes(c)).map((c) => quote([c])),
      unique: await sql.hasUniqueKey(trx, schema, name, keys),
    };
    await refuseNullKeys(trx, input, plan, keys);
    if (options.dedupe === 'last') {
      for (const text of sql.dedupeLast(plan)) await statement(trx, text);
      const [left] = rawRows(await statement(trx, `SELECT COUNT(*) AS bigrays_rows FROM ${staging}`));
      merged = Number(left?.bigrays_rows ?? merged);
      await upsert(trx, sql, input, plan, options);
    } else if (plan.unique && sql.isDuplicateError) {
      await upsertOrNameDuplicates(trx, sql, input, plan, keys, options);
    } else {
      await refuseDuplicates(trx, sql, input, plan, keys);
      await upsert(trx, sql, input, plan, options);
    }
    return await done(trx, sql, staging, merged);
  } catch (error) {
    if (sql.staging.dropOnFailure && sql.staging.drop) await trx.raw(sql.staging.drop(staging)).catch(() => undefined);
    throw error;
  }
}

/**
 * Merges `input` into its table (see the file's comment). Where DDL commits at once
 * (`capabilities.ddlCommits`), a missing table is created before the transaction and dropped
 * again if the merge fails; elsewhere it is created in the transaction.
 */
export async function mergeTable(knex: Knex, dialect: Dialect, input: MergeInput, options: MergeOptions): Promise<number> {
  const sql = dialect.merge;
  if (!sql) throw new TaskError(`${input.taskName}: ifExists = 'merge' is not available on ${dialect.engine}`, { taskName: input.taskName });
  const keys = checkMergeKeys(input.taskName, input.columns, options.mergeKeys);
  const { schema, name } = splitName(input.tablename);
  const keyTypes = input.types.map((type, i) => (keys.includes(input.columns[i]) && sql.keyType ? sql.keyType(type) : type));
  const create = (trx: Knex | Knex.Transaction): Knex.SchemaBuilder =>
    createTableBuilder(trx, dialect, input.tablename, { columns: input.columns, rows: [] }, keyTypes, keys);
  let created = false;
  if (dialect.capabilities.ddlCommits && (await missingTable(knex, schema, name))) {
    await create(knex);
    created = true;
  }
  try {
    return await knex.transaction(async (trx) => {
      if (!created && (await missingTable(trx, schema, name))) await create(trx);
      return mergeRows(trx, dialect, sql, input, options, keys);
    });
  } catch (error) {
    // The table this merge made is not left behind, empty.
    if (created) await dropTableBuilder(knex, schema, name).catch(() => undefined);
    throw error;
  }
}
