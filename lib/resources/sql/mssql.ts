/**
 * SQL Server through `tedious` (knex `mssql`). bigint comes back exact (bigint beyond
 * 2^53); datetime2 as ISO 8601 text, datetimeoffset in UTC with `Z`, date as `YYYY-MM-DD`.
 * tedious returns decimal/numeric as JavaScript numbers: cast to varchar in the query when
 * every digit matters.
 */
import type { Knex } from 'knex';
import type { Table } from '../../data/frame';
import {
  bracketIdentifier, exactInteger, insertSelectSql, isJsonValue, jsonText, onlyReads, socketBytes, tableStream, transactionConnection,
  type QueryLoad, type SqlDialect, type TableStream, type ValueKind,
} from './dialect';
import { lostHow, type Guard, type SessionLimits } from './link';
import { LoadError, type LoadTarget } from './write';

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

/** A column of the target table, as `sys.columns` describes it. */
export interface MssqlColumn {
  name: string;
  /** `sys.types.name`: `bigint`, `nvarchar`, `datetime2`, … */
  type: string;
  /** Bytes (`-1`: MAX). */
  maxLength: number;
  precision: number;
  scale: number;
  nullable: boolean;
}

/** A column of a tedious bulk load: the tedious type's name and its options. */
export interface BulkColumn {
  name: string;
  type: string;
  options: { nullable: boolean; length?: number; precision?: number; scale?: number };
}

/** tedious' type for each SQL Server type a table may have (others load as NVarChar text). */
const BULK_TYPES: Record<string, string> = {
  bit: 'Bit', tinyint: 'TinyInt', smallint: 'SmallInt', int: 'Int', bigint: 'BigInt',
  real: 'Real', float: 'Float', decimal: 'Decimal', numeric: 'Numeric', money: 'Money', smallmoney: 'SmallMoney',
  date: 'Date', time: 'Time', datetime: 'DateTime', smalldatetime: 'SmallDateTime', datetime2: 'DateTime2',
  datetimeoffset: 'DateTimeOffset', char: 'Char', varchar: 'VarChar', nchar: 'NChar', nvarchar: 'NVarChar',
  text: 'Text', ntext: 'NText', binary: 'Binary', varbinary: 'VarBinary', image: 'Image', uniqueidentifier: 'UniqueIdentifier',
  xml: 'NVarChar',
};

/** The bulk-load column for a table column: its tedious type, length (characters for n-types), precision and scale. */
export function bulkColumn(column: MssqlColumn): BulkColumn {
  const sqlType = column.type.toLowerCase();
  const type = BULK_TYPES[sqlType] ?? 'NVarChar';
  const options: BulkColumn['options'] = { nullable: column.nullable };
  if (['Char', 'VarChar', 'Binary', 'VarBinary', 'NChar', 'NVarChar'].includes(type)) {
    const unicode = type.startsWith('N') && sqlType !== 'xml';
    options.length = column.maxLength === -1 || sqlType === 'xml' ? 0xffff : unicode ? column.maxLength / 2 : column.maxLength;
  } else if (type === 'Decimal' || type === 'Numeric') {
    options.precision = column.precision;
    options.scale = column.scale;
  } else if (type === 'DateTime2' || type === 'DateTimeOffset' || type === 'Time') {
    options.scale = column.scale;
  }
  return { name: column.name, type, options };
}

/**
 * The options of every bulk load: NULL stays NULL (no column default in its place), constraints
 * are checked and triggers fire as for an INSERT, and the table is locked while it loads.
 */
export const BULK_LOAD_OPTIONS = { keepNulls: true, checkConstraints: true, fireTriggers: true, lockTable: true } as const;

/** A value as tedious' bulk load takes it for a column of tedious type `type`. */
export function toBulkValue(value: unknown, type: string): unknown {
  if (value === undefined || value === null) return null;
  if (type === 'BigInt' && (typeof value === 'bigint' || typeof value === 'number')) return value.toString();
  if ((type === 'DateTime2' || type === 'DateTime' || type === 'SmallDateTime') && typeof value === 'string') {
    // A timestamp without an offset is UTC, as the session reads it back; not the machine's zone.
    return new Date(/(Z|[+-]\d\d(:?\d\d)?)$/.test(value) || !/\d[T ]\d/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  }
  if (type === 'DateTimeOffset' && typeof value === 'string') return new Date(value);
  if (type === 'Bit' && typeof value === 'string') return value === 'true' || value === 't' || value === '1';
  if ((type === 'VarBinary' || type === 'Binary' || type === 'Image') && value instanceof Uint8Array) return Buffer.from(value);
  if (isJsonValue(value)) return jsonText(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** `[schema].[name]` with inner brackets doubled. */
function bracketed(target: LoadTarget): string {
  const quote = (part: string): string => `[${part.replace(/]/g, ']]')}]`;
  return target.schema ? `${quote(target.schema)}.${quote(target.name)}` : quote(target.name);
}

interface TediousBulkConnection {
  newBulkLoad(table: string, options: object, callback: (error: Error | null | undefined, rowCount?: number) => void): {
    addColumn(name: string, type: unknown, options: object): void;
  };
  execBulkLoad(bulkLoad: unknown, rows: AsyncIterable<unknown[]> | Iterable<unknown[]>): void;
}

/** tedious' bulk load of `rows` into `target`, in the caller's transaction; column types from the table itself. */
async function bulkLoad(trx: Knex.Transaction, target: LoadTarget, rows: Iterable<unknown[]> | AsyncIterable<unknown[]>, guard?: Guard): Promise<number> {
  const table = bracketed(target);
  const described = (await trx.raw(
    'select c.name, t.name as type, c.max_length as maxLength, c.precision, c.scale, c.is_nullable as nullable ' +
      'from sys.columns c join sys.types t on c.user_type_id = t.user_type_id where c.object_id = object_id(?)',
    [table],
  )) as MssqlColumn[];
  const columns = target.columns.map((name) => {
    const column = described.find((c) => c.name === name);
    if (!column) throw new LoadError(`the table ${target.tablename} has no column \`${name}\``, undefined, undefined);
    return bulkColumn({ ...column, nullable: Boolean(column.nullable) });
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TYPES: TEDIOUS_TYPES } = require('tedious') as { TYPES: Record<string, unknown> };
  const connection = (await transactionConnection(trx)) as TediousBulkConnection;
  let count = 0;
  async function* values(): AsyncGenerator<unknown[]> {
    for await (const row of rows as AsyncIterable<unknown[]>) {
      count += 1;
      if (count % 1000 === 0) guard?.check();
      yield columns.map((column, i) => toBulkValue(row[i], column.type));
    }
  }
  return new Promise<number>((resolve, reject) => {
    const load = connection.newBulkLoad(table, BULK_LOAD_OPTIONS, (error, rowCount) => {
      if (error) reject(new LoadError(error.message, undefined, error));
      else resolve(rowCount ?? count);
    });
    for (const column of columns) load.addColumn(column.name, TEDIOUS_TYPES[column.type], column.options);
    connection.execBulkLoad(load, values());
  });
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

export const mssqlDialect: SqlDialect = {
  name: 'mssql',
  // SQL Server allows 2100 parameters per request.
  maxBindings: 2_000,

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

  toDbValue: toDb,
};
