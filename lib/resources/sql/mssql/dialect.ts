/**
 * SQL Server through `tedious` (knex `mssql`). bigint comes back exact (bigint beyond
 * 2^53); datetime2 as ISO 8601 text, datetimeoffset in UTC with `Z`, date as `YYYY-MM-DD`.
 * tedious returns decimal/numeric as JavaScript numbers: cast to varchar in the query when
 * every digit matters.
 */
import type { Knex } from 'knex';
import type { Table } from '../../../data/frame';
import type { SqlQuoting } from '../../../format';
import { jsonText } from '../../../data/json';
import { socketBytes, transactionConnection } from '../connection';
import type { Dialect, QueryLoad, TableStream, ValueKind } from '../dialect';
import { bracketIdentifier } from '../identifiers';
import type { Guard, SessionLimits } from '../limits';
import { lostHow } from '../link';
import type { LoadTarget } from '../load';
import { insertSelectSql, onlyReads } from '../query-text';
import { tableStream } from '../table-stream';
import { exactInteger, isJsonValue } from '../values';
import { bracketed, bulkLoad } from './bulk';
import { mssqlDsnSettings } from './dsn';
import { mssqlMerge } from './merge';

/** The parts of tedious' `Connection` a session watches and cancels with. */
interface TediousConnection {
  on(event: 'error' | 'end', listener: (error?: unknown) => void): void;
  cancel(): boolean;
  socket?: { destroy(): void; bytesRead: number; bytesWritten?: number; writableLength: number };
  closed?: boolean;
}

interface ColumnMetadata {
  colName: string;
  type: { name: string };
}

interface TediousRequest {
  on(event: 'columnMetadata', listener: (columns: ColumnMetadata[] | Record<string, ColumnMetadata>) => void): void;
  on(event: 'row', listener: (row: Array<{ value: unknown; metadata: ColumnMetadata }>) => void): void;
}

interface MssqlClient {
  _makeRequest(query: { sql: string }, callback: (error: Error | null, rowCount?: number) => void): TediousRequest;
  _assignBindings(request: TediousRequest, bindings: unknown[]): void;
  _enqueueRequest(request: TediousRequest, connection: unknown): void;
  _chomp(connection: unknown): void;
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}



const TYPES: Record<ValueKind, string> = {
  boolean: 'BIT',
  integer: 'BIGINT',
  float: 'FLOAT',
  numeric: 'DECIMAL(38, 10)',
  date: 'DATE',
  timestamp: 'DATETIME2(7)',
  timestamptz: 'DATETIMEOFFSET(7)',
  binary: 'VARBINARY(MAX)',
  json: 'NVARCHAR(MAX)',
  text: 'NVARCHAR(MAX)',
};

/** A value tedious returned, in the form bigrays keeps values (see the module comment). */
export function fromMssql(value: unknown, typeName: string): unknown {
  if (value === null || value === undefined) return null;
  const type = typeName.toLowerCase();
  if (typeof value === 'string' && (type === 'bigint' || type === 'intn')) return exactInteger(value);
  if (value instanceof Date) {
    const iso = value.toISOString();
    if (type === 'date' || type === 'daten') return iso.slice(0, 10);
    if (type.startsWith('datetimeoffset')) return iso;
    return iso.replace(/Z$/, '');
  }
  return value;
}

function toDb(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  if (isJsonValue(value)) return jsonText(value);
  return value;
}

/** Runs `sql` with `bindings` on `connection`: the columns and rows of its last result set, and the rows it affected. */
function request(client: MssqlClient, connection: unknown, sql: string, bindings: readonly unknown[]): Promise<Table & { rowCount: number }> {
  return new Promise((resolve, reject) => {
    let columns: ColumnMetadata[] = [];
    let rows: unknown[][] = [];
    const made = client._makeRequest({ sql }, (error, rowCount) => {
      process.nextTick(() => client._chomp(connection));
      if (error) reject(error);
      else resolve({ columns: columns.map((c) => c.colName), rows, rowCount: rowCount ?? 0 });
    });
    made.on('columnMetadata', (metadata) => {
      // A batch may return several result sets: keep the last one.
      columns = Array.isArray(metadata) ? metadata : Object.values(metadata);
      rows = [];
    });
    made.on('row', (row) => {
      rows.push(row.map((cell) => fromMssql(cell.value, cell.metadata.type.name)));
    });
    client._assignBindings(made, bindings.map(toDb));
    client._enqueueRequest(made, connection);
  });
}

/** An N'…' literal of `text`. */
function unicodeLiteral(text: string): string {
  return `N'${text.replace(/'/g, "''")}'`;
}

/**
 * The statement that describes `sql`'s result without running it: `sp_describe_first_result_set`,
 * its bound values (`@p0`, `@p1`, …) declared as text. Its rows: `name`, `system_type_name`
 * (`int`, `nvarchar(50)`, `decimal(12,2)`), `is_hidden`.
 */
export function describeQuerySql(sql: string, bindings: number): string {
  const params = Array.from({ length: bindings }, (_, i) => `@p${i} nvarchar(max)`).join(', ');
  return `EXEC sp_describe_first_result_set @tsql = ${unicodeLiteral(sql)}${bindings > 0 ? `, @params = ${unicodeLiteral(params)}` : ''}`;
}

/** `INSERT INTO [schema].[name] ([columns]) query`. */
export function mssqlInsertSelectSql(target: LoadTarget, sql: string): string {
  return insertSelectSql(bracketed(target), target.columns.map(bracketIdentifier), sql);
}

/**
 * `INSERT INTO target (columns) query` on the server, the types of a table it creates those
 * SQL Server describes for the query. A query that begins with `WITH` cannot follow an INSERT
 * in T-SQL: its rows are read and loaded instead.
 */
const mssqlQueryLoad: QueryLoad = {
  // A WITH cannot follow INSERT on SQL Server.
  accepts: (sql) => onlyReads(sql, ['select'], true),

  async describe(trx, sql, bindings) {
    const client = trx.client as unknown as MssqlClient;
    const described = await request(client, await transactionConnection(trx), describeQuerySql(sql, bindings.length), []);
    const at = (name: string): number => described.columns.indexOf(name);
    const shown = described.rows.filter((row) => !row[at('is_hidden')]);
    return { columns: shown.map((row) => String(row[at('name')])), types: shown.map((row) => String(row[at('system_type_name')])) };
  },

  async insert(trx, target, sql, bindings) {
    const client = trx.client as unknown as MssqlClient;
    return (await request(client, await transactionConnection(trx), mssqlInsertSelectSql(target, sql), bindings)).rowCount;
  },
};

/** `N'…'` (unicode) with `'` doubled, `[…]` with `]` doubled; `]` can end a bracketed name. */
const MSSQL_QUOTING: SqlQuoting = {
  engine: 'SQL Server',
  literal: unicodeLiteral,
  identifier: (parts) => parts.map(bracketIdentifier).join('.'),
};

export const mssqlDialect: Dialect = {
  name: 'mssql',
  engine: 'SQL Server',
  schemes: ['mssql', 'sqlserver'],
  dsnExamples: ['mssql://…'],
  readDsn: mssqlDsnSettings,
  knexClient: 'mssql',
  driver: { name: 'tedious', install: 'npm install tedious' },
  quoting: MSSQL_QUOTING,
  // SQL Server allows 2100 parameters per request.
  maxBindings: 2_000,
  // Results are read whole, then handed out in batches (tedious has no cursor here).
  capabilities: { insertBatchRows: 1000, serverSideStream: false, renameTableSchema: 'builder', ddlCommits: false },
  secondSession: { isTempTable: (_schema, name) => name.startsWith('#') },

  connectionConfig(connection: Record<string, unknown>, limits: SessionLimits): Record<string, unknown> {
    return {
      ...connection,
      // A connectTimeout in the DSN wins over the configured one.
      connectionTimeout: connection.connectionTimeout ?? limits.connectMs,
      // tedious fails a request after requestTimeout (0: never); knex's own default is 15 s.
      requestTimeout: limits.statementMs ?? 0,
    };
  },

  knexConfig(): Partial<Knex.Config> {
    return { pool: { min: 1, max: 1 } };
  },

  watch(connection: unknown, onLost: (how: string, cause: unknown) => void): void {
    const tedious = connection as TediousConnection;
    tedious.on('error', (error) => onLost(lostHow(error), error));
    tedious.on('end', () => onLost('closed', new Error('the connection was closed')));
  },

  cancel(connection: unknown): void {
    (connection as TediousConnection).cancel();
  },

  kill(connection: unknown): void {
    (connection as TediousConnection).socket?.destroy();
  },

  bytesMoved(connection: unknown): number {
    return socketBytes((connection as TediousConnection).socket);
  },

  isConnectionError(error: unknown): boolean {
    const { code, message } = (error ?? {}) as { code?: string; message?: string };
    return code === 'ESOCKET' || code === 'ECLOSE' || code === 'ECONNRESET' || /Connection lost|socket hang up|ECONNRESET/i.test(message ?? '');
  },

  isStatementTimeout(error: Error): boolean {
    return (error as { code?: unknown }).code === 'ETIMEOUT' && /request/i.test(error.message);
  },

  async query(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<Table> {
    const client = knex.client as unknown as MssqlClient;
    const connection = await client.acquireConnection();
    try {
      return await request(client, connection, sql, bindings);
    } finally {
      await client.releaseConnection(connection);
    }
  },

  /** SQL Server results are read whole, then handed out in batches (tedious has no cursor here). */
  async stream(knex: Knex, sql: string, bindings: readonly unknown[], batchSize: number, guard?: Guard): Promise<TableStream> {
    const table = await this.query(knex, sql, bindings);
    let offset = 0;
    const next = async () => table.rows.slice(offset, (offset += batchSize));
    return tableStream(table.columns, await next(), next, async () => undefined, guard);
  },

  async execute(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<number | undefined> {
    return knex.transaction(async (trx) => {
      const result: unknown = await trx.raw(sql, bindings.map(toDb) as Knex.RawBinding[]);
      return typeof result === 'number' ? result : undefined;
    });
  },

  columnType(kind: ValueKind): string {
    return TYPES[kind];
  },

  load: bulkLoad,

  loadQuery: mssqlQueryLoad,

  merge: mssqlMerge,

  toDbValue: toDb,
};
