/**
 * The mysql2 connection of a MySQL session: how it is set up (UTC, backslash escapes on, the
 * statement deadline), how a running statement is cancelled (`KILL QUERY` from a second
 * connection, as MySQL has no cancel message), and what shows it is gone.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { CLEANUP_MS } from '../link';
import type { MysqlColumnDefinition } from './columns';

/** A mysql2 column description. */
export type MysqlField = MysqlColumnDefinition;

/** What a statement that returns no rows reports. */
export interface ResultHeader {
  affectedRows?: number;
  warningStatus?: number;
}

/** The options of one mysql2 query. */
export interface QueryOptions {
  sql: string;
  values?: unknown[];
  rowsAsArray?: boolean;
  infileStreamFactory?: (path: string) => Readable;
}

/** A query under way: its events, and its rows as a stream. */
export interface MysqlQuery {
  on(event: 'fields', listener: (fields: MysqlField[]) => void): this;
  on(event: 'result' | 'error' | 'end', listener: (value?: unknown) => void): this;
  stream(options?: { highWaterMark?: number }): Readable;
}

/** The parts of mysql2's `Connection` a session uses. */
export interface MysqlConnection {
  threadId: number | null;
  config: Record<string, unknown>;
  stream?: Socket;
  query(options: QueryOptions, callback?: (error: Error | null, rows: unknown, fields: unknown) => void): MysqlQuery;
  on(event: 'error' | 'end', listener: (error?: unknown) => void): void;
  destroy(): void;
  _fatalError?: unknown;
  _closing?: boolean;
}

/** Runs `sql` on `connection`: its rows (or result header) and fields, as mysql2 gives them. */
export function run(connection: MysqlConnection, options: QueryOptions): Promise<{ rows: unknown; fields: unknown }> {
  return new Promise((resolve, reject) => {
    connection.query(options, (error, rows, fields) => (error ? reject(error) : resolve({ rows, fields })));
  });
}

/** sql_mode without NO_BACKSLASH_ESCAPES: mysql2 escapes bound text with `\`, which that mode would keep as it is. */
const BACKSLASH_ESCAPES = "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))";

/**
 * Sets a new connection up: UTC (TIMESTAMP values and dates read and written in UTC),
 * backslash escapes on, and a statement deadline when `statementMs` is set (MariaDB's
 * `max_statement_time` in seconds, else MySQL's `max_execution_time`, SELECTs only).
 */
export async function setUp(connection: MysqlConnection, statementMs?: number): Promise<void> {
  await run(connection, { sql: `SET time_zone = '+00:00'` });
  await run(connection, { sql: BACKSLASH_ESCAPES });
  if (!statementMs) return;
  try {
    await run(connection, { sql: `SET SESSION max_statement_time = ${statementMs / 1000}` });
  } catch {
    await run(connection, { sql: `SET SESSION max_execution_time = ${Math.ceil(statementMs)}` });
  }
}

/** The settings of a second connection to the same server as the same user (no database, no statements of its own). */
function secondConnectionConfig(config: Record<string, unknown>): Record<string, unknown> {
  const keep = ['host', 'port', 'socketPath', 'user', 'password', 'ssl', 'charset'];
  return { ...Object.fromEntries(keep.filter((key) => config[key] !== undefined).map((key) => [key, config[key]])), connectTimeout: CLEANUP_MS };
}

/** Asks the server to stop the statement running on `connection` (`KILL QUERY <thread id>` from a second connection). */
export async function killQuery(connection: MysqlConnection): Promise<void> {
  const threadId = connection.threadId;
  if (!threadId || connection._fatalError || connection._closing) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2') as { createConnection(config: object): MysqlConnection & { end(cb?: () => void): void } };
  const second = mysql.createConnection(secondConnectionConfig(connection.config));
  second.on('error', () => undefined);
  try {
    await run(second, { sql: `KILL QUERY ${Number(threadId)}` });
  } finally {
    second.end(() => undefined);
    second.destroy();
  }
}

/** mysql2 codes of a connection that is gone (not merely a statement that failed). */
const GONE = new Set([
  'PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED',
  'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN', 'CR_SERVER_LOST', 'CR_SERVER_GONE_ERROR',
]);

/** Whether a mysql2 error means the connection itself is gone. */
export function isGone(error: unknown): boolean {
  const { code, fatal, message } = (error ?? {}) as { code?: string; fatal?: boolean; message?: string };
  if (fatal) return true;
  if (code && GONE.has(code)) return true;
  return /Connection lost|closed state|socket hang up|ECONNRESET|EPIPE/i.test(message ?? '');
}

/** Whether a mysql2 error is the server stopping a statement at its deadline (MySQL's max_execution_time, MariaDB's max_statement_time). */
export function isQueryTimeout(error: Error): boolean {
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return code === 'ER_QUERY_TIMEOUT' || errno === 1969;
}
