/**
 * A merge on SQLite: the rows go into a temp table, then `INSERT … ON CONFLICT (keys) DO
 * UPDATE` when the table has a unique index or primary key on exactly the keys, else an
 * `UPDATE … FROM` and an `INSERT … WHERE NOT EXISTS`. The temp table is dropped once merged
 * (a rollback takes it away with the rest).
 */
import { rawRows, standardDedupeLast, standardUpsert, type MergeSql } from '../merge-sql';

/** The names of a pragma's rows, for the table `name` of `schema` (any attached schema when none). */
async function pragma(trx: Parameters<MergeSql['columns']>[0], fn: string, name: string, schema: string | undefined): Promise<Array<Record<string, unknown>>> {
  const args = schema === undefined ? [name] : [name, schema];
  return rawRows(await trx.raw(`SELECT * FROM ${fn}(${args.map(() => '?').join(', ')})`, args));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export const sqliteMerge: MergeSql = {
  staging: {
    target: (name) => ({ schema: 'temp', name }),
    create: (table, columns) => `CREATE TEMP TABLE ${table.replace(/^"temp"\./, '')} (${columns})`,
    drop: (table) => `DROP TABLE ${table}`,
    dropOnFailure: false,
  },
  limit: (sql, count) => `${sql} LIMIT ${count}`,
  // The rowid: numbered in insert order.
  ordinalType: 'INTEGER PRIMARY KEY',

  async columns(trx, schema, name) {
    return (await pragma(trx, 'pragma_table_info', name, schema)).map((row) => ({ name: String(row.name), type: String(row.type ?? '') }));
  },

  async hasUniqueKey(trx, schema, name, keys) {
    const primary = (await pragma(trx, 'pragma_table_info', name, schema)).filter((row) => Number(row.pk) > 0).map((row) => String(row.name));
    if (sameSet(primary, keys)) return true;
    for (const index of await pragma(trx, 'pragma_index_list', name, schema)) {
      if (Number(index.unique) !== 1 || Number(index.partial) === 1) continue;
      const columns = (await pragma(trx, 'pragma_index_info', String(index.name), schema)).map((row) => String(row.name));
      if (sameSet(columns, keys)) return true;
    }
    return false;
  },

  dedupeLast: standardDedupeLast,
  upsert: standardUpsert,
};
