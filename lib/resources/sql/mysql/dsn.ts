/**
 * `mysql://user:password@host[:port]/database[?ssl=true&charset=…&connectTimeout=…]` (or
 * `mariadb://…`) → the mysql2 connection settings of a session. The URL is read by the shared
 * reading every engine uses (`readUrl`), so the host a message names is the host connected to;
 * `DB_USER` / `DB_PWD` win over the DSN's credentials.
 */
import { isSet, type ConfigValues } from '../../../config';
import { decodePart, type UrlParts } from '../../../connection-url';
import type { ConfigurationError } from '../../../errors';
import { maskDsnValue } from '../../../secrets';

/** The port a MySQL server listens on unless the DSN names another. */
export const MYSQL_PORT = 3306;

/** How a DSN is read and refused, as every engine does it (lib/resources/sql/dsn.ts). */
export interface DsnReading {
  readUrl(dsn: string): UrlParts;
  bad(dsn: string, why: string): ConfigurationError;
}

/** The DSN parameters a MySQL session takes, and what each does. */
const PARAMS = ['ssl', 'sslVerify', 'charset', 'connectTimeout'] as const;

const TRUE = /^(1|true|yes|on|required)$/i;
const FALSE = /^(0|false|no|off|disabled)$/i;

function flag(reading: DsnReading, dsn: string, name: string, value: string | null): boolean | undefined {
  if (value === null) return undefined;
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw reading.bad(dsn, `${name} must be true or false, got \`${value}\``);
}

/** The TLS settings of `?ssl=true` (the server's certificate checked unless `sslVerify=false`); undefined: no TLS. */
function tlsOf(reading: DsnReading, dsn: string, query: URLSearchParams): Record<string, unknown> | undefined {
  const ssl = flag(reading, dsn, 'ssl', query.get('ssl'));
  const verify = flag(reading, dsn, 'sslVerify', query.get('sslVerify'));
  if (!ssl) return undefined;
  return { rejectUnauthorized: verify ?? true };
}

/** The session settings of a `mysql://` or `mariadb://` DSN; a ConfigurationError quoting the masked DSN when it cannot be read. */
export function mysqlSettings(dsn: string, config: ConfigValues, reading: DsnReading) {
  const parts = reading.readUrl(dsn);
  if (!parts.host) throw reading.bad(dsn, `no host; expected ${parts.scheme}://user:password@host[:port]/database`);
  const query = new URLSearchParams(parts.query);
  const unknown = [...query.keys()].filter((key) => !(PARAMS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw reading.bad(dsn, `unknown parameter ${unknown.map((k) => `\`${k}\``).join(', ')}; a MySQL DSN takes ${PARAMS.join(', ')}`);
  }
  const host = decodePart(parts.host.replace(/^\[(.*)\]$/, '$1'));
  const port = parts.port ? Number(parts.port) : MYSQL_PORT;
  const database = decodePart(parts.path.replace(/^\//, '')) || undefined;
  const connection: Record<string, unknown> = { host, port };
  if (database) connection.database = database;
  const user = isSet(config.DB_USER) ? String(config.DB_USER) : parts.user ? decodePart(parts.user) : undefined;
  const password = isSet(config.DB_PWD) ? String(config.DB_PWD) : parts.password !== undefined ? decodePart(parts.password) : undefined;
  if (user !== undefined) connection.user = user;
  if (password !== undefined) connection.password = password;
  const ssl = tlsOf(reading, dsn, query);
  if (ssl) connection.ssl = ssl;
  const charset = query.get('charset');
  if (charset) connection.charset = charset;
  const timeout = query.get('connectTimeout');
  if (timeout !== null) {
    if (!/^\d+$/.test(timeout)) throw reading.bad(dsn, `connectTimeout must be a number of ms, got \`${timeout}\``);
    connection.connectTimeout = Number(timeout);
  }
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    dialect: 'mysql' as const,
    connection,
    display: maskDsnValue(dsn),
    address: `${where}${database ? `/${database}` : ''}`,
    host,
    port,
  };
}
