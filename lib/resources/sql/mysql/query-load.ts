/**
 * `SQLWrite` of an `SQLStream`'s rows on the same MySQL session: `INSERT INTO target (columns)
 * query` on the server, moving no data. A table it creates takes the query's own column types,
 * read from an empty temporary table made from the query (`LIMIT 0`: no row is read; temporary
 * tables commit nothing).
 */
import { randomBytes } from 'node:crypto';
import { transactionConnection } from '../connection';
import type { QueryLoad } from '../dialect';
import { insertSelectSql, onlyReads } from '../query-text';
import { run, type MysqlConnection, type ResultHeader } from './connection';
import { backtickIdentifier, backtickTable } from './quoting';

export const mysqlQueryLoad: QueryLoad = {
  // A WITH before the SELECT of an INSERT is not taken by every MySQL and MariaDB: its rows are read and loaded instead.
  accepts: (sql) => onlyReads(sql, ['select']),

  async describe(trx, sql, bindings) {
    const connection = (await transactionConnection(trx)) as MysqlConnection;
    const shape = backtickIdentifier(`bigrays_shape_${randomBytes(6).toString('hex')}`);
    await run(connection, { sql: `CREATE TEMPORARY TABLE ${shape} AS SELECT * FROM (${sql}\n) AS q LIMIT 0`, values: [...bindings] });
    try {
      const { rows } = await run(connection, { sql: `SHOW COLUMNS FROM ${shape}` });
      const columns = rows as Array<{ Field: string; Type: string }>;
      return { columns: columns.map((c) => c.Field), types: columns.map((c) => c.Type) };
    } finally {
      await run(connection, { sql: `DROP TEMPORARY TABLE ${shape}` });
    }
  },

  async insert(trx, target, sql, bindings) {
    const connection = (await transactionConnection(trx)) as MysqlConnection;
    const insert = insertSelectSql(backtickTable(target), target.columns.map(backtickIdentifier), sql);
    const { rows } = await run(connection, { sql: insert, values: [...bindings] });
    return (rows as ResultHeader).affectedRows ?? 0;
  },
};
