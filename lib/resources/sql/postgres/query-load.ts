/** `INSERT … SELECT` on PostgreSQL: the rows of a query loaded on the server, moving no data. */
import type { Knex } from 'knex';
import { transactionConnection } from '../connection';
import type { QueryLoad } from '../dialect';
import { quotedTable, quoteIdentifier } from '../identifiers';
import { insertSelectSql, onlyReads } from '../query-text';
import { lastWithFields, type PgConnection, type PgResult } from './results';

/** A statement on the transaction's connection, with its bound values when it has any. */
async function onTransaction(trx: Knex.Transaction, text: string, values: readonly unknown[]): Promise<PgResult> {
  const pg = (await transactionConnection(trx)) as PgConnection;
  return lastWithFields(await pg.query(values.length > 0 ? { text, values: [...values], rowMode: 'array' } : { text, rowMode: 'array' }));
}

/**
 * `INSERT INTO target (columns) query` on the server. The query's columns and types come from
 * its row description (`LIMIT 0`: no row is read), each type as PostgreSQL writes it
 * (`numeric(12,2)`, `timestamp with time zone`).
 */
export const postgresQueryLoad: QueryLoad = {
  accepts: (sql) => onlyReads(sql, ['select', 'with', 'values', 'table']),

  async describe(trx, sql, bindings) {
    const { fields = [] } = await onTransaction(trx, `SELECT * FROM (${sql}\n) AS q LIMIT 0`, bindings);
    const named = await onTransaction(
      trx,
      'SELECT format_type(t.oid, t.mod) FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS t(oid, mod, n) ORDER BY t.n',
      [fields.map((f) => f.dataTypeID ?? 25), fields.map((f) => f.dataTypeModifier ?? -1)],
    );
    return { columns: fields.map((f) => f.name), types: (named.rows ?? []).map((row) => String(row[0])) };
  },

  async insert(trx, target, sql, bindings) {
    const result = await onTransaction(trx, insertSelectSql(quotedTable(target), target.columns.map(quoteIdentifier), sql), bindings);
    return result.rowCount ?? 0;
  },
};
