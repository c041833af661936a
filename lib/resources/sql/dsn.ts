/**
 * `DB_DSN` (plus `DB_USER` / `DB_PWD`) → the settings of one session: the DSN's scheme picks
 * the registered dialect (lib/resources/sql/dialects.ts), which reads the rest. A URL DSN is
 * read once, by `readUrl` (./dsn-url.ts over lib/connection-url.ts), for the connection, the
 * masked display and every message, so they all name the same host.
 */
import { envName, isSet, type ConfigValues } from '../../config';
import { ConfigurationError } from '../../errors';
import type { SessionSettings } from './dialect';
import { dialectForScheme, dsnForms } from './dialects';
import { badDsn } from './dsn-url';
import { NO_FOLLOW_UNDER } from './sqlite/sqlite-no-follow';

export type { DialectName, SessionSettings } from './dialect';

/** Reads `DB_DSN`, `DB_USER` and `DB_PWD` from `config`; throws ConfigurationError quoting the masked DSN. */
export function sessionSettings(config: ConfigValues): SessionSettings {
  if (!isSet(config.DB_DSN)) {
    throw new ConfigurationError(`Missing configuration: set ${envName('DB_DSN')}`, { missing: [envName('DB_DSN')] });
  }
  const dsn = String(config.DB_DSN).trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(dsn)?.[1]?.toLowerCase();
  const dialect = scheme === undefined ? undefined : dialectForScheme(scheme);
  if (!dialect) throw badDsn(dsn, `${scheme ? `unknown scheme \`${scheme}:\`` : 'no scheme'}; use ${dsnForms()}`);
  return dialect.readDsn(dsn, config);
}

/**
 * The settings of the config last read, read again only when its `DB_DSN`, `DB_USER`,
 * `DB_PWD` or `SQLITE_NO_FOLLOW_UNDER` differ: what reads a session's settings more than once (a task quoting each of its
 * attributes, a resource described, checked and opened) parses the DSN once. A DSN refused is
 * read again (and refused again) each time.
 */
export class SessionSettingsCache {
  private last?: { dsn: unknown; user: unknown; password: unknown; noFollow: unknown; settings: SessionSettings };

  read(config: ConfigValues): SessionSettings {
    const { DB_DSN: dsn, DB_USER: user, DB_PWD: password, [NO_FOLLOW_UNDER]: noFollow } = config;
    const last = this.last;
    if (last && last.dsn === dsn && last.user === user && last.password === password && last.noFollow === noFollow) return last.settings;
    const settings = sessionSettings(config);
    this.last = { dsn, user, password, noFollow, settings };
    return settings;
  }
}
