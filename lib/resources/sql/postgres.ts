/**
 * PostgreSQL through `pg`. Values are parsed so that they survive exactly: int8 beyond 2^53
 * as bigint, numeric as text, timestamps as ISO 8601 text with their microseconds
 * (timestamptz in UTC), dates as `YYYY-MM-DD`, json as its text.
 */
import type { Knex } from 'knex';
import { connect as netConnect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Table } from '../../data/frame';
import type { Writable } from 'node:stream';
import {
  exactInteger, insertSelectSql, isJsonValue, jsonText, onlyReads, quotedTable, quoteIdentifier, socketBytes, streamOnConnection, transactionConnection, withConnection,
  type QueryLoad, type SqlDialect, type TableStream, type ValueKind,
} from './dialect';
import { CLEANUP_MS, lostHow, within, type Guard, type SessionLimits } from './link';
import { CopyLines } from '../../data/csv-read';
import { COPY_CHUNK, copyRowsText } from './copy-text';
import { LoadError, type LoadTarget } from './write';
import { CopyOut } from './copy-out';

interface PgField {
  name: string;
  dataTypeID?: number;
  dataTypeModifier?: number;
}

interface PgResult {
  fields?: PgField[];
  rows?: unknown[][];
  rowCount?: number | null;
  command?: string;
}

interface PgCursor {
  read(rows: number, callback: (error: Error | undefined, rows: unknown[][], result?: { fields?: PgField[] }) => void): void;
  close(): Promise<void>;
}

interface PgConnection {
  query(config: { text: string; values?: unknown[]; rowMode?: 'array' } | string): Promise<PgResult | PgResult[]>;
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

/** The CancelRequest message (protocol 3): length 16, code 80877102, backend pid, secret key. */
function cancelRequest(processID: number, secretKey: number): Buffer {
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4);
  message.writeInt32BE(processID, 8);
  message.writeInt32BE(secretKey, 12);
  return message;
}

/** Sends a CancelRequest on a short-lived connection of its own; resolves when the server hangs up. */
function sendCancel(host: string, port: number, processID: number, secretKey: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = host.startsWith('/') ? netConnect(`${host}/.s.PGSQL.${port}`) : netConnect(port, host);
    socket.unref();
    socket.setTimeout(CLEANUP_MS, () => socket.destroy());
    socket.on('connect', () => socket.end(cancelRequest(processID, secretKey)));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => resolve());
  });
}

/** Whether the pg client can still talk to its backend. */
function usable(client: PgClient): boolean {
  return client._queryable !== false && !client._ending && !client._ended && client.connection?.stream?.destroyed !== true;
}

/** SQLSTATE classes and messages that mean the connection itself is gone. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED']);
const CONNECTION_MESSAGES = /Connection terminated|not queryable|terminating connection|ECONNRESET|EPIPE|socket hang up/i;

// Type OIDs (pg_type.oid).
const BOOL = 16;
const BYTEA = 17;
const INT8 = 20;
const INT2 = 21;
const INT4 = 23;
const OID = 26;
const FLOAT4 = 700;
const FLOAT8 = 701;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

const identity = (text: string): string => text;

/**
 * PostgreSQL's text of a timestamp as ISO 8601: `2026-01-02 03:04:05.123456` →
 * `2026-01-02T03:04:05.123456`, and with `zoned` (the session runs in UTC)
 * `2026-01-02 03:04:05.123456+00` → `2026-01-02T03:04:05.123456Z`. Years outside 1–9999 (BC,
 * or five digits) and `infinity` keep PostgreSQL's own text, which PostgreSQL reads back;
 * ISO's signed years it does not.
 *
 * Built with `join`, which makes one flat string: `replace` would keep a rope of slices of
 * PostgreSQL's text alive, more than twice the memory per value in a big DataFrame.
 */
export function isoTimestamp(text: string, zoned = false): string {
  const n = text.length;
  // `YYYY-MM-DD HH:MM:SS…`: a four-digit year, the date, then a space.
  if (n < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(n - 1) === 67 /* …BC */) return text;
  let end = n;
  let zone = '';
  if (zoned) {
    if (text.endsWith('+00')) end = n - 3;
    else if (text.endsWith('+00:00')) end = n - 6;
    if (end < n) zone = 'Z';
  }
  return [text.slice(0, 10), 'T', text.slice(11, end), zone].join('');
}

function isoTimestamptz(text: string): string {
  return isoTimestamp(text, true);
}

function byteaParser(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  // escape format (bytea_output = escape)
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else if (text[i] === '\\') {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(text.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

const PARSERS: Record<number, (text: string) => unknown> = {
  [BOOL]: (text) => text === 't' || text === 'true',
  [BYTEA]: byteaParser,
  [INT8]: (text) => exactInteger(text),
  [INT2]: Number,
  [INT4]: Number,
  [OID]: Number,
  [FLOAT4]: Number,
  [FLOAT8]: Number,
  [TIMESTAMP]: (text) => isoTimestamp(text),
  [TIMESTAMPTZ]: isoTimestamptz,
};

/** Parsers for `pg`'s `types` option: the table above, text for every other type. */
export const pgTypes = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (format === 'binary') return identity;
    return PARSERS[oid] ?? identity;
  },
};

const TYPES: Record<ValueKind, string> = {
  boolean: 'boolean',
  integer: 'bigint',
  float: 'double precision',
  numeric: 'numeric',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  binary: 'bytea',
  json: 'jsonb',
  text: 'text',
};

function lastWithFields(result: PgResult | PgResult[]): PgResult {
  if (!Array.isArray(result)) return result;
  for (let i = result.length - 1; i >= 0; i--) if (result[i].fields && result[i].fields!.length > 0) return result[i];
  return result[result.length - 1] ?? {};
}

// The COPY text of values: `copyField` and `copyLine` are the reference, the load writes bytes.
export { copyField, copyLine } from './copy-text';

interface CopyStream extends Writable {
  rowCount?: number;
}

/** The row a COPY error is about, from its CONTEXT (`COPY t, line 3000…`); the line's data is not kept. */
function copyErrorRow(error: unknown, lines?: CopyLines): number | undefined {
  const where = (error as { where?: unknown })?.where;
  const match = typeof where === 'string' ? /COPY [^\n]*?, line (\d+)/.exec(where) : null;
  if (!match) return undefined;
  return lines ? lines.row(Number(match[1])) : Number(match[1]);
}

/**
 * Streams CSV `text` (whole records) through `COPY target (columns) FROM STDIN WITH (FORMAT
 * csv)` on the transaction's connection, a chunk at a time, waiting while the server is behind:
 * the text is made as fast as the server takes it, never held whole. A failure (a bad row, a
 * value that cannot be written, the source failing, an abort) ends the COPY with an error; the
 * caller's transaction then rolls back.
 */
async function copyFrom(
  trx: Knex.Transaction,
  target: LoadTarget,
  text: AsyncIterable<string | Buffer>,
  guard?: Guard,
  lines?: CopyLines,
): Promise<number> {
  const connection = (await transactionConnection(trx)) as { query(stream: unknown): CopyStream };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { from } = require('pg-copy-streams') as { from(sql: string, options?: { highWaterMark?: number }): CopyStream };
  const table = quotedTable(target);
  const sql = `COPY ${table} (${target.columns.map(quoteIdentifier).join(', ')}) FROM STDIN WITH (FORMAT csv)`;
  // Room for a few chunks on their way, so that the next is made while they go.
  const copy = connection.query(from(sql, { highWaterMark: 4 * COPY_CHUNK }));
  let failure: unknown;
  let wake: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    copy.on('finish', resolve);
    copy.on('error', (error: unknown) => {
      failure = error;
      wake?.();
      reject(error);
    });
  });
  done.catch(() => undefined);
  const waitDrain = (): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve;
      copy.once('drain', resolve);
    }).finally(() => {
      wake = undefined;
      copy.removeAllListeners('drain');
    });
  const refused = (error: unknown): LoadError =>
    new LoadError((error as Error)?.message ?? String(error), copyErrorRow(error, lines), error);
  const pieces = text[Symbol.asyncIterator]();
  // Text comes in pieces of any size (sent COPY_CHUNK at a time), bytes in chunks of their own.
  let chunk = '';
  try {
    for (;;) {
      const next = await (guard ? guard.input(pieces.next()) : pieces.next());
      if (failure !== undefined) throw refused(failure);
      if (next.done) break;
      let send: string | Buffer;
      if (typeof next.value === 'string') {
        chunk += next.value;
        if (chunk.length < COPY_CHUNK) continue;
        send = chunk;
        chunk = '';
      } else send = next.value;
      guard?.check();
      if (chunk !== '') {
        copy.write(chunk);
        chunk = '';
      }
      if (!copy.write(send)) await waitDrain();
    }
    guard?.check();
    copy.end(chunk);
    chunk = '';
    await done.catch((error: unknown) => {
      throw refused(error);
    });
  } catch (error) {
    // Ends the COPY (pg-copy-streams sends CopyFail) and waits for the server to say so.
    if (failure === undefined) {
      copy.destroy(error instanceof Error ? error : new Error(String(error)));
      await within(done.catch(() => undefined), CLEANUP_MS);
    }
    await pieces.return?.();
    throw error;
  }
  return copy.rowCount ?? 0;
}

/** Loads rows through COPY. */
function copyRows(trx: Knex.Transaction, target: LoadTarget, rows: Iterable<unknown[]> | AsyncIterable<unknown[]>, guard?: Guard): Promise<number> {
  const lines = new CopyLines();
  return copyFrom(trx, target, copyRowsText(rows, target.columns.length, lines), guard, lines);
}

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
const postgresQueryLoad: QueryLoad = {
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

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  maxBindings: 65_535,

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
      return { columns: first.fields.map((f) => f.name), first: first.rows, next: async () => (await read()).rows, close };
    }, guard);
  },

  copyCsv(connection: unknown, sql: string): Readable & { rowCount?: number } {
    // The line break ends a trailing `-- comment` before the closing parenthesis.
    const copy = new CopyOut(`COPY (${sql}\n) TO STDOUT WITH (FORMAT csv, HEADER)`);
    return (connection as { query<T>(query: T): T }).query(copy);
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
    return TYPES[kind];
  },

  load: copyRows,

  loadCsv: copyFrom,

  loadQuery: postgresQueryLoad,

  toDbValue(value: unknown): unknown {
    if (value === undefined) return null;
    // Arrays and objects as JSON, not as PostgreSQL array literals.
    if (isJsonValue(value)) return jsonText(value);
    return value;
  },
};
