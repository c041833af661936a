/**
 * What differs between database engines: how a query runs on the session's connection and
 * how its values come back, how a batch runs in a transaction, and the column types
 * `SQLWrite` creates.
 */
import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
import type { Table } from '../../data/frame';
import { TaskError } from '../../errors';
import type { SqlQuoting } from '../../format';
export { jsonText } from '../../data/json';
import type { DialectName } from './dsn';
import type { CopyLines } from '../../data/csv-read';
import { batchedRows } from '../../data/row-batches';
import { CLEANUP_MS, within, type Guard, type SessionLimits } from './link';
import type { LoadTarget } from './write';
import { MYSQL_QUOTING } from './mysql/quoting';

/** The kinds of column `SQLWrite` infers from data. */
export type ValueKind =
  | 'boolean'
  | 'integer'
  | 'float'
  | 'numeric'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'binary'
  | 'json'
  | 'text';

/** The rows of a query as a table would hold them: its columns, and the SQL type of each. */
export interface QueryShape {
  columns: string[];
  types: string[];
}

/** How an engine loads the rows of a query into a table on the server (`INSERT … SELECT`), moving no data. */
export interface QueryLoad {
  /** Whether `sql` can be the SELECT of an `INSERT … SELECT` on this engine. */
  accepts(sql: string): boolean;
  /** The columns of `sql`'s rows and the SQL type of each, in the transaction, reading no more rows than it must. */
  describe(trx: Knex.Transaction, sql: string, bindings: readonly unknown[]): Promise<QueryShape>;
  /** Runs `INSERT INTO target (columns) sql` in the transaction; resolves to the rows inserted. */
  insert(trx: Knex.Transaction, target: LoadTarget, sql: string, bindings: readonly unknown[]): Promise<number>;
}

/** `sql` without what may come before its first keyword: blanks, comments, opening parentheses and (`semicolons`) `;`. */
function firstKeyword(sql: string, semicolons = false): string {
  const skip = semicolons ? /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\(|;)/ : /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()/;
  let rest = sql;
  for (let m = skip.exec(rest); m && m[0] !== ''; m = skip.exec(rest)) rest = rest.slice(m[0].length);
  return /^[a-z_]+/i.exec(rest)?.[0].toLowerCase() ?? '';
}

/** A word that writes (or that makes a SELECT write: `SELECT … INTO`, `FOR UPDATE`): such a query is loaded as rows, not on the server. */
const WRITES = /\b(?:insert|update|delete|merge|into|call|exec|execute)\b/i;

/**
 * Whether `sql` only reads rows, so that it can be the SELECT of an `INSERT … SELECT` without
 * changing what it does: its first keyword (after blanks, comments and parentheses) is one of
 * `starts`, and no word in it writes. Conservative: a query this refuses is loaded as rows read
 * (a failure inside the INSERT's transaction could not fall back on that).
 */
export function onlyReads(sql: string, starts: readonly string[], semicolons = false): boolean {
  return starts.includes(firstKeyword(sql, semicolons)) && !WRITES.test(sql);
}

/** `INSERT INTO table (columns) sql`, names already quoted; the line break ends a trailing `-- comment` of `sql`. */
export function insertSelectSql(table: string, columns: readonly string[], sql: string): string {
  return `INSERT INTO ${table} (${columns.join(', ')})\n${sql}\n`;
}

export interface SqlDialect {
  readonly name: DialectName;
  /** The driver's connection settings with the session's deadlines (connect, statement, keepalive). */
  connectionConfig(connection: Record<string, unknown>, limits: SessionLimits): Record<string, unknown>;
  /** Dialect-specific knex settings: pool hooks, type parsers. */
  knexConfig(connection: Record<string, unknown>, limits: SessionLimits): Partial<Knex.Config>;
  /** Calls `onLost` once the driver connection errors or ends. */
  watch(connection: unknown, onLost: (how: string, cause: unknown) => void): void;
  /** Asks the server to cancel the statement running on `connection` (the caller bounds the wait). */
  cancel(connection: unknown, settings: Record<string, unknown>): Promise<void> | void;
  /** Drops `connection` at once, waiting for no reply (its socket may be dead). */
  kill(connection: unknown): void;
  /**
   * Bytes moved on `connection`'s socket so far, both ways (a count that grows while the server
   * answers); absent for an engine with no network between it and the job.
   */
  bytesMoved?(connection: unknown): number;
  /** Whether a driver error means the connection itself is gone (not just the statement failed). */
  isConnectionError(error: unknown): boolean;
  /** Runs a query on the session; columns (even for no rows) and rows as arrays. */
  query(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<Table>;
  /**
   * Runs a query and reads its rows a batch at a time: columns now, rows as they are read.
   * The session's connection is busy until the rows are read to the end (or `release` is called).
   */
  stream(knex: Knex, sql: string, bindings: readonly unknown[], batchSize: number, guard?: Guard): Promise<TableStream>;
  /**
   * Starts `sql` as CSV the server writes itself (PostgreSQL: `COPY (sql) TO STDOUT WITH
   * (FORMAT csv, HEADER)`) on the driver `connection`; absent for engines that cannot.
   */
  copyCsv?(connection: unknown, sql: string): Readable & { rowCount?: number };
  /** Runs a statement (or a batch without bindings) in a transaction, rolled back on error; rows affected if known. */
  execute(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<number | undefined>;
  /** The column type `SQLWrite` creates for a kind of value. */
  columnType(kind: ValueKind): string;
  /** A value as the driver binds it. */
  toDbValue(value: unknown): unknown;
  /** How many bound values one statement may carry. */
  readonly maxBindings: number;
  /**
   * Loads `rows` (values in `target.columns` order) into the existing table `target`, inside
   * the transaction `trx`, reading them as it goes; resolves to the rows loaded. A row the
   * database refuses rejects with a `LoadError` naming the row when known; the caller rolls back.
   */
  load(trx: Knex.Transaction, target: LoadTarget, rows: Iterable<unknown[]> | AsyncIterable<unknown[]>, guard?: Guard): Promise<number>;
  /**
   * Loads CSV text (whole records, no header, in `target.columns` order) as `load` loads rows,
   * `lines` telling the rows of the server's line numbers; absent for engines that cannot take
   * CSV as it is (PostgreSQL: `COPY … FROM STDIN`).
   */
  loadCsv?(trx: Knex.Transaction, target: LoadTarget, text: AsyncIterable<string>, guard?: Guard, lines?: CopyLines): Promise<number>;
  /** Loads the rows of a query on the server (`INSERT … SELECT`); absent for engines that cannot. */
  readonly loadQuery?: QueryLoad;
  /** Whether CREATE and DROP TABLE commit at once (MySQL): `SQLWrite` then fills a new table under another name first. */
  readonly ddlCommits?: boolean;
}

/** The driver connection of a knex transaction (the session's one connection). */
export async function transactionConnection(trx: Knex.Transaction): Promise<unknown> {
  return (trx.client as { acquireConnection(): Promise<unknown> }).acquireConnection();
}

/** `"name"` with inner quotes doubled (PostgreSQL, SQLite). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"` of a table (`"name"` without a schema), quoted as PostgreSQL and SQLite take it. */
export function quotedTable(target: { schema?: string; name: string }): string {
  return target.schema ? `${quoteIdentifier(target.schema)}.${quoteIdentifier(target.name)}` : quoteIdentifier(target.name);
}

/** `[name]` with inner closing brackets doubled (SQL Server). */
export function bracketIdentifier(name: string): string {
  return `[${name.replace(/]/g, ']]')}]`;
}

/**
 * A table name as `SQLWrite.tablename` holds it → its parts: `schema.table`, or parts quoted
 * as `{kw!i}` renders them (`"my schema"."it""s"`, `[a].[b]]c]`), quotes removed. Undefined
 * for a name that is not made of such parts (a stray quote).
 */
export function nameParts(text: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    const open = text[i];
    const close = open === '"' ? '"' : open === '[' ? ']' : open === '`' ? '`' : undefined;
    if (close === undefined) {
      const end = text.indexOf('.', i);
      const part = text.slice(i, end < 0 ? undefined : end);
      if (/["[\]`]/.test(part)) return undefined;
      parts.push(part);
      if (end < 0) return parts;
      i = end + 1;
      continue;
    }
    let part = '';
    let j = i + 1;
    for (;;) {
      const k = text.indexOf(close, j);
      if (k < 0) return undefined;
      part += text.slice(j, k);
      if (text[k + 1] === close) {
        part += close;
        j = k + 2;
        continue;
      }
      j = k + 1;
      break;
    }
    parts.push(part);
    if (j === text.length) return parts;
    if (text[j] !== '.') return undefined;
    i = j + 1;
  }
}

/**
 * PostgreSQL: `'…'` with `'` doubled; a value with a backslash as `E'…'` with `\` doubled
 * too, which reads the same whatever `standard_conforming_strings` is.
 */
const POSTGRES_QUOTING: SqlQuoting = {
  engine: 'PostgreSQL',
  literal: (text) => (text.includes('\\') ? ` E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${text.replace(/'/g, "''")}'`),
  identifier: (parts) => parts.map(quoteIdentifier).join('.'),
};

/** SQLite: `'…'` and `"…"` with the quote doubled; a backslash is a plain character. */
const SQLITE_QUOTING: SqlQuoting = {
  engine: 'SQLite',
  literal: (text) => `'${text.replace(/'/g, "''")}'`,
  identifier: (parts) => parts.map(quoteIdentifier).join('.'),
};

/** SQL Server: `N'…'` (unicode) with `'` doubled, `[…]` with `]` doubled; `]` can end a bracketed name. */
const MSSQL_QUOTING: SqlQuoting = {
  engine: 'SQL Server',
  literal: (text) => `N'${text.replace(/'/g, "''")}'`,
  identifier: (parts) => parts.map(bracketIdentifier).join('.'),
};

/** SQL text on a session whose engine is not known (a resource of the job's own): standard quotes. */
const STANDARD_QUOTING: SqlQuoting = {
  engine: 'SQL',
  literal: SQLITE_QUOTING.literal,
  identifier: SQLITE_QUOTING.identifier,
};

const QUOTING: Record<DialectName, SqlQuoting> = { postgres: POSTGRES_QUOTING, sqlite: SQLITE_QUOTING, mssql: MSSQL_QUOTING, mysql: MYSQL_QUOTING };

/** How SQL text is quoted and checked for an engine (`{kw!q}`, `{kw!i}`, plain `{kw}`); undefined: not known. */
export function sqlQuoting(dialect?: DialectName): SqlQuoting {
  return dialect === undefined ? STANDARD_QUOTING : QUOTING[dialect];
}

/** Every row of a sync or async iterable, without a promise per row for the sync kind. */
export async function forEachRow(
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
  each: (row: unknown[]) => void | Promise<void>,
): Promise<void> {
  if (Symbol.asyncIterator in rows) {
    for await (const row of rows as AsyncIterable<unknown[]>) await each(row);
  } else {
    for (const row of rows as Iterable<unknown[]>) {
      const pending = each(row);
      if (pending) await pending;
    }
  }
}

/** A query result read as it goes: `ToS3` and `ToCSV` take it as input (`{ columns, rows }`). */
export interface TableStream {
  columns: string[];
  rows: AsyncIterable<unknown[]>;
  /** Stops reading and frees the session's connection (reading to the end does it too). */
  release(): Promise<void>;
  /** Whether every row was read. */
  readonly complete: boolean;
}

/**
 * A TableStream over `next()` batches: `done()` runs once, when the rows run out, reading
 * fails, or the reader stops early. With a `guard`, each batch read rejects as soon as the
 * operation is aborted or the connection is lost. `done()` is never waited on for long: on a
 * dead connection, a polite close would wait for a reply that never comes.
 */
export function tableStream(
  columns: string[],
  first: unknown[][],
  next: () => Promise<unknown[][]>,
  done: () => Promise<void>,
  guard?: Guard,
): TableStream {
  let finished = false;
  let exhausted = false;
  let closing: Promise<boolean> | undefined;
  const finish = (): Promise<boolean> => {
    if (!closing) {
      finished = true;
      closing = within(done(), CLEANUP_MS);
    }
    return closing;
  };
  const closedEarly = (): TaskError =>
    new TaskError(
      'this SQL stream was closed before it was read to the end (its session closed when another resource ' +
        'opened, or release() was called): read it in the task that opened it, e.g. toS3({ input: await this.stream(…) })',
    );
  let started = false;
  async function* batches(): AsyncGenerator<unknown[][]> {
    if (started) throw new TaskError('a SQL stream can be read once');
    started = true;
    try {
      let batch = first;
      while (batch.length > 0) {
        if (finished) throw closedEarly();
        guard?.check();
        yield batch;
        if (finished) throw closedEarly();
        guard?.check();
        batch = await (guard ? guard.run(next()) : next());
      }
      exhausted = true;
    } finally {
      await finish();
    }
  }
  return {
    columns,
    // Read a batch at a time by a bulk load, one by one by everyone else.
    rows: batchedRows(batches),
    release: async () => {
      await finish();
    },
    get complete() {
      return exhausted;
    },
  };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** An integer as a number when it is exact as one, else as a bigint. */
export function exactInteger(value: bigint | string): number | bigint {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big;
}

/** A socket's count of bytes read and sent (not merely queued): it grows while the peer answers. */
export function socketBytes(socket: { bytesRead: number; bytesWritten?: number; writableLength: number } | undefined): number {
  if (!socket) return 0;
  return socket.bytesRead + (socket.bytesWritten ?? 0) - socket.writableLength;
}

/** The session's one driver connection, taken from knex's pool, and how to give it back. */
export async function acquire(knex: Knex): Promise<{ connection: unknown; release: () => Promise<void> }> {
  const client = knex.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<unknown> };
  const connection = await client.acquireConnection();
  return {
    connection,
    release: async () => {
      await client.releaseConnection(connection);
    },
  };
}

/** Runs `fn` with the session's one driver connection, given back to knex's pool after. */
export async function withConnection<T>(knex: Knex, fn: (connection: unknown) => Promise<T> | T): Promise<T> {
  const { connection, release } = await acquire(knex);
  try {
    return await fn(connection);
  } finally {
    await release();
  }
}

/** A result being read on a connection: its columns, its first batch, how to read on and to stop. */
export interface OpenRead {
  columns: string[];
  first: unknown[][];
  next(): Promise<unknown[][]>;
  close(): Promise<void> | void;
}

/**
 * A TableStream on the session's one driver connection: `open` starts the read; the
 * connection goes back to the pool when the rows run out, reading fails, or the reader stops.
 */
export async function streamOnConnection(
  knex: Knex,
  open: (connection: unknown) => Promise<OpenRead>,
  guard?: Guard,
): Promise<TableStream> {
  const { connection, release } = await acquire(knex);
  let read: OpenRead;
  try {
    read = await open(connection);
  } catch (error) {
    await release();
    throw error;
  }
  return tableStream(
    read.columns,
    read.first,
    () => read.next(),
    async () => {
      try {
        await within(read.close(), CLEANUP_MS);
      } finally {
        await release();
      }
    },
    guard,
  );
}

/** Whether `value` should be written as JSON text. */
export function isJsonValue(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value) && !(value instanceof Uint8Array);
}
