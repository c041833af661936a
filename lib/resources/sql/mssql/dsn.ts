/**
 * A SQL Server DSN (`mssql://` or `sqlserver://`) → tedious' settings: `host\INSTANCE` or
 * `?instanceName=`, encryption on by default, `DB_USER` / `DB_PWD` over the DSN's credentials.
 */
import { isSet, type ConfigValues } from '../../../config';
import { decodePart } from '../../../connection-url';
import { maskDsnValue } from '../../../secrets';
import type { SessionSettings } from '../dialect';
import { badDsn, dsnFlag, readUrl } from '../dsn-url';

export function mssqlDsnSettings(dsn: string, config: ConfigValues): SessionSettings {
  const parts = readUrl(dsn);
  if (!parts.host) throw badDsn(dsn, 'no host');
  const query = new URLSearchParams(parts.query);
  let server = decodePart(parts.host);
  let instanceName = query.get('instanceName') ?? query.get('instance') ?? undefined;
  if (server.includes('\\')) [server, instanceName] = server.split('\\', 2) as [string, string];
  const database = decodePart(parts.path.replace(/^\//, '')) || query.get('database') || undefined;
  const options: Record<string, unknown> = {
    // Azure SQL and modern servers want encryption; a local dev server usually needs
    // trustServerCertificate=true alongside it.
    encrypt: dsnFlag(dsn, 'encrypt', query.get('encrypt')) ?? true,
    trustServerCertificate: dsnFlag(dsn, 'trustServerCertificate', query.get('trustServerCertificate')) ?? false,
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
