/**
 * The SQL session resource: one database connection, opened from `DB_DSN`, shared by
 * consecutive SQL tasks (so temp tables live from one to the next).
 */
import type { Knex } from 'knex';
import { knexFactory } from '../../lazy';
import type { ConfigValues } from '../../config';
import type { Table } from '../../data/frame';
import { finallyRows } from '../../data/row-batches';
import { ResourceError, TaskError } from '../../errors';
import { logger } from '../../log';
import { configMs, envName } from '../../config';
import { scrub } from '../../secrets';
import { Resource } from '../resource';
import { PassThrough, type Readable } from 'node:stream';
import { acquire, type SqlDialect, type TableStream } from './dialect';
import { abortError, CLEANUP_MS, limitHint, SessionLink, within, type Guard, type SessionLimits, type SilenceLimit } from './link';
import { knexClient, sessionSettings, type DialectName, type SessionSettings } from './dsn';
import { mssqlDialect } from './mssql';
import { mysqlDialect } from './mysql/dialect';
import { pgTypes, postgresDialect } from './postgres';
import { sqliteDialect } from './sqlite';
import { writeSource, writeTable, type IfExists } from './write';
import { writeQueryTable } from './write-query';
import { checkSqlDriver } from '../../lazy';

const log = logger('resource:sql');

/** How much longer than `DB_STATEMENT_TIMEOUT_MS` the client waits on a silent server: the server's own timeout speaks first. */
const STATEMENT_MARGIN_MS = 2_000;

const DIALECTS: Record<DialectName, SqlDialect> = {
  postgres: postgresDialect,
  sqlite: sqliteDialect,
  mssql: mssqlDialect,
  mysql: mysqlDialect,
};

/** Query parameters: named (`:day` ↔ `{ day }`) or positional (`?` ↔ `[value]`). */
export type SqlParams = Record<string, unknown> | readonly unknown[];

/** Options of one session operation. */
export interface SqlCallOptions {
  /** Aborting it cancels the statement on the server and rejects the operation at once. */
  signal?: AbortSignal;
  /** The task on whose behalf it runs, as errors name it. */
  taskName?: string;
}

/** The open session: a knex instance over ONE connection, and query helpers. */
export class SqlSession {
  constructor(
    /** The knex instance; its pool holds the session's one connection. */
    readonly knex: Knex,
    readonly dialect: SqlDialect,
    /** The DSN, password masked. */
    readonly description: string,
    /** The session's one driver connection and what became of it (absent: not watched). */
    readonly link?: SessionLink,
  ) {}

  /** Streams not yet read to the end: each holds the session's one connection. */
  private readonly openStreams = new Set<{ release(): Promise<void> }>();

  /** Driver work an aborted operation left running (a cancelled statement rolling back). */
  private unsettled?: Promise<unknown>;

  /** Whether the session's connection was lost: no operation runs on it any more. */
  get lost(): boolean {
    return this.link?.lost ?? false;
  }

  /** Refuses to wait forever for the connection an unread stream holds. */
  private checkIdle(): void {
    if (this.openStreams.size > 0) {
      throw new TaskError(
        'the SQL session is busy with a stream that was not read to the end: read it (e.g. as toS3 input) or call its release() first',
      );
    }
  }

  /** Whether a stream not yet read to the end holds the session's connection: nothing else can run on it until then. */
  get busy(): boolean {
    return this.openStreams.size > 0;
  }

  /** Releases every stream still open (when the session closes); never waits long. */
  async releaseStreams(): Promise<void> {
    await within(Promise.all([...this.openStreams].map((stream) => stream.release())), CLEANUP_MS);
  }

  /** `sql` with knex bindings turned into the driver's placeholders. */
  compile(sql: string, params?: SqlParams): { sql: string; bindings: readonly unknown[] } {
    if (params === undefined || params === null) return { sql, bindings: [] };
    const native = this.knex.raw(sql, params as Knex.RawBinding).toSQL().toNative();
    return { sql: native.sql, bindings: native.bindings };
  }

  /** A driver error with the deadline that raised it named, so the reader knows what to change. */
  private explain(error: unknown): unknown {
    const limits = this.link?.limits;
    if (!(error instanceof Error) || !limits) return error;
    const code = (error as { code?: unknown }).code;
    const statementTimeout =
      (code === '57014' && /statement timeout/i.test(error.message)) || (code === 'ETIMEOUT' && /request/i.test(error.message)) || code === 'ER_QUERY_TIMEOUT' || (error as { errno?: unknown }).errno === 1969;
    if (statementTimeout && limits.statementMs) {
      error.message += ` (the statement ran longer than ${limitHint('DB_STATEMENT_TIMEOUT_MS', limits.statementMs)})`;
    } else if (code === 'SQLITE_BUSY') {
      error.message += ` (another connection held a lock on the database for longer than ${limits.statementMs ?? limits.connectMs} ms)`;
    }
    return error;
  }

  /**
   * How long an operation may wait on a server that sends nothing. A statement: its
   * `DB_STATEMENT_TIMEOUT_MS` (none when unset), with a margin so that a server that is there
   * says it first. A streamed read or a load: `DB_IDLE_TIMEOUT_MS`.
   */
  private silenceLimit(kind: 'statement' | 'stream'): SilenceLimit | undefined {
    const limits = this.link?.limits;
    if (!limits) return undefined;
    if (kind === 'stream') return { key: 'DB_IDLE_TIMEOUT_MS', ms: limits.idleMs };
    return limits.statementMs ? { key: 'DB_STATEMENT_TIMEOUT_MS', ms: limits.statementMs, marginMs: STATEMENT_MARGIN_MS } : undefined;
  }

  /**
   * Starts an operation: fails at once on a lost session or an aborted signal, waits for what
   * an earlier aborted operation left running, and gives the guard its driver work runs under.
   */
  private async begin(options: SqlCallOptions, what: string, kind: 'statement' | 'stream'): Promise<Guard | undefined> {
    const { signal, taskName } = options;
    const link = this.link;
    if (link?.lost) throw link.goneError(taskName);
    if (signal?.aborted) throw abortError(signal, what);
    const guard = link?.guard(signal, taskName, what, (error) => this.explain(error), this.silenceLimit(kind));
    if (this.unsettled && guard) await guard.run(this.unsettled.then(() => undefined, () => undefined));
    this.unsettled = undefined;
    if (link?.cancelling) await link.cancelling;
    if (link) link.cancelling = undefined;
    return guard;
  }

  /**
   * Runs driver work under `guard`. If the guard gives up on it (abort, lost connection), the
   * work goes on in the background: `abandon` then cleans up what it yields, and the next
   * operation waits for it.
   */
  private async guarded<T>(guard: Guard | undefined, work: Promise<T>, abandon?: (value: T) => Promise<void>): Promise<T> {
    if (!guard) return work;
    try {
      return await guard.run(work);
    } catch (error) {
      const left = work.then((value) => abandon?.(value)).catch(() => undefined);
      if (!this.lost) this.unsettled = left;
      throw error;
    }
  }

  /** Runs a query; columns (kept when there are no rows) and rows as arrays. */
  async query(sql: string, params?: SqlParams, options: SqlCallOptions = {}): Promise<Table> {
    this.checkIdle();
    const compiled = this.compile(sql, params);
    const guard = await this.begin(options, 'the query', 'statement');
    return this.guarded(guard, this.dialect.query(this.knex, compiled.sql, compiled.bindings));
  }

  /**
   * Runs a query and reads its rows as they are consumed (a cursor on PostgreSQL, an iterator
   * on SQLite), so a large result never sits whole in memory. Hand it to `ToS3`/`ToCSV` as
   * `input`. The session is busy until the rows are read to the end or `release()` is called.
   * Aborting `signal` cancels the query and fails the reader at once, as a lost connection does.
   */
  async stream(
    sql: string,
    params?: SqlParams,
    options: { batchSize?: number } & SqlCallOptions = {},
  ): Promise<TableStream> {
    const compiled = this.compile(sql, params);
    const batchSize = options.batchSize ?? 5000;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new TypeError(`batchSize must be a positive integer, got ${String(options.batchSize)}`);
    }
    this.checkIdle();
    const guard = await this.begin(options, 'the streamed query', 'stream');
    const stream = await this.guarded(
      guard,
      this.dialect.stream(this.knex, compiled.sql, compiled.bindings, batchSize, guard),
      (opened) => opened.release(),
    );
    const release = stream.release;
    const tracked: TableStream = {
      get complete() {
        return stream.complete;
      },
      columns: stream.columns,
      rows: finallyRows(stream.rows, () => {
        this.openStreams.delete(tracked);
      }),
      release: async () => {
        this.openStreams.delete(tracked);
        await release();
      },
    };
    this.openStreams.add(tracked);
    return tracked;
  }

  /** Whether `copyCsv` can run on this engine. */
  get canCopyCsv(): boolean {
    return this.dialect.copyCsv !== undefined;
  }

  /**
   * Runs `sql` as CSV the server writes itself (PostgreSQL: `COPY (sql) TO STDOUT WITH (FORMAT
   * csv, HEADER)`): the bytes are exactly COPY's. COPY takes no bound parameters. The session is
   * busy until the stream ends; destroying the stream early cancels the COPY. Aborting `signal`
   * cancels it on the server and fails the stream at once, as a lost connection does.
   */
  async copyCsv(sql: string, options: SqlCallOptions = {}): Promise<Readable & { readonly rowCount: number | undefined }> {
    const copyCsv = this.dialect.copyCsv;
    if (!copyCsv) throw new TaskError(`${options.taskName ?? 'copyCsv'}: COPY … TO STDOUT needs PostgreSQL, not ${this.dialect.name}`);
    this.checkIdle();
    const guard = await this.begin(options, 'the COPY', 'stream');
    const { connection, release } = await acquire(this.knex);
    let copy: Readable & { rowCount?: number };
    try {
      copy = copyCsv(connection, withoutTerminator(sql));
    } catch (error) {
      await release();
      throw error;
    }
    const out = new PassThrough();
    Object.defineProperty(out, 'rowCount', { get: () => (settled || copy.readableEnded ? copy.rowCount : undefined), enumerable: true });
    const ended = new Promise<void>((resolve, reject) => {
      copy.once('end', resolve);
      copy.once('error', reject);
    });
    let settled = false;
    // Settles once the COPY is over and its connection given back, however it ended.
    let cleaned!: () => void;
    const cleanup = new Promise<void>((resolve) => {
      cleaned = resolve;
    });
    const tracked = {
      release: async (): Promise<void> => {
        // Read to the end already (its end not yet seen here): not a reader that gave up.
        if (!settled && !copy.readableEnded) out.destroy();
        await cleanup;
      },
    };
    this.openStreams.add(tracked);
    // A COPY given up on (failed, aborted, its reader gone): its data still in flight is drained
    // to nowhere until the server ends it, so the connection is free again; never for long.
    const abandon = async (): Promise<void> => {
      copy.unpipe(out);
      copy.resume();
      if (!(await within(ended.catch(() => undefined), CLEANUP_MS))) {
        log('the COPY on %s did not end in %d ms after it was given up: dropping the connection', this.description, CLEANUP_MS);
        this.link?.markLost('dropped', new Error('a cancelled COPY did not end'));
      }
    };
    const finish = (how: Promise<void>): void => {
      void how
        .catch(() => undefined)
        .then(async () => {
          this.openStreams.delete(tracked);
          await release().catch(() => undefined);
        })
        .finally(cleaned);
    };
    const watched = guard ? guard.run(ended) : ended;
    watched.then(
      () => {
        if (settled) return;
        settled = true;
        finish(Promise.resolve());
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        out.destroy(error instanceof Error ? error : new Error(String(error)));
        const left = abandon();
        if (!this.lost) this.unsettled = left;
        finish(left);
      },
    );
    out.once('close', () => {
      // Closed after the COPY's end (read to the end): the end settles it, not a cancel.
      if (settled || copy.readableEnded) return;
      // The reader stopped before the end: the server stops too.
      settled = true;
      const left = (this.link ? this.link.cancel() : Promise.resolve()).then(abandon);
      if (!this.lost) this.unsettled = left;
      finish(left);
    });
    copy.pipe(out);
    return out as PassThrough & { readonly rowCount: number | undefined };
  }

  /** Runs a statement, or a batch of statements without params, in a transaction rolled back on error. */
  async execute(sql: string, params?: SqlParams, options: SqlCallOptions = {}): Promise<number | undefined> {
    this.checkIdle();
    const compiled = this.compile(sql, params);
    const guard = await this.begin(options, 'the statement', 'statement');
    return this.guarded(guard, this.dialect.execute(this.knex, compiled.sql, compiled.bindings));
  }

  /**
   * Writes a DataFrame, row objects, or a streamed input (`{ columns, rows }` whose rows are
   * arrays or row objects, e.g. `SqlRows` or FromS3's csv output) to `tablename` in one
   * transaction; resolves to rows written. A streamed input is read as it is loaded, never held
   * whole. The fourth argument is the options, or (as before) the task name.
   */
  async write(
    tablename: string,
    input: unknown,
    ifExists: IfExists = 'fail',
    options: WriteCallOptions | string = {},
  ): Promise<number> {
    const { signal, taskName = 'write', columnTypes } = typeof options === 'string' ? { taskName: options } as WriteCallOptions : options;
    this.checkIdle();
    const source = writeSource(input);
    if (!source) {
      throw new TaskError(
        `${taskName}: input must be a DataFrame, an array of row objects or { columns, rows } (e.g. SqlRows), got ${Array.isArray(input) ? 'an array of non-objects' : input === null ? 'null' : typeof input}`,
        { taskName },
      );
    }
    const guard = await this.begin({ signal, taskName }, 'the write', 'stream');
    return this.guarded(guard, writeTable(this.knex, this.dialect, taskName, tablename, source, ifExists, { columnTypes, guard }));
  }

  /** Whether this engine can write the rows of `sql` to a table on the server (see `writeQuery`). */
  canWriteQuery(sql: string): boolean {
    return this.dialect.loadQuery?.accepts(withoutTerminator(sql)) ?? false;
  }

  /**
   * Writes the rows of the query `sql` to `tablename` on the server (`INSERT … SELECT`), in one
   * transaction on this session (its temp tables visible to the query), `ifExists` and
   * `columnTypes` as for `write`; a table it creates takes the query's column types. No row
   * leaves the database. Resolves to the rows inserted.
   */
  async writeQuery(
    tablename: string,
    sql: string,
    params: SqlParams | undefined,
    ifExists: IfExists = 'fail',
    options: WriteCallOptions = {},
  ): Promise<number> {
    const { signal, taskName = 'write', columnTypes } = options;
    this.checkIdle();
    const query = this.compile(withoutTerminator(sql), params);
    const guard = await this.begin({ signal, taskName }, 'the write', 'statement');
    return this.guarded(guard, writeQueryTable(this.knex, this.dialect, taskName, tablename, query, ifExists, { columnTypes, guard }));
  }
}

/** Options of `SqlSession.write`. */
export interface WriteCallOptions extends SqlCallOptions {
  /** SQL column types by column name for a table the write creates; the others are inferred. */
  columnTypes?: Readonly<Record<string, string>>;
}

/**
 * The SQL session. Needs `DB_DSN` (`postgres://…`, `mysql://…`, `mssql://…`, `sqlite:<path>`,
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
    checkSqlDriver(sessionSettings(config).dialect, envName('DB_DSN'));
    sessionLimits(config);
  }

  async open(config: ConfigValues): Promise<SqlSession> {
    const settings = sessionSettings(config);
    const dialect = DIALECTS[settings.dialect];
    const limits = sessionLimits(config);
    const connection = dialect.connectionConfig(settings.connection, limits);
    const knex = knexFactory()({
      client: knexClient(settings.dialect),
      connection,
      // A little above the driver's own connect timeout, whose error says more.
      acquireConnectionTimeout: limits.connectMs + 1_000,
      // A failed query's message is the database's own: no SQL, and never the bound values.
      compileSqlOnError: false,
      // knex logs to the console by default; bigrays stays silent unless DEBUG asks.
      log: {
        warn: (message: unknown) => log('knex: %s', message),
        error: (message: unknown) => log('knex error: %s', message),
        deprecate: (message: unknown) => log('knex deprecation: %s', message),
        debug: (message: unknown) => log('knex: %o', message),
      },
      ...dialect.knexConfig(settings.connection, limits),
    });
    knex.on('query-error', (error: unknown, query: { sql?: string }) => {
      const prefix = `${query.sql} - `;
      if (error instanceof Error && query.sql && error.message.startsWith(prefix)) error.message = error.message.slice(prefix.length);
    });
    const started = Date.now();
    let driverConnection: unknown;
    try {
      // Connect now, so that a bad host or password fails here, not in the first query.
      driverConnection = await knex.client.acquireConnection();
      await knex.client.releaseConnection(driverConnection);
    } catch (error) {
      // Nothing may keep the process alive after a failed connect: the pool goes, bounded.
      await within(knex.destroy(), CLEANUP_MS);
      throw connectError(error, settings, limits, Date.now() - started, config);
    }
    const link = new SessionLink(driverConnection, settings.address, dialect, settings.connection, limits);
    // The session is this one connection: should knex's pool ever drop it, it must not open
    // another in its place (temp tables and session settings would be silently gone).
    (knex.client as { acquireRawConnection(): Promise<unknown> }).acquireRawConnection = async () => {
      link.markLost('replaced', new Error('the connection pool dropped it'));
      throw link.goneError();
    };
    log('connected to %s', settings.display);
    return new SqlSession(knex, dialect, settings.display, link);
  }

  override async close(session: SqlSession): Promise<void> {
    log('disconnecting from %s', session.description);
    await session.releaseStreams();
    const link = session.link;
    if (link) link.closing = true;
    // A lost connection gets no goodbye; a live one a bounded one.
    if (session.lost) link?.kill();
    if (!(await within(session.knex.destroy(), CLEANUP_MS))) {
      log('%s did not close in %d ms: dropping its connection', session.description, CLEANUP_MS);
      link?.kill();
    }
  }
}

/** `sql` without the `;` (and blanks) that may end it: COPY takes it in parentheses. */
function withoutTerminator(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/** The session's deadlines from config. */
export function sessionLimits(config: ConfigValues): SessionLimits {
  return {
    connectMs: configMs(config, 'DB_CONNECT_TIMEOUT_MS') ?? 15_000,
    statementMs: configMs(config, 'DB_STATEMENT_TIMEOUT_MS'),
    idleMs: configMs(config, 'DB_IDLE_TIMEOUT_MS') ?? 600_000,
  };
}

/** The socket or DNS error code behind a failed connect: on the error, its causes, or an AggregateError's errors. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== 'object' || depth > 6) return undefined;
  const shape = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof shape.code === 'string' && /^E[A-Z_]+$/.test(shape.code) && shape.code !== 'ESOCKET') return shape.code;
  for (const inner of [shape.cause, ...(Array.isArray(shape.errors) ? shape.errors : [])]) {
    const code = networkCode(inner, depth + 1);
    if (code !== undefined) return code;
  }
  return undefined;
}

/** What a socket or DNS error code means for a connect to `host`:`port`, and what to check. */
function networkReason(code: string | undefined, host: string, port: number | undefined): string | undefined {
  const where = port === undefined ? host : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const check = `Check the host and port of the DSN (${envName('DB_DSN')})`;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused: nothing accepts connections on ${where}. ${check}, and that the server runs`;
    case 'ENOTFOUND':
      return `the host name \`${host}\` was not found (DNS lookup failed). Check the host of the DSN (${envName('DB_DSN')})`;
    case 'EAI_AGAIN':
      return `the host name \`${host}\` could not be looked up (DNS did not answer). Check the network, and the host of the DSN (${envName('DB_DSN')})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${where}: the network cannot reach it. ${check}, and the network (VPN, firewall)`;
    case 'ECONNRESET':
      return `the connection to ${where} was reset before the server answered. ${check}, and that it is a database server`;
    default:
      return undefined;
  }
}

/** The ResourceError of a failed connect: where to, what happened, and what to check or which setting to raise. */
function connectError(error: unknown, settings: SessionSettings, limits: SessionLimits, elapsedMs: number, config: ConfigValues): ResourceError {
  const { display, address } = settings;
  const name = (error as Error)?.name;
  const message = (error as Error)?.message ?? String(error);
  const code = networkCode(error);
  const timedOut =
    code === 'ETIMEDOUT' ||
    name === 'KnexTimeoutError' ||
    /timeout|timed out/i.test(message) ||
    (elapsedMs >= limits.connectMs * 0.9 && /terminated|closed|ended/i.test(message));
  if (timedOut) {
    return new ResourceError(
      `could not connect to ${address} (${display}): no answer within ${limits.connectMs} ms. ` +
        `Check that the server runs and is reachable, or raise ${envName('DB_CONNECT_TIMEOUT_MS')} (now ${limits.connectMs})`,
      { cause: error },
    );
  }
  const reason = networkReason(code, settings.host, settings.port) ?? scrub(message, config);
  return new ResourceError(`could not connect to ${address} (${display}): ${reason || name}`, { cause: error });
}

/** The SQL session every built-in SQL task uses by default. */
export const sqlSession = new SQLSession();
