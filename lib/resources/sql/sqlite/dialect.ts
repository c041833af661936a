/**
 * SQLite through `better-sqlite3`. Integers come back exact (bigint beyond 2^53); text,
 * blobs and NULL as stored. SQLite has no date or decimal types: such values are whatever
 * text or number was stored.
 */
import type { Knex } from 'knex';
import type { Table } from '../../../data/frame';
import { readBatches } from '../../../data/row-batches';
import { ConfigurationError } from '../../../errors';
import type { SqlQuoting } from '../../../format';
import { jsonText } from '../../../data/json';
import { INFER_ROWS, inferKinds } from '../column-kinds';
import { transactionConnection, withConnection } from '../connection';
import type { Dialect, QueryLoad, SessionSettings, TableStream, ValueKind } from '../dialect';
import { quotedTable, quoteIdentifier, quoteLiteral } from '../identifiers';
import type { Guard, SessionLimits } from '../limits';
import { LoadError, type LoadTarget } from '../load';
import { insertSelectSql, onlyReads } from '../query-text';
import { streamOnConnection } from '../table-stream';
import { exactInteger, isJsonValue } from '../values';
import { sqliteDsnSettings } from './dsn';
import { sqliteMerge } from './merge';
import { checkBeforeOpen, verifyAfterOpen } from './sqlite-no-follow';

interface Statement {
  reader: boolean;
  columns(): Array<{ name: string; type: string | null }>;
  safeIntegers(on?: boolean): Statement;
  raw(on?: boolean): Statement;
  all(...bindings: unknown[]): unknown[][];
  iterate(...bindings: unknown[]): IterableIterator<unknown[]>;
  run(...bindings: unknown[]): { changes: number };
}

interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(source: string): unknown;
  inTransaction: boolean;
  close(): void;
}

const TYPES: Record<ValueKind, string> = {
  boolean: 'BOOLEAN',
  integer: 'INTEGER',
  float: 'REAL',
  numeric: 'NUMERIC',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  binary: 'BLOB',
  json: 'JSON',
  text: 'TEXT',
};

function fromDb(value: unknown): unknown {
  return typeof value === 'bigint' ? exactInteger(value) : value;
}

function toDb(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (isJsonValue(value)) return jsonText(value);
  return value;
}

/** How many rows are inserted between two checks of the write's signal. */
const CHECK_EVERY = 1000;

/** One prepared INSERT, run once per row, inside the caller's transaction. */
async function insertRows(trx: Knex.Transaction, target: LoadTarget, rows: Iterable<unknown[]> | AsyncIterable<unknown[]>, guard?: Guard): Promise<number> {
  const db = (await transactionConnection(trx)) as Database;
  const table = quotedTable(target);
  const statement = db.prepare(
    `INSERT INTO ${table} (${target.columns.map(quoteIdentifier).join(', ')}) VALUES (${target.columns.map(() => '?').join(', ')})`,
  );
  const width = target.columns.length;
  const values: unknown[] = new Array(width);
  let count = 0;
  // A batch at a time: no promise per row.
  for await (const batch of readBatches(rows)) {
    for (const row of batch) {
      count += 1;
      if (row.length !== width) throw new LoadError(`row ${count} has ${row.length} values for ${width} columns`, count, undefined);
      if (count % CHECK_EVERY === 0) guard?.check();
      for (let i = 0; i < width; i++) values[i] = toDb(row[i]);
      try {
        statement.run(values);
      } catch (error) {
        throw new LoadError((error as Error)?.message ?? String(error), count, error);
      }
    }
  }
  return count;
}

/** The first `count` rows of a statement, its iterator closed after. */
function firstRows(statement: Statement, bindings: readonly unknown[], count: number): unknown[][] {
  const rows: unknown[][] = [];
  const iterator = statement.safeIntegers(true).raw(true).iterate(...bindings.map(toDb));
  try {
    for (let item = iterator.next(); !item.done && rows.length < count; item = iterator.next()) rows.push(item.value);
  } finally {
    iterator.return?.();
  }
  return rows;
}

/**
 * `INSERT INTO target (columns) query` on the file. A column's type is the one declared where
 * the query takes it from a table column; an expression's is inferred from the first rows, as
 * a load of rows infers it.
 */
const sqliteQueryLoad: QueryLoad = {
  accepts: (sql) => onlyReads(sql, ['select', 'with', 'values']),

  async describe(trx, sql, bindings) {
    const statement = ((await transactionConnection(trx)) as Database).prepare(sql);
    // A statement that returns no rows has no columns: the write says so, naming its task.
    if (!statement.reader) return { columns: [], types: [] };
    const described = statement.columns();
    const columns = described.map((c) => c.name);
    const declared = described.map((c) => c.type ?? undefined);
    const kinds = declared.some((type) => type === undefined) ? inferKinds({ columns, rows: firstRows(statement, bindings, INFER_ROWS) }) : [];
    return { columns, types: declared.map((type, i) => type ?? TYPES[kinds[i]]) };
  },

  async insert(trx, target, sql, bindings) {
    const db = (await transactionConnection(trx)) as Database;
    const table = quotedTable(target);
    return db.prepare(insertSelectSql(table, target.columns.map(quoteIdentifier), sql)).run(...bindings.map(toDb)).changes;
  },
};

/** `'…'` and `"…"` with the quote doubled; a backslash is a plain character. */
const SQLITE_QUOTING: SqlQuoting = {
  engine: 'SQLite',
  literal: quoteLiteral,
  identifier: (parts) => parts.map(quoteIdentifier).join('.'),
};

/**
 * better-sqlite3 is a native module: installed without its install script, or built for
 * another Node.js, it loads but cannot open a database. Opened once here, it fails before any
 * task runs, saying how to build it.
 */
function verifyNativeModule(driver: unknown, neededFor: string): void {
  try {
    new (driver as new (file: string) => { close(): void })(':memory:').close();
  } catch (error) {
    // Node's own words, on one line, without their advice (the fix below is the one to follow).
    const why = String((error as Error)?.message ?? error).replace(/\s+/g, ' ').replace(/ (Please try|Tried:).*$/, '').trim();
    throw new ConfigurationError(
      `${neededFor} needs better-sqlite3's native module, which did not load (${why}): ` +
        'run `npm pkg set allowScripts.better-sqlite3=true --json && npm rebuild better-sqlite3` to build it for this Node.js',
      { cause: error },
    );
  }
}

/** An in-memory database is the connection's own: a second session would open a new, empty one. */
function privateDatabase(settings: SessionSettings): string | undefined {
  return settings.connection.filename === ':memory:'
    ? 'the database is in memory (sqlite::memory:), and a second session would open a new, empty one'
    : undefined;
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  engine: 'SQLite',
  schemes: ['sqlite'],
  dsnExamples: ['sqlite:<path>', 'sqlite::memory:'],
  readDsn: sqliteDsnSettings,
  knexClient: 'better-sqlite3',
  driver: { name: 'better-sqlite3', install: 'npm install better-sqlite3', verify: verifyNativeModule },
  quoting: SQLITE_QUOTING,
  maxBindings: 32_766,
  capabilities: { insertBatchRows: 500, serverSideStream: true, renameTableSchema: 'from', ddlCommits: false },
  // A temp table has no name of its own kind: only an in-memory database is refused by name.
  secondSession: { privateDatabase, isTempTable: () => false },

  connectionConfig(connection: Record<string, unknown>): Record<string, unknown> {
    return connection;
  },

  knexConfig(connection: Record<string, unknown>, limits: SessionLimits): Partial<Knex.Config> {
    // How long a statement waits for a lock another process holds on the file before it fails
    // with SQLITE_BUSY: the statement timeout if set, else the connect timeout.
    const busyMs = Math.min(limits.statementMs ?? limits.connectMs, 0x7fffffff);
    // Called just before the session connects: a file that must not be reached through a link
    // is checked now and verified once open.
    const check = checkBeforeOpen(String(connection.filename ?? ''), connection.noFollowUnder as string | undefined);
    return {
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(db: Database, done: (error: Error | null, db: unknown) => void) {
          try {
            if (check) verifyAfterOpen(check, db);
            db.pragma(`busy_timeout = ${busyMs}`);
            done(null, db);
          } catch (error) {
            // knex keeps no connection whose setup failed: it is closed here.
            db.close();
            done(error as Error, db);
          }
        },
      },
    };
  },

  // A file on this machine: no connection to lose, and a running statement is synchronous (it
  // cannot be interrupted); a stream checks its signal between batches.
  watch(): void {},
  cancel(): void {},
  kill(): void {},
  isConnectionError(): boolean {
    return false;
  },

  async query(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<Table> {
    return withConnection(knex, (connection) => {
      const statement = (connection as Database).prepare(sql);
      const args = bindings.map(toDb);
      if (!statement.reader) {
        statement.run(...args);
        return { columns: [], rows: [] };
      }
      const columns = statement.columns().map((c) => c.name);
      const rows = statement.safeIntegers(true).raw(true).all(...args);
      for (const row of rows) for (let i = 0; i < row.length; i++) row[i] = fromDb(row[i]);
      return { columns, rows };
    });
  },

  async stream(knex: Knex, sql: string, bindings: readonly unknown[], batchSize: number, guard?: Guard): Promise<TableStream> {
    return streamOnConnection(knex, async (connection) => {
      const statement = (connection as Database).prepare(sql);
      if (!statement.reader) throw new TypeError('a stream needs a query that returns rows');
      const columns = statement.columns().map((c) => c.name);
      const iterator = statement.safeIntegers(true).raw(true).iterate(...bindings.map(toDb));
      const next = async (): Promise<unknown[][]> => {
        const batch: unknown[][] = [];
        for (let item = iterator.next(); !item.done; item = iterator.next()) {
          const row = item.value;
          for (let i = 0; i < row.length; i++) row[i] = fromDb(row[i]);
          batch.push(row);
          if (batch.length >= batchSize) break;
        }
        return batch;
      };
      return { columns, first: await next(), next, close: () => void iterator.return?.() };
    }, guard);
  },

  async execute(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<number | undefined> {
    return withConnection(knex, (connection) => {
      const db = connection as Database;
      db.exec('BEGIN');
      try {
        let changes: number | undefined;
        if (bindings.length > 0) changes = db.prepare(sql).run(...bindings.map(toDb)).changes;
        else db.exec(sql);
        db.exec('COMMIT');
        return changes;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    });
  },

  columnType(kind: ValueKind): string {
    return TYPES[kind];
  },

  load: insertRows,

  loadQuery: sqliteQueryLoad,

  merge: sqliteMerge,

  toDbValue: toDb,
};
