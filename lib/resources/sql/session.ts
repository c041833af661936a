/**
 * The SQL session resource: one database connection, opened from `DB_DSN`, shared by
 * consecutive SQL tasks (so temp tables live from one to the next).
 */
import knexFactory, { type Knex } from 'knex';
import type { ConfigValues } from '../../config';
import { asTable, type Table } from '../../data/frame';
import { ResourceError, TaskError } from '../../errors';
import { logger } from '../../log';
import { scrub } from '../../secrets';
import { Resource } from '../resource';
import type { SqlDialect, TableStream } from './dialect';
import { knexClient, sessionSettings, type DialectName } from './dsn';
import { mssqlDialect } from './mssql';
import { pgTypes, postgresDialect } from './postgres';
import { sqliteDialect } from './sqlite';
import { writeTable, type IfExists } from './write';

const log = logger('resource:sql');

const DIALECTS: Record<DialectName, SqlDialect> = {
  postgres: postgresDialect,
  sqlite: sqliteDialect,
  mssql: mssqlDialect,
};

/** Query parameters: named (`:day` ↔ `{ day }`) or positional (`?` ↔ `[value]`). */
export type SqlParams = Record<string, unknown> | readonly unknown[];

/** The open session: a knex instance over ONE connection, and query helpers. */
export class SqlSession {
  constructor(
    /** The knex instance; its pool holds the session's one connection. */
    readonly knex: Knex,
    readonly dialect: SqlDialect,
    /** The DSN, password masked. */
    readonly description: string,
  ) {}

  /** Streams not yet read to the end: each holds the session's one connection. */
  private readonly openStreams = new Set<TableStream>();

  /** Refuses to wait forever for the connection an unread stream holds. */
  private checkIdle(): void {
    if (this.openStreams.size > 0) {
      throw new TaskError(
        'the SQL session is busy with a stream that was not read to the end: read it (e.g. as toS3 input) or call its release() first',
      );
    }
  }

  /** Releases every stream still open (when the session closes). */
  async releaseStreams(): Promise<void> {
    await Promise.all([...this.openStreams].map((stream) => stream.release()));
  }

  /** `sql` with knex bindings turned into the driver's placeholders. */
  compile(sql: string, params?: SqlParams): { sql: string; bindings: readonly unknown[] } {
    if (params === undefined || params === null) return { sql, bindings: [] };
    const native = this.knex.raw(sql, params as Knex.RawBinding).toSQL().toNative();
    return { sql: native.sql, bindings: native.bindings };
  }

  /** Runs a query; columns (kept when there are no rows) and rows as arrays. */
  async query(sql: string, params?: SqlParams): Promise<Table> {
    this.checkIdle();
    const compiled = this.compile(sql, params);
    return this.dialect.query(this.knex, compiled.sql, compiled.bindings);
  }

  /**
   * Runs a query and reads its rows as they are consumed (a cursor on PostgreSQL, an iterator
   * on SQLite), so a large result never sits whole in memory. Hand it to `ToS3`/`ToCSV` as
   * `input`. The session is busy until the rows are read to the end or `release()` is called.
   */
  async stream(sql: string, params?: SqlParams, options: { batchSize?: number } = {}): Promise<TableStream> {
    const compiled = this.compile(sql, params);
    const batchSize = options.batchSize ?? 5000;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new TypeError(`batchSize must be a positive integer, got ${String(options.batchSize)}`);
    }
    this.checkIdle();
    const stream = await this.dialect.stream(this.knex, compiled.sql, compiled.bindings, batchSize);
    const release = stream.release;
    const tracked: TableStream = {
      get complete() {
        return stream.complete;
      },
      columns: stream.columns,
      rows: {
        [Symbol.asyncIterator]: async function* (this: SqlSession) {
          try {
            yield* stream.rows;
          } finally {
            this.openStreams.delete(tracked);
          }
        }.bind(this),
      },
      release: async () => {
        this.openStreams.delete(tracked);
        await release();
      },
    };
    this.openStreams.add(tracked);
    return tracked;
  }

  /** Runs a statement, or a batch of statements without params, in a transaction rolled back on error. */
  async execute(sql: string, params?: SqlParams): Promise<number | undefined> {
    this.checkIdle();
    const compiled = this.compile(sql, params);
    return this.dialect.execute(this.knex, compiled.sql, compiled.bindings);
  }

  /** Writes a DataFrame or row objects to `tablename` in one transaction; resolves to rows written. */
  async write(tablename: string, input: unknown, ifExists: IfExists = 'fail', taskName = 'write'): Promise<number> {
    this.checkIdle();
    const table = asTable(input);
    if (!table) {
      throw new TaskError(
        `${taskName}: input must be a DataFrame or an array of row objects, got ${Array.isArray(input) ? 'an array of non-objects' : input === null ? 'null' : typeof input}`,
        { taskName },
      );
    }
    return writeTable(this.knex, this.dialect, taskName, tablename, table, ifExists);
  }
}

/**
 * The SQL session. Needs `DB_DSN` (`postgres://…`, `mssql://…`, `sqlite:<path>`,
 * `sqlite::memory:`); `DB_USER` and `DB_PWD` override the DSN's credentials.
 */
export class SQLSession extends Resource<SqlSession> {
  override requiredConfigs = ['DB_DSN'];

  override describe(config: ConfigValues): string {
    try {
      return `${this.name} (${sessionSettings(config).display})`;
    } catch {
      return this.name;
    }
  }

  override validateConfig(config: ConfigValues): void {
    sessionSettings(config);
  }

  async open(config: ConfigValues): Promise<SqlSession> {
    const settings = sessionSettings(config);
    const dialect = DIALECTS[settings.dialect];
    const connection = settings.dialect === 'postgres' ? { ...settings.connection, types: pgTypes } : settings.connection;
    const knex = knexFactory({
      client: knexClient(settings.dialect),
      connection,
      acquireConnectionTimeout: 60_000,
      // A failed query's message is the database's own: no SQL, and never the bound values.
      compileSqlOnError: false,
      // knex logs to the console by default; bigrays stays silent unless DEBUG asks.
      log: {
        warn: (message: unknown) => log('knex: %s', message),
        error: (message: unknown) => log('knex error: %s', message),
        deprecate: (message: unknown) => log('knex deprecation: %s', message),
        debug: (message: unknown) => log('knex: %o', message),
      },
      ...dialect.knexConfig(settings.connection),
    });
    knex.on('query-error', (error: unknown, query: { sql?: string }) => {
      const prefix = `${query.sql} - `;
      if (error instanceof Error && query.sql && error.message.startsWith(prefix)) error.message = error.message.slice(prefix.length);
    });
    try {
      // Connect now, so that a bad host or password fails here, not in the first query.
      await knex.client.releaseConnection(await knex.client.acquireConnection());
    } catch (error) {
      await knex.destroy().catch(() => undefined);
      const reason = scrub((error as Error)?.message ?? String(error), config);
      throw new ResourceError(`could not connect to ${settings.display}: ${reason || (error as Error)?.name}`, { cause: error });
    }
    log('connected to %s', settings.display);
    return new SqlSession(knex, dialect, settings.display);
  }

  override async close(session: SqlSession): Promise<void> {
    log('disconnecting from %s', session.description);
    await session.releaseStreams();
    await session.knex.destroy();
  }
}

/** The SQL session every built-in SQL task uses by default. */
export const sqlSession = new SQLSession();
