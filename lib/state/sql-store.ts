/**
 * A state store in a database: `STATE_URL` a database URL (any engine bigrays connects to),
 * each document a row of the table `bigrays_state (job primary key, state text, version
 * integer, updated_at)`, created by the first write (a read of a missing table finds no
 * state, so read-only credentials can show it). Its version is the row's `version`: a write
 * inserts the row (refused if another writer inserted it first) or updates it `where version
 * = ?` and counts the rows changed, so two writers cannot both replace the same version. A
 * removed document keeps its row, emptied, and its version goes on from there: no version
 * once read is ever valid again. Each read, write or removal connects on its own and lets go
 * after (a run may last longer than a server or proxy keeps an idle connection), never on the
 * job's session; each statement commits on its own.
 */
import type { Knex } from 'knex';
import { envName, type ConfigValues } from '../config';
import { BigraysError, ConfigurationError } from '../errors';
import { logger } from '../log';
import { dialectForScheme } from '../resources/sql/dialects';
import type { SqlSession } from '../resources/sql/open-session';
import { SQLSession } from '../resources/sql/session';
import { StateConflictError, type StateStore, type StoredDocument } from './store';

/** The table every job's state is a row of. */
export const STATE_TABLE = 'bigrays_state';

/** The `state` of a removed document's row (no JSON text is empty). */
const REMOVED = '';

const log = logger('state');

interface Row {
  state: string;
  version: number | string;
}

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
  /** Whether the table is known to be there (bigrays never drops it). */
  private tableThere = false;

  private constructor(
    private readonly settings: ConfigValues,
    description: string,
  ) {
    this.where = `${description} (table ${STATE_TABLE})`;
  }

  /**
   * Connects to `url` with `config`'s SQL timeouts (never the job database's `DB_USER` and
   * `DB_PWD`: the URL carries its own credentials), so that a bad host or password is said
   * now, then lets go; a ConfigurationError for a URL it cannot read or a driver not installed.
   */
  static async open(url: string, config: ConfigValues): Promise<SqlStateStore> {
    SqlStateStore.check(url, config);
    const settings = sessionConfig(url, config);
    return new SqlStateStore(settings, await connected(settings, async (session) => session.description));
  }

  /** Refuses, without connecting, a URL it cannot read or whose driver is not installed. */
  static check(url: string, config: ConfigValues): void {
    try {
      new SQLSession().validateConfig(sessionConfig(url, config));
    } catch (error) {
      throw asStateUrlError(error);
    }
  }

  /** `work` on a connection of its own, closed after; an error of `work` says it was `what`. */
  private using<T>(what: string, work: (knex: Knex) => Promise<T>): Promise<T> {
    return connected(this.settings, async (session) => {
      try {
        return await work(session.knex);
      } catch (error) {
        if (error instanceof BigraysError) throw error;
        throw new BigraysError(`${what} in ${session.description} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    });
  }

  /** Whether the table is there. */
  private async hasTable(knex: Knex): Promise<boolean> {
    this.tableThere ||= await knex.schema.hasTable(STATE_TABLE);
    return this.tableThere;
  }

  /** Creates the table unless it is there (another process may create it at the same moment). */
  private async ensureTable(knex: Knex): Promise<void> {
    if (await this.hasTable(knex)) return;
    try {
      await knex.schema.createTable(STATE_TABLE, (table) => {
        table.string('job', 200).primary();
        // MySQL's text holds 64 KB: longtext there (SQL Server: nvarchar(max); text elsewhere).
        table.text('state', 'longtext').notNullable();
        table.integer('version').notNullable();
        table.string('updated_at', 30).notNullable();
      });
    } catch (error) {
      if (!(await knex.schema.hasTable(STATE_TABLE))) throw new BigraysError(`creating the table ${STATE_TABLE} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    this.tableThere = true;
  }

  /** The row of `key`, removed or not; undefined when there is none (or no table). */
  private async row(knex: Knex, key: string): Promise<Row | undefined> {
    if (!(await this.hasTable(knex))) return undefined;
    return (await knex(STATE_TABLE).where({ job: key }).first('state', 'version')) as Row | undefined;
  }

  async read(key: string): Promise<StoredDocument | undefined> {
    const row = await this.using(`reading the state of ${key}`, (knex) => this.row(knex, key));
    if (row === undefined || row.state === REMOVED) return undefined;
    try {
      return { value: JSON.parse(row.state), version: String(row.version) };
    } catch (error) {
      throw new BigraysError(`the state of ${key} in ${this.where} is not JSON: ${(error as Error).message}; fix or remove the row`, { cause: error });
    }
  }

  async write(key: string, value: unknown, expected: string | undefined): Promise<string> {
    const fields = { state: JSON.stringify(value), updated_at: new Date().toISOString() };
    return this.using(`writing the state of ${key}`, async (knex) => {
      await this.ensureTable(knex);
      if (expected !== undefined) {
        const changed = await knex(STATE_TABLE)
          .where({ job: key, version: Number(expected) })
          .update({ ...fields, version: knex.raw('?? + 1', ['version']) });
        if (changed === 0) throw this.conflict(key, await this.change(knex, key));
        return String(Number(expected) + 1);
      }
      const row = await this.row(knex, key);
      if (row === undefined) return this.insert(knex, key, fields);
      if (row.state !== REMOVED) throw this.conflict(key, 'created');
      // The row of a removed document: its version goes on.
      const version = Number(row.version);
      const changed = await knex(STATE_TABLE).where({ job: key, version }).update({ ...fields, version: version + 1 });
      if (changed === 0) throw this.conflict(key, 'created');
      return String(version + 1);
    });
  }

  /** Inserts the first row of `key`; StateConflictError when another writer inserted it first. */
  private async insert(knex: Knex, key: string, fields: { state: string; updated_at: string }): Promise<string> {
    try {
      await knex(STATE_TABLE).insert({ job: key, version: 1, ...fields });
      return '1';
    } catch (error) {
      if ((await this.row(knex, key)) !== undefined) throw this.conflict(key, 'created', error);
      throw error;
    }
  }

  async remove(key: string, expected?: string): Promise<void> {
    await this.using(`removing the state of ${key}`, async (knex) => {
      if (!(await this.hasTable(knex))) {
        if (expected !== undefined) throw this.conflict(key, 'removed');
        return;
      }
      const rows = knex(STATE_TABLE).where({ job: key }).whereNot({ state: REMOVED });
      const changed = await (expected === undefined ? rows : rows.andWhere({ version: Number(expected) }))
        .update({ state: REMOVED, updated_at: new Date().toISOString(), version: knex.raw('?? + 1', ['version']) });
      if (changed === 0 && expected !== undefined) throw this.conflict(key, await this.change(knex, key));
    });
  }

  async close(): Promise<void> {
    // Nothing stays open between calls.
  }

  /** How the document of `key` changed under a writer: removed (or never there), or changed. */
  private async change(knex: Knex, key: string): Promise<string> {
    const row = await this.row(knex, key);
    return row === undefined || row.state === REMOVED ? 'removed' : 'changed';
  }

  private conflict(key: string, how: string, cause?: unknown): StateConflictError {
    return new StateConflictError(`the state of ${key} in ${this.where} was ${how} by another writer meanwhile`, key, { cause });
  }
}

/** `work` on a session opened with `settings`, closed after on every path; a failure to connect said of the state store's setting. */
async function connected<T>(settings: ConfigValues, work: (session: SqlSession) => Promise<T>): Promise<T> {
  const resource = new SQLSession();
  let session: SqlSession;
  try {
    session = await resource.open(settings);
  } catch (error) {
    throw asStateUrlError(error);
  }
  try {
    return await work(session);
  } finally {
    await resource.close(session).catch((error: unknown) => log('closing the state store\'s connection failed: %s', (error as Error)?.message ?? String(error)));
  }
}
