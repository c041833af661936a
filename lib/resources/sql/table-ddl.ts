/**
 * The DDL of a write: what `ifExists` does to an existing table, and the CREATE, DROP and
 * RENAME of a table (knex schema builders) in the dialect's terms, names split as `{kw!i}`
 * quotes them.
 */
import type { Knex } from 'knex';
import type { Table } from '../../data/frame';
import { TaskError } from '../../errors';
import { inferKinds } from './column-kinds';
import type { Dialect } from './dialect';
import { nameParts } from './identifiers';

/** What to do when the table exists: refuse (default), add rows, replace the table, or merge rows by key. */
export type IfExists = 'fail' | 'append' | 'replace' | 'merge';

export const IF_EXISTS: readonly IfExists[] = ['fail', 'append', 'replace', 'merge'];

/** `'fail', 'append', 'replace' or 'merge'`, as a message lists the values of ifExists. */
export function ifExistsValues(): string {
  const quoted = IF_EXISTS.map((v) => `'${v}'`);
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** `schema.table` → `{ schema, name }`; quoted parts (`"a"."b"`, `[a].[b]`, `` `a`.`b` ``, as `{kw!i}` writes them) lose their quotes. */
export function splitName(tablename: string): { schema?: string; name: string } {
  const quoted = /^["[`]|\.["[`]/.test(tablename) ? nameParts(tablename) : undefined;
  if (quoted && quoted.length > 1) return { schema: quoted.slice(0, -1).join('.'), name: quoted[quoted.length - 1] };
  if (quoted) return { name: quoted[0] };
  const dot = tablename.lastIndexOf('.');
  return dot > 0 ? { schema: tablename.slice(0, dot), name: tablename.slice(dot + 1) } : { name: tablename };
}

function schemaBuilder(trx: Knex | Knex.Transaction, schema?: string): Knex.SchemaBuilder {
  return schema ? trx.schema.withSchema(schema) : trx.schema;
}

/** The CREATE TABLE for `table` in `dialect` (knex schema builder, not yet run). */
export function createTableBuilder(
  trx: Knex | Knex.Transaction,
  dialect: Dialect,
  tablename: string,
  table: Table,
  types: readonly string[] = inferKinds(table).map((kind) => dialect.columnType(kind)),
  primaryKey?: readonly string[],
): Knex.SchemaBuilder {
  const { schema, name } = splitName(tablename);
  return schemaBuilder(trx, schema).createTable(name, (builder) => {
    table.columns.forEach((column, i) => builder.specificType(column, types[i]));
    if (primaryKey) builder.primary([...primaryKey]);
  });
}

/**
 * In the write's transaction: whether `tablename` exists, once `ifExists` is applied to it:
 * refused (`fail`), dropped (`replace`: then it does not), or kept (`append`).
 */
export async function clearTable(trx: Knex.Transaction, taskName: string, tablename: string, ifExists: IfExists): Promise<boolean> {
  if (!IF_EXISTS.includes(ifExists)) {
    throw new TaskError(`${taskName}: ifExists must be ${ifExistsValues()}, got \`${String(ifExists)}\``, { taskName });
  }
  const { schema, name } = splitName(tablename);
  const exists = await schemaBuilder(trx, schema).hasTable(name);
  if (exists && ifExists === 'fail') {
    throw new TaskError(
      `${taskName}: the table ${tablename} exists already; set ifExists = 'append' to add rows or 'replace' to replace it`,
      { taskName },
    );
  }
  if (!exists || ifExists === 'append' || ifExists === 'merge') return exists;
  await dropTableBuilder(trx, schema, name);
  return false;
}

/** The DROP TABLE of `schema.name` (knex schema builder, not yet run). */
export function dropTableBuilder(trx: Knex | Knex.Transaction, schema: string | undefined, name: string): Knex.SchemaBuilder {
  return schemaBuilder(trx, schema).dropTable(name);
}

/** The statement renaming `schema.from` to `to` in its schema (`ALTER TABLE … RENAME TO`, `sp_rename` on SQL Server). */
export function renameTableBuilder(trx: Knex | Knex.Transaction, dialect: Dialect, schema: string | undefined, from: string, to: string): PromiseLike<void> & { toString(): string } {
  const where = schema === undefined ? 'builder' : dialect.capabilities.renameTableSchema;
  if (where === 'from') return trx.schema.renameTable(`${schema}.${from}`, to);
  if (where === 'both') return trx.schema.renameTable(`${schema}.${from}`, `${schema}.${to}`);
  return schemaBuilder(trx, schema).renameTable(from, to);
}
