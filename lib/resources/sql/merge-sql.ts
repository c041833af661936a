/**
 * What an engine says of a merge load (`SQLWrite.ifExists = 'merge'`): where its staging table
 * lives, how it reads a table's columns and unique keys from its catalog, and the statements
 * that move the staged rows into the table. The standard forms shared by engines are here;
 * each engine's folder picks them or writes its own.
 */
import type { Knex } from 'knex';

/** A column of an existing table, as its catalog names its type. */
export interface TableColumn {
  name: string;
  type: string;
}

/** The column of the staging table that keeps each row's place in the input (1, 2, 3…). */
export const ORDINAL = 'bigrays_ordinal';

/** The names of a merge's statements, quoted for the engine. */
export interface MergePlan {
  table: string;
  staging: string;
  ordinal: string;
  columns: readonly string[];
  keys: readonly string[];
  /** The input's columns that are not keys: those an existing row takes from the input. */
  updates: readonly string[];
  /** Whether the table has a unique index (or primary key) on exactly the keys. */
  unique: boolean;
}

/** Where the staging table of a merge lives and how it goes. */
export interface StagingPlace {
  /** The staging table called `name` as a load names it: in the temp schema (`pg_temp`, `temp`), `#name` on SQL Server. */
  target(name: string): { schema?: string; name: string };
  /** The CREATE of the staging table (`table`: its quoted name) with the column definitions `columns`. */
  create(table: string, columns: string): string;
  /** Its DROP once the rows are merged; undefined when the transaction's end drops it. */
  drop?(table: string): string;
  /** Whether it must be dropped after a failure too (a temp table that outlives a rollback). */
  dropOnFailure: boolean;
}

/** How an engine merges: see the file's comment. */
export interface MergeSql {
  readonly staging: StagingPlace;
  /** `sql` (a SELECT with its ORDER BY) limited to its first `count` rows. */
  limit(sql: string, count: number): string;
  /** The definition of the ordinal column (after its name): numbered by the engine in load order. */
  readonly ordinalType: string;
  /** The column type a key of a new table takes for `type` (a key cannot be of an unbounded text type on some engines). */
  keyType?(type: string): string;
  /** The table's columns in order, with their types. */
  columns(trx: Knex.Transaction, schema: string | undefined, name: string): Promise<TableColumn[]>;
  /** Whether the table has a unique index or primary key on exactly `keys` (in any order). */
  hasUniqueKey(trx: Knex.Transaction, schema: string | undefined, name: string, keys: readonly string[]): Promise<boolean>;
  /** The statements that keep only the last row (largest ordinal) of each key in the staging table. */
  dedupeLast(plan: MergePlan): string[];
  /**
   * Whether the one-pass upsert (`unique`) fails by itself on a key staged twice, and how the
   * error says so: the duplicate check then runs only when it does (PostgreSQL: ON CONFLICT
   * cannot affect a row twice, SQLSTATE 21000), under a savepoint.
   */
  isDuplicateError?(error: unknown): boolean;
  /** The statements that update the table's rows whose keys are staged and insert the others. */
  upsert(plan: MergePlan): string[];
}

/** `t.k1 = s.k1 AND …` */
function keysEqual(plan: MergePlan, t: string, s: string): string {
  return plan.keys.map((k) => `${t}.${k} = ${s}.${k}`).join(' AND ');
}

/** `INSERT … SELECT … ON CONFLICT (keys) DO UPDATE SET c = EXCLUDED.c` (PostgreSQL, SQLite): one pass, needs a unique key. */
export function onConflictSql(plan: MergePlan): string {
  const columns = plan.columns.join(', ');
  const action = plan.updates.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${plan.updates.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
  // WHERE true: SQLite would read ON CONFLICT as the ON of a join without it.
  return `INSERT INTO ${plan.table} (${columns}) SELECT ${columns} FROM ${plan.staging} WHERE true ON CONFLICT (${plan.keys.join(', ')}) ${action}`;
}

/** `UPDATE … FROM` the staged rows (PostgreSQL, SQLite ≥ 3.33); none when every column is a key. */
export function updateFromSql(plan: MergePlan): string[] {
  if (plan.updates.length === 0) return [];
  const set = plan.updates.map((c) => `${c} = bigrays_s.${c}`).join(', ');
  return [`UPDATE ${plan.table} AS bigrays_t SET ${set} FROM ${plan.staging} AS bigrays_s WHERE ${keysEqual(plan, 'bigrays_t', 'bigrays_s')}`];
}

/** `INSERT … SELECT` the staged rows whose keys the table lacks. */
export function insertMissingSql(plan: MergePlan): string {
  const columns = plan.columns.join(', ');
  const picked = plan.columns.map((c) => `bigrays_s.${c}`).join(', ');
  return (
    `INSERT INTO ${plan.table} (${columns}) SELECT ${picked} FROM ${plan.staging} AS bigrays_s ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${plan.table} AS bigrays_t WHERE ${keysEqual(plan, 'bigrays_t', 'bigrays_s')})`
  );
}

/** The upsert where the engine has `ON CONFLICT`: in one pass with a unique key, else an update and an insert. */
export function standardUpsert(plan: MergePlan): string[] {
  return plan.unique ? [onConflictSql(plan)] : [...updateFromSql(plan), insertMissingSql(plan)];
}

/** Deletes every staged row but the last of its key (PostgreSQL, SQLite, SQL Server). */
export function standardDedupeLast(plan: MergePlan): string[] {
  return [`DELETE FROM ${plan.staging} WHERE ${plan.ordinal} NOT IN (SELECT MAX(${plan.ordinal}) FROM ${plan.staging} GROUP BY ${plan.keys.join(', ')})`];
}

/** The rows of a `knex.raw` result, whatever the client (pg: `{ rows }`, mysql2: `[rows, fields]`, others: the rows). */
export function rawRows(result: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(result)) return (Array.isArray(result[0]) ? result[0] : result) as Array<Record<string, unknown>>;
  return ((result as { rows?: unknown[] } | undefined)?.rows ?? []) as Array<Record<string, unknown>>;
}
