/**
 * `DB_DSN` (plus `DB_USER` / `DB_PWD`) → the knex configuration for one session.
 */
import type { Knex } from 'knex';
import { parse as parsePgDsn } from 'pg-connection-string';
import { envName, isSet, type ConfigValues } from '../../config';
import { ConfigurationError } from '../../errors';
import { maskDsn } from '../../secrets';

export type DialectName = 'postgres' | 'mssql' | 'sqlite';

export interface SessionSettings {
  dialect: DialectName;
  /** The knex `connection` setting (credentials included: never log it). */
  connection: Record<string, unknown>;
  /** The DSN with its password masked, for messages and logs. */
  display: string;
  /** Where the session connects, without credentials: `host:port/database`, or the SQLite file. */
  address: string;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

function bad(dsn: string, why: string): ConfigurationError {
  return new ConfigurationError(`${envName('DB_DSN')} is not a valid database URL (${maskDsn(dsn)}): ${why}`, {
    missing: [envName('DB_DSN')],
  });
}

function flag(dsn: string, name: string, value: string | null): boolean | undefined {
  if (value === null) return undefined;
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw bad(dsn, `${name} must be true or false, got \`${value}\``);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function sqliteSettings(dsn: string): SessionSettings {
  let path = dsn.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://relative/path
  if (path === '') throw bad(dsn, 'name a file (sqlite:jobs.db) or sqlite::memory:');
  return { dialect: 'sqlite', connection: { filename: path }, display: dsn, address: path };
}

/** Checks the port of `scheme://[user[:password]@]host[:port]/…`, the usual typo. */
function checkPort(dsn: string): void {
  // The host starts after the user-info, which runs to the last `@` (a password may hold `/`).
  const afterScheme = dsn.slice(dsn.indexOf('://') + 3);
  const hostPart = afterScheme.slice(afterScheme.lastIndexOf('@') + 1);
  const authority = /^[^/?#]*/.exec(hostPart)?.[0] ?? '';
  const port = /:([^:\]]*)$/.exec(authority)?.[1];
  if (port === undefined || port === '') return;
  const number = Number(port);
  if (!/^\d+$/.test(port) || number < 1 || number > 65535) {
    throw bad(dsn, `port \`${port}\` is not a port number (1-65535)`);
  }
}

const URL_HINT = 'escape special characters of the user or password as %XX';

function postgresSettings(dsn: string, config: ConfigValues): SessionSettings {
  checkPort(dsn);
  let parsed: Record<string, unknown>;
  try {
    parsed = parsePgDsn(dsn) as Record<string, unknown>;
  } catch (error) {
    throw bad(dsn, `${(error as Error).message}; expected postgres://user:password@host[:port]/database (${URL_HINT})`);
  }
  if (!parsed.host) throw bad(dsn, 'no host');
  const connection: Record<string, unknown> = Object.fromEntries(
    Object.entries(parsed).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
  if (connection.port !== undefined) {
    const port = Number(connection.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw bad(dsn, `port \`${String(connection.port)}\` is not a number`);
    connection.port = port;
  }
  if (isSet(config.DB_USER)) connection.user = String(config.DB_USER);
  if (isSet(config.DB_PWD)) connection.password = String(config.DB_PWD);
  const address = `${String(connection.host)}:${String(connection.port ?? 5432)}${connection.database ? `/${String(connection.database)}` : ''}`;
  return { dialect: 'postgres', connection, display: maskDsn(dsn), address };
}

function mssqlSettings(dsn: string, config: ConfigValues): SessionSettings {
  checkPort(dsn);
  let url: URL;
  try {
    // `host\INSTANCE`, as SQL Server writes a named instance, is no URL character: escape it.
    url = new URL(dsn.replace(/\\/g, '%5C'));
  } catch {
    throw bad(dsn, `expected mssql://user:password@host[:port]/database[?encrypt=true&trustServerCertificate=true] (${URL_HINT})`);
  }
  if (!url.hostname) throw bad(dsn, 'no host');
  const query = url.searchParams;
  let server = decode(url.hostname);
  let instanceName = query.get('instanceName') ?? query.get('instance') ?? undefined;
  if (server.includes('\\')) [server, instanceName] = server.split('\\', 2) as [string, string];
  const database = decode(url.pathname.replace(/^\//, '')) || query.get('database') || undefined;
  const options: Record<string, unknown> = {
    // Azure SQL and modern servers want encryption; a local dev server usually needs
    // trustServerCertificate=true alongside it.
    encrypt: flag(dsn, 'encrypt', query.get('encrypt')) ?? true,
    trustServerCertificate: flag(dsn, 'trustServerCertificate', query.get('trustServerCertificate')) ?? false,
    useUTC: true,
  };
  if (instanceName) options.instanceName = instanceName;
  const appName = query.get('appName') ?? query.get('applicationName');
  if (appName) options.appName = appName;
  const connection: Record<string, unknown> = { server, options };
  if (url.port) {
    const port = Number(url.port);
    if (!Number.isInteger(port)) throw bad(dsn, `port \`${url.port}\` is not a number`);
    connection.port = port;
  } else if (!instanceName) {
    connection.port = 1433;
  }
  if (database) connection.database = database;
  const user = isSet(config.DB_USER) ? String(config.DB_USER) : url.username ? decode(url.username) : undefined;
  const password = isSet(config.DB_PWD)
    ? String(config.DB_PWD)
    : url.password
      ? decode(url.password)
      : query.get('password') ?? undefined;
  if (user) connection.user = user;
  if (password) connection.password = password;
  const timeout = query.get('connectTimeout');
  if (timeout) connection.connectionTimeout = Number(timeout);
  const address = `${server}${instanceName ? `\\${instanceName}` : ''}${connection.port ? `:${String(connection.port)}` : ''}${database ? `/${database}` : ''}`;
  return { dialect: 'mssql', connection, display: maskDsn(dsn), address };
}

/** Reads `DB_DSN`, `DB_USER` and `DB_PWD` from `config`; throws ConfigurationError quoting the masked DSN. */
export function sessionSettings(config: ConfigValues): SessionSettings {
  if (!isSet(config.DB_DSN)) {
    throw new ConfigurationError(`Missing configuration: set ${envName('DB_DSN')}`, { missing: [envName('DB_DSN')] });
  }
  const dsn = String(config.DB_DSN).trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(dsn)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return sqliteSettings(dsn);
    case 'postgres':
    case 'postgresql':
      return postgresSettings(dsn, config);
    case 'mssql':
    case 'sqlserver':
      return mssqlSettings(dsn, config);
    default:
      throw bad(
        dsn,
        `${scheme ? `unknown scheme \`${scheme}:\`` : 'no scheme'}; use postgres://…, mssql://…, sqlite:<path> or sqlite::memory:`,
      );
  }
}

/** The knex client name for a dialect. */
export function knexClient(dialect: DialectName): Knex.Config['client'] {
  return dialect === 'postgres' ? 'pg' : dialect === 'mssql' ? 'mssql' : 'better-sqlite3';
}
