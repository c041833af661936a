/**
 * A merge on PostgreSQL: the rows go through COPY into a temp table dropped at commit, then
 * `INSERT … ON CONFLICT (keys) DO UPDATE` when the table has a unique index on exactly the
 * keys (one pass, and safe against a concurrent insert of the same key), else an
 * `UPDATE … FROM` and an `INSERT … WHERE NOT EXISTS` (MERGE would need PostgreSQL 15 and is no
 * safer without the index; the pair works on every version). With the index, a key staged
 * twice makes the upsert fail by itself: the rows are grouped by key only then, to name them.
 */
import { quotedTable } from '../identifiers';
import { rawRows, standardDedupeLast, standardUpsert, type MergeSql } from '../merge-sql';

export const postgresMerge: MergeSql = {
  staging: {
    target: (name) => ({ schema: 'pg_temp', name }),
    create: (table, columns) => `CREATE TEMP TABLE ${table} (${columns}) ON COMMIT DROP`,
    dropOnFailure: false,
  },
  limit: (sql, count) => `${sql} LIMIT ${count}`,
  ordinalType: 'bigint GENERATED ALWAYS AS IDENTITY',

  async columns(trx, schema, name) {
    const rows = rawRows(
      await trx.raw(
        'SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a ' +
          'WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum',
        [quotedTable({ schema, name })],
      ),
    );
    return rows.map((row) => ({ name: String(row.name), type: String(row.type) }));
  },

  async hasUniqueKey(trx, schema, name, keys) {
    const rows = rawRows(
      await trx.raw(
        'SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL ' +
          // The key columns: the first indnkeyatts of indkey (an INCLUDE column is no key).
          'AND i.indnkeyatts = ? AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ' +
          'JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE k.n <= i.indnkeyatts) = (SELECT array_agg(k ORDER BY k) FROM unnest(?::text[]) k) LIMIT 1',
        [quotedTable({ schema, name }), keys.length, [...keys]],
      ),
    );
    return rows.length > 0;
  },

  isDuplicateError: (error) => (error as { code?: unknown } | undefined)?.code === '21000',
  dedupeLast: standardDedupeLast,
  upsert: standardUpsert,
};
