/**
 * PostgreSQL through `pg`. Values are parsed so that they survive exactly: int8 beyond 2^53
 * as bigint, numeric as text, timestamps as ISO 8601 text with their microseconds
 * (timestamptz in UTC), dates as `YYYY-MM-DD`, json as its text.
 */
import type { Knex } from 'knex';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Table } from '../../../data/frame';
import type { FrameColumns } from '../../../data/frame-columns';
import type { TextSpill } from '../../../data/text-spill';
import type { SqlColumn } from '../../../data/sql-columns';
import type { SqlQuoting } from '../../../format';
import { jsonText } from '../../../data/json';
import { socketBytes, withConnection } from '../connection';
import type { Dialect, TableStream, ValueKind } from '../dialect';
import { quoteIdentifier } from '../identifiers';
import type { Guard, SessionLimits } from '../limits';
import { CLEANUP_MS, lostHow, within } from '../link';
import { streamOnConnection } from '../table-stream';
import { isJsonValue } from '../values';
import { sendCancel } from './cancel';
import { pgColumns } from './column-types';
import { copyFrom, copyRows } from './copy-from';
import { CopyOut } from './copy-out';
import { copyTakes, describeQuery } from './describe';
import { postgresDsnSettings } from './dsn';
import { postgresQueryLoad } from './query-load';
import { postgresMerge } from './merge';
import { queryColumns } from './query-columns';
import { lastWithFields, type PgConnection, type PgField } from './results';
import { COLUMN_TYPES, pgTypes } from './types';

interface PgCursor {
  read(rows: number, callback: (error: Error | undefined, rows: unknown[][], result?: { fields?: PgField[] }) => void): void;
  close(): Promise<void>;
}

/** The parts of pg's `Client` that show its state and identify its backend. */
interface PgClient {
  on(event: 'error' | 'end', listener: (error?: unknown) => void): void;
  processID?: number | null;
  secretKey?: number | null;
  host?: string;
  port?: number;
  _ending?: boolean;
  _ended?: boolean;
  _queryable?: boolean;
  connection?: { stream?: Socket };
}

/** Whether the pg client can still talk to its backend. */
function usable(client: PgClient): boolean {
  return client._queryable !== false && !client._ending && !client._ended && client.connection?.stream?.destroyed !== true;
}

/** SQLSTATE classes and messages that mean the connection itself is gone. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED']);
const CONNECTION_MESSAGES = /Connection terminated|not queryable|terminating connection|ECONNRESET|EPIPE|socket hang up/i;

/**
 * `'…'` with `'` doubled; a value with a backslash as `E'…'` with `\` doubled too, which reads
 * the same whatever `standard_conforming_strings` is.
 */
const POSTGRES_QUOTING: SqlQuoting = {
  engine: 'PostgreSQL',
  literal: (text) => (text.includes('\\') ? ` E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${text.replace(/'/g, "''")}'`),
  identifier: (parts) => parts.map(quoteIdentifier).join('.'),
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  engine: 'PostgreSQL',
  schemes: ['postgres', 'postgresql'],
  dsnExamples: ['postgres://…'],
  readDsn: postgresDsnSettings,
  knexClient: 'pg',
  driver: { name: 'pg', install: 'npm install pg' },
  quoting: POSTGRES_QUOTING,
  maxBindings: 65_535,
  capabilities: { insertBatchRows: 5000, serverSideStream: true, renameTableSchema: 'builder', ddlCommits: false },
  secondSession: {
    isTempTable: (schema) => schema !== undefined && /^pg_temp(_\d+)?$/i.test(schema),
    otherSessionTempSql:
      "select 1 from pg_class where relname = ? and relpersistence = 't' and relnamespace <> coalesce(pg_my_temp_schema(), 0) limit 1",
    readerLock: {
      sessionId: (connection) => {
        const pid = (connection as PgClient | undefined)?.processID;
        return typeof pid === 'number' ? pid : undefined;
      },
      sql: 'select 1 from pg_locks where pid = ? and granted and relation = to_regclass(?) limit 1',
    },
  },

  connectionConfig(connection: Record<string, unknown>, limits: SessionLimits): Record<string, unknown> {
    return {
      ...connection,
      types: pgTypes,
      connectionTimeoutMillis: limits.connectMs,
      // Without keepalive, a peer that vanished without a word (a dropped network, a stopped
      // host) leaves the socket waiting forever.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(limits.statementMs ? { statement_timeout: limits.statementMs } : {}),
    };
  },

  watch(connection: unknown, onLost: (how: string, cause: unknown) => void): void {
    const client = connection as PgClient;
    client.on('error', (error) => onLost(lostHow(error), error));
    client.on('end', () => onLost('closed', new Error('the connection was closed')));
  },

  async cancel(connection: unknown, settings: Record<string, unknown>): Promise<void> {
    const client = connection as PgClient;
    if (!client.processID || client.secretKey === null || client.secretKey === undefined || !usable(client)) return;
    const host = String(client.host ?? settings.host ?? 'localhost');
    const port = Number(client.port ?? settings.port ?? 5432);
    await sendCancel(host, port, client.processID, client.secretKey);
  },

  kill(connection: unknown): void {
    (connection as PgClient).connection?.stream?.destroy();
  },

  bytesMoved(connection: unknown): number {
    return socketBytes((connection as PgClient).connection?.stream);
  },

  isConnectionError(error: unknown): boolean {
    const { code, severity, message } = (error ?? {}) as { code?: string; severity?: string; message?: string };
    if (severity === 'FATAL' || severity === 'PANIC') return true;
    if (code && CONNECTION_CODES.has(code)) return true;
    return CONNECTION_MESSAGES.test(message ?? '');
  },

  isStatementTimeout(error: Error): boolean {
    return (error as { code?: unknown }).code === '57014' && /statement timeout/i.test(error.message);
  },

  knexConfig(): Partial<Knex.Config> {
    return {
      pool: {
        min: 1,
        max: 1,
        // Every session speaks UTC, so timestamptz values come back as UTC.
        afterCreate(connection: PgConnection, done: (error: Error | null, connection: unknown) => void) {
          connection.query("SET TIME ZONE 'UTC'").then(() => done(null, connection), (error: Error) => done(error, connection));
        },
      },
    };
  },

  async query(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<Table> {
    return withConnection(knex, async (connection) => {
      const pg = connection as PgConnection;
      const result = lastWithFields(
        await pg.query(bindings.length > 0 ? { text: sql, values: [...bindings], rowMode: 'array' } : { text: sql, rowMode: 'array' }),
      );
      return { columns: (result.fields ?? []).map((f) => f.name), rows: result.rows ?? [] };
    });
  },

  async queryColumns(knex: Knex, sql: string, bindings: readonly unknown[], spill?: TextSpill): Promise<FrameColumns> {
    return withConnection(knex, (connection) => queryColumns(connection, sql, bindings, spill));
  },

  async stream(knex: Knex, sql: string, bindings: readonly unknown[], batchSize: number, guard?: Guard): Promise<TableStream> {
    return streamOnConnection(knex, async (connection) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Cursor = require('pg-cursor') as new (text: string, values: unknown[], config: object) => PgCursor;
      const pg = connection as { query(cursor: unknown): PgCursor };
      const cursor = pg.query(new Cursor(sql, [...bindings], { rowMode: 'array', types: pgTypes }));
      // Closing a cursor waits for the server's reply: never on a dead connection, never for long.
      const close = async (): Promise<void> => {
        if (!usable(connection as PgClient)) return;
        await within(cursor.close(), CLEANUP_MS);
      };
      const read = () =>
        new Promise<{ rows: unknown[][]; fields: PgField[] }>((resolve, reject) => {
          cursor.read(batchSize, (error, rows, result) => (error ? reject(error) : resolve({ rows, fields: result?.fields ?? [] })));
        });
      const first = await read().catch(async (error: unknown) => {
        await close();
        throw error;
      });
      const columns = first.fields.map((f) => f.name);
      return { columns, columnTypes: pgColumns(first.fields), first: first.rows, next: async () => (await read()).rows, close };
    }, guard);
  },

  copyCsv(connection: unknown, sql: string): Readable & { rowCount?: number } {
    // The line break ends a trailing `-- comment` before the closing parenthesis.
    const copy = new CopyOut(`COPY (${sql}\n) TO STDOUT WITH (FORMAT csv, HEADER)`);
    return (connection as { query<T>(query: T): T }).query(copy);
  },

  async describe(knex: Knex, sql: string): Promise<SqlColumn[] | undefined> {
    if (!copyTakes(sql)) return undefined;
    const fields = await withConnection(knex, (connection) => describeQuery(connection, sql));
    return fields && pgColumns(fields);
  },

  async execute(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<number | undefined> {
    return withConnection(knex, async (connection) => {
      const pg = connection as PgConnection;
      await pg.query('BEGIN');
      try {
        const result = await pg.query(bindings.length > 0 ? { text: sql, values: [...bindings] } : sql);
        await pg.query('COMMIT');
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        return last?.rowCount ?? undefined;
      } catch (error) {
        await pg.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  },

  columnType(kind: ValueKind): string {
    return COLUMN_TYPES[kind];
  },

  load: copyRows,

  loadCsv: copyFrom,

  loadQuery: postgresQueryLoad,

  merge: postgresMerge,

  toDbValue(value: unknown): unknown {
    if (value === undefined) return null;
    // Arrays and objects as JSON, not as PostgreSQL array literals.
    if (isJsonValue(value)) return jsonText(value);
    return value;
  },
};
