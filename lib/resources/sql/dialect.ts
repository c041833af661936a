/**
 * What differs between database engines, as one object per engine (`lib/resources/sql/<engine>/`,
 * registered in lib/resources/sql/dialects.ts): `SqlDialect` is how queries run on it,
 * `DialectInfo` is what it says of itself (its DSN schemes and how it reads a DSN, its knex
 * client and driver package, its quoting, its capabilities). A `Dialect` is both.
 */
import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
import type { ConfigValues } from '../../config';
import type { CopyLines } from '../../data/csv-read';
import type { Table } from '../../data/frame';
import type { SqlColumn } from '../../data/sql-columns';
import type { FrameColumns } from '../../data/frame-columns';
import type { TextSpill } from '../../data/text-spill';
import type { SqlQuoting } from '../../format';
import type { DriverPackage } from '../../lazy';
import type { Guard, SessionLimits } from './limits';
import type { LoadTarget } from './load';
import type { MergeSql } from './merge-sql';

/** A dialect's name (`postgres`, `sqlite`, `mssql`): the `name` of a dialect in the table. */
export type DialectName = string;

/** A session's connection settings, as a dialect reads them from `DB_DSN`, `DB_USER` and `DB_PWD`. */
export interface SessionSettings {
  dialect: DialectName;
  /** The knex `connection` setting (credentials included: never log it). */
  connection: Record<string, unknown>;
  /** The DSN with its password masked, for messages and logs. */
  display: string;
  /** Where the session connects, without credentials: `host:port/database`, or the SQLite file. */
  address: string;
  /** The host connected to (the SQLite file for SQLite). */
  host: string;
  /** The port connected to, when there is one. */
  port?: number;
}

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

/**
 * How a query runs on an engine: on the session's connection, its values as they come back,
 * a batch in a transaction, a load of rows, and the column types `SQLWrite` creates. The
 * optional members are what some engines can do and others cannot (COPY CSV out, loading CSV
 * text as it is, `INSERT … SELECT`): the session and `SQLWrite` take the path an engine has.
 */
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
  /**
   * Whether a driver error is the server stopping a statement at the session's statement
   * deadline (`DB_STATEMENT_TIMEOUT_MS`), so the message can name it; absent for an engine with no such deadline.
   */
  isStatementTimeout?(error: Error): boolean;
  /** Runs a query on the session; columns (even for no rows) and rows as arrays. */
  query(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<Table>;
  /** Runs a query as `query` does, its rows read straight into columns; absent: `query`'s rows are turned into columns. */
  queryColumns?(knex: Knex, sql: string, bindings: readonly unknown[], spill?: TextSpill): Promise<FrameColumns>;
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
  /**
   * The result columns of `sql` as the server declares them, without running it, for a query
   * `copyCsv` can run; undefined when it has none or COPY cannot run it. Absent for engines that cannot.
   */
  describe?(knex: Knex, sql: string): Promise<SqlColumn[] | undefined>;
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
  loadCsv?(trx: Knex.Transaction, target: LoadTarget, text: AsyncIterable<string | Buffer>, guard?: Guard, lines?: CopyLines): Promise<number>;
  /** Loads the rows of a query on the server (`INSERT … SELECT`); absent for engines that cannot. */
  readonly loadQuery?: QueryLoad;
  /** How a merge load (`ifExists = 'merge'`) stages and moves rows, and reads a table's columns; absent for engines that cannot. */
  readonly merge?: MergeSql;
}

/** A query result read as it goes: `ToS3` and `ToCSV` take it as input (`{ columns, rows }`). */
export interface TableStream {
  columns: string[];
  /** The columns' types as the database declares them, where the driver says (PostgreSQL); else undefined. */
  columnTypes?: readonly SqlColumn[];
  rows: AsyncIterable<unknown[]>;
  /** Stops reading and frees the session's connection (reading to the end does it too). */
  release(): Promise<void>;
  /** Whether every row was read. */
  readonly complete: boolean;
}

/** What an engine can do, and how it differs, as data: nothing outside its folder compares names. */
export interface DialectCapabilities {
  /**
   * How many rows one multi-row INSERT may carry (fewer when `maxBindings` says so): SQL Server
   * takes 1000 rows per VALUES list; knex writes SQLite's multi-row insert as a compound SELECT,
   * which SQLite caps at 500 terms.
   */
  readonly insertBatchRows: number;
  /**
   * Whether a streamed read (`SQLStream`, `SqlSession.stream`) reads the rows from the server a
   * batch at a time (a cursor, an iterator); false: the result is read whole, then handed out
   * in batches.
   */
  readonly serverSideStream: boolean;
  /**
   * Where the schema goes in knex's `renameTable` on this engine: `'builder'`, from `withSchema`
   * (PostgreSQL, SQL Server); `'from'`, on the old name only (SQLite: `ALTER TABLE s.a RENAME TO b`);
   * `'both'`, on both names (MySQL: `RENAME TABLE s.a TO s.b`, where a new name without one would
   * move the table to the session's database).
   */
  readonly renameTableSchema: 'builder' | 'from' | 'both';
  /**
   * Whether CREATE and DROP TABLE commit at once, whatever the transaction (MySQL): a failed
   * `SQLWrite` could not roll them back, so it fills a new table under another name and puts it
   * in the old one's place only once every row is in (`create` and `replace`; `append` adds to
   * the table in the transaction).
   */
  readonly ddlCommits: boolean;
}

/**
 * What `SQLWrite` checks before it loads on a second session of the same config (its input
 * being read on the first): what the second session cannot see.
 */
export interface SecondSessionChecks {
  /** Why a second session of `settings` would open another database (an in-memory one); undefined when it sees the same. */
  privateDatabase?(settings: SessionSettings): string | undefined;
  /** Whether `schema.name` is a temp table by its name alone (`pg_temp.t`, `#t`): only the session that made it sees it. */
  isTempTable(schema: string | undefined, name: string): boolean;
  /** SQL (one binding: a table name without schema) that returns a row when another session has a temp table of that name. */
  readonly otherSessionTempSql?: string;
  /**
   * How to see that the reading session holds a lock on the table (so a DROP on the second
   * would wait for a read that waits for it): the reading session's id on its driver
   * connection, and SQL (bindings: that id, the table name) that returns a row when it does.
   */
  readonly readerLock?: { sessionId(connection: unknown): number | undefined; readonly sql: string };
}

/**
 * What an engine says of itself: how the registration table finds it (its name and DSN
 * schemes), how it reads a DSN, which knex client and driver package it needs, how SQL text
 * is quoted for it, and what it can do. Adding an engine is a folder with one `Dialect`, a line
 * in lib/resources/sql/dialects.ts, its driver as an optional peer in package.json, and specs.
 */
export interface DialectInfo {
  /** The engine as messages name it (`PostgreSQL`). */
  readonly engine: string;
  /** The DSN schemes that select it, lower case, without `:` (`postgres`, `postgresql`). */
  readonly schemes: readonly string[];
  /** The DSN forms a message shows to say what to write (`postgres://…`; `sqlite:<path>`, `sqlite::memory:`). */
  readonly dsnExamples: readonly string[];
  /**
   * Reads `dsn` (trimmed, one of `schemes`) with `DB_USER` and `DB_PWD` from `config` into the
   * session's settings; throws a ConfigurationError naming `DB_DSN`, its password masked.
   */
  readDsn(dsn: string, config: ConfigValues): SessionSettings;
  /** The knex client that runs it (`pg`, `better-sqlite3`, `mssql`). */
  readonly knexClient: string;
  /** The npm package of its driver, and the command that installs it. */
  readonly driver: DriverPackage;
  /** How `{kw!q}` and `{kw!i}` quote for it, and what a plain `{kw}` may hold. */
  readonly quoting: SqlQuoting;
  readonly capabilities: DialectCapabilities;
  readonly secondSession: SecondSessionChecks;
}

/** An engine: how queries run on it, and what it says of itself. */
export interface Dialect extends SqlDialect, DialectInfo {}
