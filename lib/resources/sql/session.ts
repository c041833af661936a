/**
 * The SQL session resource: one database connection, opened from `DB_DSN`, shared by
 * consecutive SQL tasks (so temp tables live from one to the next). The open session and its
 * operations are `SqlSession` (./open-session.ts).
 */
import type { ConfigValues } from '../../config';
import { configMs, envName } from '../../config';
import { checkSqlDriver, knexFactory } from '../../lazy';
import { logger } from '../../log';
import { Resource } from '../resource';
import { connectError } from './connect-error';
import type { Dialect, SessionSettings } from './dialect';
import { dialectNamed } from './dialects';
import { SessionSettingsCache } from './dsn';
import { CLEANUP_MS, SessionLink, within } from './link';
import type { SessionLimits } from './limits';
import { SqlSession } from './open-session';

export { SqlSession, type SqlCallOptions, type SqlParams, type WriteCallOptions } from './open-session';

const log = logger('resource:sql');

/**
 * The SQL session. Needs `DB_DSN` (`postgres://…`, `mysql://…`, `mssql://…`, `sqlite:<path>`,
 * `sqlite::memory:`); `DB_USER` and `DB_PWD` override the DSN's credentials.
 */
export class SQLSession extends Resource<SqlSession> {
  override requiredConfigs = ['DB_DSN'];

  /** The DSN of the config last described, checked or opened, read once. */
  readonly #dsn = new SessionSettingsCache();

  /** In local mode, a SQL session is on a SQLite file. */
  override localForm(): 'sql-session' {
    return 'sql-session';
  }

  override describe(config: ConfigValues): string {
    try {
      return `${this.name} (${this.#dsn.read(config).display})`;
    } catch {
      return this.name;
    }
  }

  override validateConfig(config: ConfigValues): void {
    checkSqlDriver(dialectOf(this.#dsn.read(config)), envName('DB_DSN'));
    sessionLimits(config);
  }

  async open(config: ConfigValues): Promise<SqlSession> {
    const settings = this.#dsn.read(config);
    const dialect = dialectOf(settings);
    const limits = sessionLimits(config);
    const connection = dialect.connectionConfig(settings.connection, limits);
    const knex = knexFactory()({
      client: dialect.knexClient,
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

/** The registered dialect that read `settings`. */
function dialectOf(settings: SessionSettings): Dialect {
  const dialect = dialectNamed(settings.dialect);
  if (!dialect) throw new TypeError(`no SQL dialect is registered as \`${settings.dialect}\``);
  return dialect;
}

/** The session's deadlines from config. */
export function sessionLimits(config: ConfigValues): SessionLimits {
  return {
    connectMs: configMs(config, 'DB_CONNECT_TIMEOUT_MS') ?? 15_000,
    statementMs: configMs(config, 'DB_STATEMENT_TIMEOUT_MS'),
    idleMs: configMs(config, 'DB_IDLE_TIMEOUT_MS') ?? 600_000,
  };
}

/** The SQL session every built-in SQL task uses by default. */
export const sqlSession = new SQLSession();
