/**
 * A state store in a database: `STATE_URL` a database URL (any engine bigrays connects to),
 * each document a row of the table `bigrays_state (job primary key, state text, version
 * integer, updated_at)`, created on first use. Its version is the row's `version`: a write
 * inserts the row (refused if another writer inserted it first) or updates it `where version
 * = ?` and counts the rows changed, so two writers cannot both replace the same version. The
 * store has its own connection, never the job's session; each statement commits on its own.
 */
import type { Knex } from 'knex';
import { envName, type ConfigValues } from '../config';
import { BigraysError, ConfigurationError } from '../errors';
import { dialectForScheme } from '../resources/sql/dialects';
import type { SqlSession } from '../resources/sql/open-session';
import { SQLSession } from '../resources/sql/session';
import { StateConflictError, type StateStore, type StoredDocument } from './store';

/** The table every job's state is a row of. */
export const STATE_TABLE = 'bigrays_state';

/** Whether `url` is a database URL: its scheme is one a registered SQL engine takes. */
export function isDatabaseUrl(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1];
  return scheme !== undefined && dialectForScheme(scheme) !== undefined;
}

/** An error about the URL as the job's database (BIGRAYS_DB_DSN), said of the state store's setting. */
function asStateUrlError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const [dsn, state] = [envName('DB_DSN'), envName('STATE_URL')];
  error.message = `the state store (${state}): ${error.message.split(dsn).join(state)}`;
  if (error instanceof ConfigurationError) error.missing.splice(0, error.missing.length, ...error.missing.map((name) => (name === dsn ? state : name)));
  return error;
}

/** The config a session on `url` reads: `url` as its DSN, the job database's user and password left out. */
function sessionConfig(url: string, config: ConfigValues): ConfigValues {
  return { ...config, DB_DSN: url, DB_USER: undefined, DB_PWD: undefined };
}

export class SqlStateStore implements StateStore {
  readonly where: string;
  private ready?: Promise<void>;

  private constructor(
    private readonly resource: SQLSession,
    private readonly session: SqlSession,
  ) {
    this.where = `${session.description} (table ${STATE_TABLE})`;
  }

  /**
   * Connects to `url` with `config`'s SQL timeouts (never the job database's `DB_USER` and
   * `DB_PWD`: the URL carries its own credentials); a ConfigurationError for a URL it cannot
   * read or a driver not installed.
   */
  static async open(url: string, config: ConfigValues): Promise<SqlStateStore> {
    SqlStateStore.check(url, config);
    const resource = new SQLSession();
    const settings = sessionConfig(url, config);
    try {
      return new SqlStateStore(resource, await resource.open(settings));
    } catch (error) {
      throw asStateUrlError(error);
    }
  }

  /** Refuses, without connecting, a URL it cannot read or whose driver is not installed. */
  static check(url: string, config: ConfigValues): void {
    try {
      new SQLSession().validateConfig(sessionConfig(url, config));
    } catch (error) {
      throw asStateUrlError(error);
    }
  }

  private get knex(): Knex {
    return this.session.knex;
  }

  /** Creates the table unless it is there (another process may create it at the same moment). */
  private table(): Promise<void> {
    this.ready ??= (async () => {
      const { schema } = this.knex;
      if (await schema.hasTable(STATE_TABLE)) return;
      try {
        await schema.createTable(STATE_TABLE, (table) => {
          table.string('job', 200).primary();
          table.text('state').notNullable();
          table.integer('version').notNullable();
          table.string('updated_at', 30).notNullable();
        });
      } catch (error) {
        if (!(await schema.hasTable(STATE_TABLE))) throw error;
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw this.failure(`creating the table ${STATE_TABLE}`, error);
    });
    return this.ready;
  }

  private failure(what: string, error: unknown): BigraysError {
    return new BigraysError(`${what} in ${this.session.description} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }

  private async row(key: string): Promise<{ state: string; version: number | string } | undefined> {
    await this.table();
    try {
      return await this.knex(STATE_TABLE).where({ job: key }).first('state', 'version');
    } catch (error) {
      throw this.failure(`reading the state of ${key}`, error);
    }
  }

  async read(key: string): Promise<StoredDocument | undefined> {
    const row = await this.row(key);
    if (row === undefined) return undefined;
    try {
      return { value: JSON.parse(row.state), version: String(row.version) };
    } catch (error) {
      throw new BigraysError(`the state of ${key} in ${this.where} is not JSON: ${(error as Error).message}; fix or remove the row`, { cause: error });
    }
  }

  async write(key: string, value: unknown, expected: string | undefined): Promise<string> {
    await this.table();
    const fields = { state: JSON.stringify(value), updated_at: new Date().toISOString() };
    if (expected === undefined) {
      try {
        await this.knex(STATE_TABLE).insert({ job: key, version: 1, ...fields });
        return '1';
      } catch (error) {
        // The key taken: another writer inserted the row first.
        if ((await this.row(key)) !== undefined) throw this.conflict(key, 'created', error);
        throw this.failure(`writing the state of ${key}`, error);
      }
    }
    let changed: number;
    try {
      changed = await this.knex(STATE_TABLE)
        .where({ job: key, version: Number(expected) })
        .update({ ...fields, version: this.knex.raw('?? + 1', ['version']) });
    } catch (error) {
      throw this.failure(`writing the state of ${key}`, error);
    }
    if (changed === 0) throw this.conflict(key, (await this.row(key)) === undefined ? 'removed' : 'changed');
    return String(Number(expected) + 1);
  }

  async remove(key: string, expected?: string): Promise<void> {
    await this.table();
    let removed: number;
    try {
      const rows = this.knex(STATE_TABLE).where({ job: key });
      removed = await (expected === undefined ? rows : rows.andWhere({ version: Number(expected) })).del();
    } catch (error) {
      throw this.failure(`removing the state of ${key}`, error);
    }
    if (removed === 0 && expected !== undefined) throw this.conflict(key, 'changed');
  }

  async close(): Promise<void> {
    await this.resource.close(this.session);
  }

  private conflict(key: string, how: string, cause?: unknown): StateConflictError {
    return new StateConflictError(`the state of ${key} in ${this.where} was ${how} by another writer meanwhile`, key, { cause });
  }
}
