/**
 * A SQLite DSN (`sqlite:<path>`, `sqlite:///abs/path`, `sqlite::memory:`) → the session's
 * settings: the file, and the folder (if the config names one) whose files it opens without
 * following a link (./sqlite-no-follow.ts).
 */
import type { ConfigValues } from '../../../config';
import type { SessionSettings } from '../dialect';
import { badDsn } from '../dsn-url';
import { noFollowFolder } from './sqlite-no-follow';

export function sqliteDsnSettings(dsn: string, config: ConfigValues = {}): SessionSettings {
  let path = dsn.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://relative/path
  if (path === '') throw badDsn(dsn, 'name a file (sqlite:jobs.db) or sqlite::memory:');
  const noFollowUnder = noFollowFolder(config);
  const connection = noFollowUnder === undefined ? { filename: path } : { filename: path, noFollowUnder };
  return { dialect: 'sqlite', connection, display: dsn, address: path, host: path };
}
