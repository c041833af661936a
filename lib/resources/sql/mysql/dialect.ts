/**
 * MySQL and MariaDB through `mysql2` (knex `mysql2`): see values.ts for how values come back,
 * load.ts for how `SQLWrite` loads rows, stream.ts for `SQLStream`. Every session speaks UTC,
 * with backslash escapes on and `multipleStatements` (a batch of statements in one SQLExecute).
 * Registered in lib/resources/sql/dialects.ts; its driver, mysql2, is an optional peer.
 */
import type { Knex } from 'knex';
import type { Table } from '../../../data/frame';
import { socketBytes, withConnection } from '../connection';
import type { Dialect, TableStream, ValueKind } from '../dialect';
import type { Guard, SessionLimits } from '../limits';
import { lostHow } from '../link';
import { streamOnConnection } from '../table-stream';
import { isGone, isQueryTimeout, killQuery, run, setUp, type MysqlConnection, type MysqlField, type ResultHeader } from './connection';
import { mysqlDsnSettings } from './dsn';
import { INSERT_ROWS, loadRows } from './load';
import { mysqlQueryLoad } from './query-load';
import { mysqlMerge } from './merge';
import { MYSQL_QUOTING } from './quoting';
import { openRead } from './stream';
import { castValue, toMysql } from './values';

const TYPES: Record<ValueKind, string> = {
  boolean: 'BOOLEAN',
  integer: 'BIGINT',
  float: 'DOUBLE',
  numeric: 'DECIMAL(65, 20)',
  date: 'DATE',
  timestamp: 'DATETIME(6)',
  timestamptz: 'DATETIME(6)',
  binary: 'LONGBLOB',
  json: 'LONGTEXT CHARACTER SET utf8mb4',
  text: 'LONGTEXT CHARACTER SET utf8mb4',
};

/** The last result set of a statement or a batch: its columns and rows (none for a batch that returns none). */
function lastResult(rows: unknown, fields: unknown): Table {
  const batch = Array.isArray(fields) && fields.some((f) => f === undefined || Array.isArray(f));
  if (!batch) return { columns: ((fields as MysqlField[] | undefined) ?? []).map((f) => f.name), rows: Array.isArray(rows) ? (rows as unknown[][]) : [] };
  const sets = fields as Array<MysqlField[] | undefined>;
  for (let i = sets.length - 1; i >= 0; i--) {
    if (sets[i]) return { columns: sets[i]!.map((f) => f.name), rows: (rows as unknown[][][])[i] };
  }
  return { columns: [], rows: [] };
}

/** The rows a statement (the last of a batch) affected. */
function affectedRows(rows: unknown): number | undefined {
  const last = Array.isArray(rows) ? rows[rows.length - 1] : rows;
  return (last as ResultHeader | undefined)?.affectedRows;
}

export const mysqlDialect: Dialect = {
  name: 'mysql',
  engine: 'MySQL',
  schemes: ['mysql', 'mariadb'],
  dsnExamples: ['mysql://…'],
  readDsn: mysqlDsnSettings,
  knexClient: 'mysql2',
  driver: { name: 'mysql2', install: 'npm install mysql2' },
  quoting: MYSQL_QUOTING,
  capabilities: {
    // LOAD DATA LOCAL INFILE carries the rows; the multi-row INSERT it falls back to, 1000 at a time.
    insertBatchRows: INSERT_ROWS,
    // mysql2's query stream, read a batch at a time with back-pressure (stream.ts).
    serverSideStream: true,
    // RENAME TABLE s.a TO b would move the table to the session's database.
    renameTableSchema: 'both',
    // CREATE, DROP and RENAME TABLE commit at once, whatever the transaction.
    ddlCommits: true,
  },
  secondSession: {
    // A TEMPORARY table has an ordinary name, and no catalog another session reads lists it (MariaDB
    // and MySQL alike): it cannot be told from a table, and a second session writes the table of
    // that name (README). Replacing the table the reading session reads needs no check: the new
    // table is filled first (ddlCommits), so the DROP comes once the read, and its lock, has ended.
    isTempTable: () => false,
  },
  // A prepared statement takes 65535 placeholders; values are sent in the text of the statement, kept well below max_allowed_packet.
  maxBindings: 65_535,

  connectionConfig(connection: Record<string, unknown>, limits: SessionLimits): Record<string, unknown> {
    // mysql2 speaks utf8mb4 unless the DSN says otherwise (a `charset` here would also be knex's CREATE TABLE charset).
    return {
      ...connection,
      // A connectTimeout in the DSN wins over the configured one.
      connectTimeout: connection.connectTimeout ?? limits.connectMs,
      // Without keepalive, a server that vanished without a word leaves the socket waiting forever.
      enableKeepAlive: true,
      keepAliveInitialDelay: 10_000,
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      // JSON as its text, every digit kept, as PostgreSQL's jsonb is given.
      jsonStrings: true,
      timezone: 'Z',
      typeCast: castValue,
    };
  },

  knexConfig(_connection: Record<string, unknown>, limits: SessionLimits): Partial<Knex.Config> {
    return {
      pool: {
        min: 1,
        max: 1,
        afterCreate(connection: MysqlConnection, done: (error: Error | null, connection: unknown) => void) {
          setUp(connection, limits.statementMs).then(() => done(null, connection), (error: Error) => done(error, connection));
        },
      },
    };
  },

  watch(connection: unknown, onLost: (how: string, cause: unknown) => void): void {
    const mysql = connection as MysqlConnection;
    mysql.on('error', (error) => onLost(lostHow(error), error));
    mysql.on('end', () => onLost('closed', new Error('the connection was closed')));
  },

  cancel(connection: unknown): Promise<void> {
    return killQuery(connection as MysqlConnection);
  },

  kill(connection: unknown): void {
    (connection as MysqlConnection).destroy();
  },

  bytesMoved(connection: unknown): number {
    return socketBytes((connection as MysqlConnection).stream);
  },

  isConnectionError: isGone,

  isStatementTimeout: isQueryTimeout,

  async query(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<Table> {
    return withConnection(knex, async (connection) => {
      const { rows, fields } = await run(connection as MysqlConnection, { sql, values: [...bindings], rowsAsArray: true });
      return lastResult(rows, fields);
    });
  },

  async stream(knex: Knex, sql: string, bindings: readonly unknown[], batchSize: number, guard?: Guard): Promise<TableStream> {
    return streamOnConnection(knex, (connection) => openRead(connection as MysqlConnection, sql, bindings, batchSize), guard);
  },

  async execute(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<number | undefined> {
    return withConnection(knex, async (connection) => {
      const mysql = connection as MysqlConnection;
      // DDL (CREATE, DROP, ALTER) commits at once on MySQL, whatever the transaction.
      await run(mysql, { sql: 'START TRANSACTION' });
      try {
        const { rows } = await run(mysql, { sql, values: [...bindings] });
        await run(mysql, { sql: 'COMMIT' });
        return affectedRows(rows);
      } catch (error) {
        await run(mysql, { sql: 'ROLLBACK' }).catch(() => undefined);
        throw error;
      }
    });
  },

  columnType(kind: ValueKind): string {
    return TYPES[kind];
  },

  load: loadRows,

  loadQuery: mysqlQueryLoad,

  merge: mysqlMerge,

  toDbValue: toMysql,
};
