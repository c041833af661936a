/**
 * A PostgreSQL DSN (`postgres://` or `postgresql://`) → the session's settings: the user-info
 * as `readUrl` reads it, the parameters (`sslmode`, `host=`, …) as pg-connection-string does.
 */
import { parse as parsePgDsn } from 'pg-connection-string';
import { isSet, type ConfigValues } from '../../../config';
import { decodePart } from '../../../connection-url';
import { maskDsnValue } from '../../../secrets';
import type { SessionSettings } from '../dialect';
import { badDsn, readUrl } from '../dsn-url';

/** The `sslmode`s pg 8 reads as `verify-full`, with a warning that pg 9 will read them as libpq does. */
const VERIFY_FULL_ALIASES = /(^|&)sslmode=(prefer|require|verify-ca)(?=&|$)/;

/**
 * The DSN's parameters as pg reads them today, said in its own words: `sslmode=prefer`,
 * `require` and `verify-ca` as `verify-full` (the server's certificate and name checked), which
 * pg 8 takes them for (and warns about on every run, in 9 lines); unless `uselibpqcompat=true`
 * asks for libpq's meaning of them (encrypted, the certificate not checked).
 */
export function modernSslmode(query: string): string {
  if (/(^|&)uselibpqcompat=true(&|$)/.test(query)) return query;
  return query.replace(VERIFY_FULL_ALIASES, '$1sslmode=verify-full');
}

export function postgresDsnSettings(dsn: string, config: ConfigValues): SessionSettings {
  const parts = readUrl(dsn);
  // pg-connection-string reads the parameters (sslmode, host=, …) from the DSN without its
  // credentials; the user and password are the ones readUrl found.
  const bare = `${parts.scheme}://${parts.host}${parts.port ? `:${parts.port}` : ''}${parts.path}${parts.query ? `?${modernSslmode(parts.query)}` : ''}`;
  let parsed: Record<string, unknown>;
  try {
    parsed = parsePgDsn(bare) as Record<string, unknown>;
  } catch (error) {
    throw badDsn(dsn, `${(error as Error).message}; expected postgres://user:password@host[:port]/database`);
  }
  const connection: Record<string, unknown> = Object.fromEntries(
    Object.entries(parsed).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
  // A `user=` or `password=` parameter wins over the user-info, as pg-connection-string has it.
  if (connection.user === undefined && parts.user) connection.user = decodePart(parts.user);
  if (connection.password === undefined && parts.password) connection.password = decodePart(parts.password);
  if (!connection.host) throw badDsn(dsn, 'no host');
  if (connection.port !== undefined) {
    const port = Number(connection.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw badDsn(dsn, `port \`${String(connection.port)}\` is not a number`);
    connection.port = port;
  }
  if (isSet(config.DB_USER)) connection.user = String(config.DB_USER);
  if (isSet(config.DB_PWD)) connection.password = String(config.DB_PWD);
  const host = String(connection.host);
  const port = Number(connection.port ?? 5432);
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}${connection.database ? `/${String(connection.database)}` : ''}`;
  return { dialect: 'postgres', connection, display: maskDsnValue(dsn), address, host, port };
}
