/**
 * `mysql://user:password@host[:port]/database[?ssl=true&charset=…&connectTimeout=…]` (or
 * `mariadb://…`) → the mysql2 connection settings of a session. The URL is read by the shared
 * reading every engine uses (`readUrl`), so the host a message names is the host connected to;
 * `DB_USER` / `DB_PWD` win over the DSN's credentials.
 */
import { isSet, type ConfigValues } from '../../../config';
import { decodePart } from '../../../connection-url';
import { maskDsnValue } from '../../../secrets';
import type { SessionSettings } from '../dialect';
import { badDsn, dsnFlag, readUrl } from '../dsn-url';

/** The port a MySQL server listens on unless the DSN names another. */
export const MYSQL_PORT = 3306;

/** The DSN parameters a MySQL session takes. */
const PARAMS = ['ssl', 'sslVerify', 'charset', 'connectTimeout'] as const;

/** The TLS settings of `?ssl=true` (the server's certificate checked unless `sslVerify=false`); undefined: no TLS. */
function tlsOf(dsn: string, query: URLSearchParams): Record<string, unknown> | undefined {
  const ssl = dsnFlag(dsn, 'ssl', query.get('ssl'));
  const verify = dsnFlag(dsn, 'sslVerify', query.get('sslVerify'));
  if (!ssl) return undefined;
  return { rejectUnauthorized: verify ?? true };
}

/** The session settings of a `mysql://` or `mariadb://` DSN; a ConfigurationError quoting the masked DSN when it cannot be read. */
export function mysqlDsnSettings(dsn: string, config: ConfigValues): SessionSettings {
  const parts = readUrl(dsn);
  if (!parts.host) throw badDsn(dsn, `no host; expected ${parts.scheme}://user:password@host[:port]/database`);
  const query = new URLSearchParams(parts.query);
  const unknown = [...query.keys()].filter((key) => !(PARAMS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw badDsn(dsn, `unknown parameter ${unknown.map((k) => `\`${k}\``).join(', ')}; a MySQL DSN takes ${PARAMS.join(', ')}`);
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
  const ssl = tlsOf(dsn, query);
  if (ssl) connection.ssl = ssl;
  const charset = query.get('charset');
  if (charset) connection.charset = charset;
  const timeout = query.get('connectTimeout');
  if (timeout !== null) {
    if (!/^\d+$/.test(timeout)) throw badDsn(dsn, `connectTimeout must be a number of ms, got \`${timeout}\``);
    connection.connectTimeout = Number(timeout);
  }
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    dialect: 'mysql',
    connection,
    display: maskDsnValue(dsn),
    address: `${where}${database ? `/${database}` : ''}`,
    host,
    port,
  };
}
