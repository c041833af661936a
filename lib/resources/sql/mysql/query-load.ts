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
import { failOnWarnings } from './load';
import { backtickIdentifier, backtickTable } from './quoting';

/** A row of `SHOW FULL COLUMNS`: the parts of a column's definition a new table takes. */
interface ShownColumn {
  Field: string;
  Type: string;
  Collation: string | null;
  Null: string;
}

/**
 * The column's type as the query gives it, with its character set and collation (text) and its
 * NULL-ability: nothing left to the server's or the database's defaults (a latin1 database, a
 * first `timestamp` made NOT NULL DEFAULT CURRENT_TIMESTAMP).
 */
function columnType(column: ShownColumn): string {
  // A collation's name starts with its character set's: utf8mb4_unicode_ci.
  const text = column.Collation ? ` CHARACTER SET ${column.Collation.split('_')[0]} COLLATE ${column.Collation}` : '';
  return `${column.Type}${text} ${column.Null === 'YES' ? 'NULL' : 'NOT NULL'}`;
}

export const mysqlQueryLoad: QueryLoad = {
  // A WITH before the SELECT of an INSERT is not taken by every MySQL and MariaDB: its rows are read and loaded instead.
  accepts: (sql) => onlyReads(sql, ['select']),

  async describe(trx, sql, bindings) {
    const connection = (await transactionConnection(trx)) as MysqlConnection;
    const shape = backtickIdentifier(`bigrays_shape_${randomBytes(6).toString('hex')}`);
    await run(connection, { sql: `CREATE TEMPORARY TABLE ${shape} AS SELECT * FROM (${sql}\n) AS q LIMIT 0`, values: [...bindings] });
    try {
      const { rows } = await run(connection, { sql: `SHOW FULL COLUMNS FROM ${shape}` });
      const columns = rows as ShownColumn[];
      return { columns: columns.map((c) => c.Field), types: columns.map(columnType) };
    } finally {
      await run(connection, { sql: `DROP TEMPORARY TABLE ${shape}` });
    }
  },

  async insert(trx, target, sql, bindings) {
    const connection = (await transactionConnection(trx)) as MysqlConnection;
    const insert = insertSelectSql(backtickTable(target), target.columns.map(backtickIdentifier), sql);
    const header = (await run(connection, { sql: insert, values: [...bindings] })).rows as ResultHeader;
    await failOnWarnings(connection, header);
    return header.affectedRows ?? 0;
  },
};
