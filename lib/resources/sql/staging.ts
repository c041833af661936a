/**
 * The table a write fills under another name before it takes the target's place: a `replace`
 * whose old table must stay until the new one is full, and, on an engine whose CREATE and DROP
 * commit at once (`capabilities.ddlCommits`), every write that makes a table, so that a failure
 * leaves no half-filled table and loses no old one.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Dialect } from './dialect';
import { dropTableBuilder, renameTableBuilder, type IfExists } from './table-ddl';

/** A name for a staging table: unique, short enough for any engine. */
export function stagingName(): string {
  return `bigrays_staging_${randomBytes(6).toString('hex')}`;
}

/** Whether a write makes a table on `dialect` through a staging table because DDL commits at once there (every write but an append to a table that exists). */
export function stagedForDdl(dialect: Dialect, exists: boolean, ifExists: IfExists): boolean {
  return dialect.capabilities.ddlCommits && !(exists && ifExists === 'append');
}

/** `schema.name`, or `name` alone. */
function qualified(schema: string | undefined, name: string): string {
  return schema ? `${schema}.${name}` : name;
}

/**
 * Drops a staging table after `error` stopped its write; the error to throw: `error` itself,
 * or, when the staging table cannot be dropped either, one that names it so it can be.
 */
export async function droppedStaging(trx: Knex.Transaction, schema: string | undefined, staging: string, error: unknown): Promise<unknown> {
  try {
    await dropTableBuilder(trx, schema, staging);
    return error;
  } catch {
    const left = `; it left the table ${qualified(schema, staging)} behind: drop it`;
    if (!(error instanceof Error)) return new Error(`${String(error)}${left}`);
    error.message = `${error.message}${left}`;
    return error;
  }
}

/**
 * Gives the full staging table the target's name. Where DDL commits at once, an existing target
 * and the staging table swap names in ONE `RENAME TABLE` (the target never goes missing) before
 * the old table is dropped, and a swap that fails drops the staging table; elsewhere the old
 * table is dropped and the staging table renamed, inside the write's transaction.
 */
export async function stagedIntoPlace(
  trx: Knex.Transaction,
  dialect: Dialect,
  schema: string | undefined,
  staging: string,
  name: string,
  exists: boolean,
): Promise<void> {
  if (!dialect.capabilities.ddlCommits) {
    if (exists) await dropTableBuilder(trx, schema, name);
    await renameTableBuilder(trx, dialect, schema, staging, name);
    return;
  }
  const old = `bigrays_old_${randomBytes(6).toString('hex')}`;
  try {
    if (exists) {
      await trx.raw('RENAME TABLE ?? TO ??, ?? TO ??', [qualified(schema, name), qualified(schema, old), qualified(schema, staging), qualified(schema, name)]);
    } else {
      await renameTableBuilder(trx, dialect, schema, staging, name);
    }
  } catch (error) {
    throw await droppedStaging(trx, schema, staging, error);
  }
  if (!exists) return;
  try {
    await dropTableBuilder(trx, schema, old);
  } catch (error) {
    throw Object.assign(error as Error, { message: `${(error as Error).message}; the replaced table is left as ${qualified(schema, old)}: drop it` });
  }
}
