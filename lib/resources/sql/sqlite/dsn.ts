/** A SQLite DSN (`sqlite:<path>`, `sqlite:///abs/path`, `sqlite::memory:`) → the session's settings: the file. */
import type { SessionSettings } from '../dialect';
import { badDsn } from '../dsn-url';

export function sqliteDsnSettings(dsn: string): SessionSettings {
  let path = dsn.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://relative/path
  if (path === '') throw badDsn(dsn, 'name a file (sqlite:jobs.db) or sqlite::memory:');
  return { dialect: 'sqlite', connection: { filename: path }, display: dsn, address: path, host: path };
}
