/**
 * SQL tasks share the SQL session resource. `SQLTask` is the extendable one: its `run()`
 * gets the open session and helpers with the same semantics as the built-in SQL tasks.
 */
import type { DataFrame } from '../data/danfo';
import { columnsFrame } from '../data/frame';
import type { FrameColumns } from '../data/frame-columns';
import { keywordsFor, type SqlQuoting } from '../format';
import type { Resource } from '../resources/resource';
import type { DialectName, SessionSettings, TableStream } from '../resources/sql/dialect';
import { sqlQuoting } from '../resources/sql/dialects';
import { SessionSettingsCache } from '../resources/sql/dsn';
import { SQLSession, sqlSession, type SqlCallOptions, type SqlParams, type SqlSession } from '../resources/sql/session';
import type { IfExists } from '../resources/sql/write';
import { BaseTask, taskRun } from '../task';
import { logger } from '../log';
import { someCause } from '../retry';

const log = logger('task:sql');

/** Column names made unique (`id`, `id_1`, …): a DataFrame cannot hold two columns of one name. */
export function uniqueColumns(columns: string[]): string[] {
  const seen = new Set<string>();
  return columns.map((column) => {
    let name = column;
    for (let n = 1; seen.has(name); n++) name = `${column}_${n}`;
    if (name !== column) log('renamed the duplicate column %s to %s', column, name);
    seen.add(name);
    return name;
  });
}

/** A query result held as columns as a DataFrame, made when first used as one; duplicate names numbered. */
export function columnsToDataFrame(columns: FrameColumns): DataFrame {
  columns.rename(uniqueColumns([...columns.names]));
  return columnsFrame(columns);
}

/** Whether the database rolled the transaction back so that it may be tried again (serialization failure, deadlock). */
function rolledBackToRetry(error: unknown): boolean {
  return someCause(error, (shape) => shape.code === '40001' || shape.code === '40P01');
}

/** The attributes of SQL tasks that hold SQL text (a table name included). */
const SQL_TEXT = new Set(['query', 'statement', 'tablename']);

/** The base of the SQL tasks: requires the SQL session. */
export abstract class SQLBase<O = unknown> extends BaseTask<O> {
  /** The SQL session; use `resourceConfig = { DB_DSN: … }` for another database. @default sqlSession */
  override requiredResource: Resource<SqlSession> = sqlSession;

  /**
   * `query`, `statement` and `tablename` are SQL text: `{kw!q}` is a string literal and
   * `{kw!i}` a quoted name for the engine of the task's `DB_DSN`, and a plain `{kw}` whose
   * value holds a quote, a `;` or a comment marker is refused before anything reaches the
   * database.
   */
  override sqlQuoting(attribute: string): SqlQuoting | undefined {
    return SQL_TEXT.has(attribute) ? sqlQuoting(this.engine()) : undefined;
  }

  /**
   * Fills `{keyword}`s in SQL text of the task's own (an `SQLTask`'s `run()`) the way the
   * built-in SQL tasks fill `query`: `{kw!q}` and `{kw!i}` quote for the session's engine, and
   * a plain `{kw}` whose value could break out of its place is a TaskError.
   */
  renderSql(template: string): string {
    return this.fill(template, keywordsFor(this.formatKws, taskRun(this).runtime), { sql: sqlQuoting(this.engine()) }, 'renderSql()');
  }

  /** The task's DSN, read once while its `DB_DSN`, `DB_USER` and `DB_PWD` stay the same. */
  readonly #dsn = new SessionSettingsCache();

  /** The settings of the task's session, from its DSN (throws a ConfigurationError for a bad one). */
  protected sessionSettings(): SessionSettings {
    return this.#dsn.read(this.resolvedConfig);
  }

  /** The engine the task's session connects to, read from its DSN; undefined when not known. */
  private engine(): DialectName | undefined {
    if (!(this.requiredResource instanceof SQLSession)) return undefined;
    try {
      return this.sessionSettings().dialect;
    } catch {
      return undefined; // a DSN pre-flight reports on its own
    }
  }

  /** The open session (a knex instance over the session's one connection, plus helpers). */
  protected get session(): SqlSession {
    return this.requiredResource.handle;
  }

  /**
   * Never on a lost session: it would not be reopened behind the job's back, so trying again
   * can only fail again. The built-in SQL tasks retry only a transaction the database rolled
   * back for a serialization failure or a deadlock; an `SQLTask` of your own, whatever can pass.
   */
  override canRetry(error: unknown): boolean {
    if (this.requiredResource.isOpen && this.session.lost) return false;
    return this instanceof SQLTask || rolledBackToRetry(error);
  }

  /** What every session call of this task carries: its signal (abort cancels) and its name (for errors). */
  protected get callOptions(): SqlCallOptions {
    return { signal: this.signal, taskName: this.taskName };
  }
}

/**
 * An extendable SQL task: `run()` has the open session in `this.session` / `this.knex`, and
 * `this.query`, `this.execute`, `this.write`.
 *
 * @example
 * class Dedupe extends SQLTask<number> {
 *   async run() {
 *     await this.execute('create temp table keep as select distinct * from raw');
 *     return (await this.query('select count(*) as n from keep')).shape[0];
 *   }
 * }
 */
export abstract class SQLTask<O = unknown> extends SQLBase<O> {
  /** The knex instance bound to the session's connection. */
  protected get knex(): SqlSession['knex'] {
    return this.session.knex;
  }

  /** Runs a query (knex bindings: `:name` with an object, `?` with an array) → DataFrame. */
  protected async query(sql: string, params?: SqlParams): Promise<DataFrame> {
    return columnsToDataFrame(await this.session.queryColumns(sql, params, this.callOptions));
  }

  /**
   * Runs a query and reads its rows as they are consumed, for exports too big for memory:
   * pass the result to `toS3`/`toCSV` as `input`. The session is busy until it is read to the end.
   *
   * @example
   * class Export extends SQLTask {
   *   async run() {
   *     return toS3({ input: await this.stream('select * from events'), bucket: 'b', key: 'events.csv' });
   *   }
   * }
   */
  protected async stream(sql: string, params?: SqlParams, options?: { batchSize?: number }): Promise<TableStream> {
    return this.session.stream(sql, params, { ...options, ...this.callOptions });
  }

  /** Runs a statement or batch in a transaction, rolled back on error; rows affected if known. */
  protected async execute(sql: string, params?: SqlParams): Promise<number | undefined> {
    return this.session.execute(sql, params, this.callOptions);
  }

  /** Writes a DataFrame or row objects to a table in one transaction; rows written. */
  protected async write(tablename: string, input: unknown, options: { ifExists?: IfExists } = {}): Promise<number> {
    return this.session.write(tablename, input, options.ifExists ?? 'fail', this.callOptions);
  }
}
