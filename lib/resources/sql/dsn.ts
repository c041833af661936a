/**
 * `DB_DSN` (plus `DB_USER` / `DB_PWD`) → the knex configuration for one session. A URL DSN is
 * read once, by `splitUrl` (lib/connection-url.ts), for the connection, the masked display and
 * every message, so they all name the same host.
 */
import type { Knex } from 'knex';
import { parse as parsePgDsn } from 'pg-connection-string';
import { envName, isSet, type ConfigValues } from '../../config';
import { decodePart, hasBadEscape, passwordSpanOf, splitUrl, USER_INFO_ESCAPES, type UrlParts } from '../../connection-url';
import { ConfigurationError } from '../../errors';
import { maskDsnParams, maskDsnValue, PASSWORD_PLACEHOLDER } from '../../secrets';
import { mysqlSettings } from './mysql/dsn';

export type DialectName = 'postgres' | 'mssql' | 'sqlite' | 'mysql';

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

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

function bad(dsn: string, why: string): ConfigurationError {
  return new ConfigurationError(`${envName('DB_DSN')} is not a valid database URL (${maskDsnValue(dsn)}): ${why}`, {
    missing: [envName('DB_DSN')],
  });
}

function flag(dsn: string, name: string, value: string | null): boolean | undefined {
  if (value === null) return undefined;
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw bad(dsn, `${name} must be true or false, got \`${value}\``);
}

function sqliteSettings(dsn: string): SessionSettings {
  let path = dsn.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://relative/path
  if (path === '') throw bad(dsn, 'name a file (sqlite:jobs.db) or sqlite::memory:');
  return { dialect: 'sqlite', connection: { filename: path }, display: dsn, address: path, host: path };
}

const ENCODINGS = USER_INFO_ESCAPES.map(([char, code]) => `\`${char}\` → \`${code}\``).join(', ');

/**
 * The DSN as it should be written, for a message: the user percent-encoded, the password a
 * placeholder (never its value), the rest as it follows the DSN's last `@`, parameters masked.
 */
function encodedForm(dsn: string): string {
  const text = maskDsnParams(dsn);
  const parts = splitUrl(text);
  const at = parts?.ambiguous?.lastAt ?? parts?.userInfoEnd;
  if (!parts || at === undefined) return maskDsnValue(dsn);
  const span = passwordSpanOf(parts);
  const user = text.slice(text.indexOf('://') + 3, span ? span[0] - 1 : at);
  return `${parts.scheme}://${encodeURIComponent(decodePart(user))}${span ? `:${PASSWORD_PLACEHOLDER}` : ''}${text.slice(at)}`;
}

/**
 * A DSN whose user-info holds an unescaped `@`, `/`, `#` or `?`: the drivers would read part
 * of the password as the host. Refused with the form to write, never the password itself.
 */
function ambiguousDsn(dsn: string): ConfigurationError {
  return bad(
    dsn,
    'the user or password holds an `@`, `/`, `#` or `?` that is not percent-encoded, so where the host begins is ambiguous ' +
      '(part of the password would be read as the host name); nothing was connected to. ' +
      `Percent-encode the user and password (${ENCODINGS}; encodeURIComponent does it) and write ` +
      `${encodedForm(dsn)}, or leave the password out of the DSN and set ${envName('DB_PWD')}. ` +
      'An `@` in the database name or a parameter is written `%40` too',
  );
}

/**
 * Reads a `scheme://…` DSN as `splitUrl` does — the one reading that connecting, masking and
 * messages share — and refuses what that reading cannot take: an ambiguous user-info, a `%`
 * that starts no `%XX` escape, a port that is no port.
 */
function readUrl(dsn: string): UrlParts {
  const parts = splitUrl(dsn);
  if (!parts) throw bad(dsn, `expected ${dsn.split(':')[0]}://user:password@host[:port]/database`);
  if (parts.ambiguous) throw ambiguousDsn(dsn);
  for (const [what, part] of [['user', parts.user], ['password', parts.password]] as const) {
    if (part !== undefined && hasBadEscape(part)) {
      throw bad(dsn, `its ${what} holds a \`%\` that starts no %XX escape: percent-encode the ${what} (${ENCODINGS}; encodeURIComponent does it)`);
    }
  }
  if (/\s/.test(parts.host)) throw bad(dsn, 'the host holds a space');
  const port = parts.port;
  if (port !== undefined && port !== '') {
    const number = Number(port);
    if (!/^\d+$/.test(port) || number < 1 || number > 65535) throw bad(dsn, `port \`${port}\` is not a port number (1-65535)`);
  }
  return parts;
}

function postgresSettings(dsn: string, config: ConfigValues): SessionSettings {
  const parts = readUrl(dsn);
  // pg-connection-string reads the parameters (sslmode, host=, …) from the DSN without its
  // credentials; the user and password are the ones readUrl found.
  const bare = `${parts.scheme}://${parts.host}${parts.port ? `:${parts.port}` : ''}${parts.path}${parts.query ? `?${parts.query}` : ''}`;
  let parsed: Record<string, unknown>;
  try {
    parsed = parsePgDsn(bare) as Record<string, unknown>;
  } catch (error) {
    throw bad(dsn, `${(error as Error).message}; expected postgres://user:password@host[:port]/database`);
  }
  const connection: Record<string, unknown> = Object.fromEntries(
    Object.entries(parsed).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
  // A `user=` or `password=` parameter wins over the user-info, as pg-connection-string has it.
  if (connection.user === undefined && parts.user) connection.user = decodePart(parts.user);
  if (connection.password === undefined && parts.password) connection.password = decodePart(parts.password);
  if (!connection.host) throw bad(dsn, 'no host');
  if (connection.port !== undefined) {
    const port = Number(connection.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw bad(dsn, `port \`${String(connection.port)}\` is not a number`);
    connection.port = port;
  }
  if (isSet(config.DB_USER)) connection.user = String(config.DB_USER);
  if (isSet(config.DB_PWD)) connection.password = String(config.DB_PWD);
  const host = String(connection.host);
  const port = Number(connection.port ?? 5432);
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}${connection.database ? `/${String(connection.database)}` : ''}`;
  return { dialect: 'postgres', connection, display: maskDsnValue(dsn), address, host, port };
}

function mssqlSettings(dsn: string, config: ConfigValues): SessionSettings {
  const parts = readUrl(dsn);
  if (!parts.host) throw bad(dsn, 'no host');
  const query = new URLSearchParams(parts.query);
  let server = decodePart(parts.host);
  let instanceName = query.get('instanceName') ?? query.get('instance') ?? undefined;
  if (server.includes('\\')) [server, instanceName] = server.split('\\', 2) as [string, string];
  const database = decodePart(parts.path.replace(/^\//, '')) || query.get('database') || undefined;
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
  if (parts.port) connection.port = Number(parts.port);
  else if (!instanceName) connection.port = 1433;
  if (database) connection.database = database;
  const user = isSet(config.DB_USER) ? String(config.DB_USER) : parts.user ? decodePart(parts.user) : undefined;
  const password = isSet(config.DB_PWD)
    ? String(config.DB_PWD)
    : parts.password
      ? decodePart(parts.password)
      : query.get('password') ?? undefined;
  if (user) connection.user = user;
  if (password) connection.password = password;
  const timeout = query.get('connectTimeout');
  if (timeout) connection.connectionTimeout = Number(timeout);
  const port = connection.port as number | undefined;
  const address = `${server}${instanceName ? `\\${instanceName}` : ''}${port ? `:${String(port)}` : ''}${database ? `/${database}` : ''}`;
  return { dialect: 'mssql', connection, display: maskDsnValue(dsn), address, host: server, port };
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
    case 'mysql':
    case 'mariadb':
      return mysqlSettings(dsn, config, { readUrl, bad });
    default:
      throw bad(
        dsn,
        `${scheme ? `unknown scheme \`${scheme}:\`` : 'no scheme'}; use postgres://…, mysql://…, mssql://…, sqlite:<path> or sqlite::memory:`,
      );
  }
}

/** The knex client name for a dialect. */
export function knexClient(dialect: DialectName): Knex.Config['client'] {
  return dialect === 'postgres' ? 'pg' : dialect === 'mssql' ? 'mssql' : dialect === 'mysql' ? 'mysql2' : 'better-sqlite3';
}
