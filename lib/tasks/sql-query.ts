import type { DataFrame } from '../data/danfo';
import type { SqlQuoting } from '../format';
import { activeContext } from '../output';
import type { SqlParams } from '../resources/sql/session';
import { BigraysConfig, envName } from '../config';
import { TextSpill } from '../data/text-spill';
import { ConfigurationError } from '../errors';
import { checkAttributes } from './attributes';
import { incrementalProblems, markIncremental, SINCE, type Incremental } from './incremental';
import { IncrementalRead } from './incremental-read';
import { columnsToDataFrame, SQLBase } from './sql-task';

/** The characters of text a result keeps in memory (`QUERY_TEXT_MB`); the rest is spilled to a temp file. */
function queryTextChars(): number {
  const value: unknown = BigraysConfig.QUERY_TEXT_MB;
  const mb = typeof value === 'number' ? value : Number(String(value).trim());
  if (String(value).trim() === '' || !Number.isFinite(mb) || mb < 0) {
    throw new ConfigurationError(`${envName('QUERY_TEXT_MB')} must be 0 or a positive number (millions of characters), got \`${String(value)}\``, {
      missing: [envName('QUERY_TEXT_MB')],
    });
  }
  return mb * 1_000_000;
}

/**
 * Runs `query` and outputs the result as a DataFrame (columns kept even when empty).
 *
 * @example
 * class PullTrainingData extends SQLQuery {
 *   query = "select * from training where day between :begin and :end";
 *   params = { begin: '2026-01-01', end: '2026-03-01' };
 * }
 */
export abstract class SQLQuery extends SQLBase<DataFrame> {
  static override requiredAttributes = ['query'];

  /** The SQL; `{keyword}` placeholders are filled before it runs (`{kw!q}` a string literal, `{kw!i}` a quoted name). Required. */
  abstract query: string;

  /** Bound values: `{ day }` for `:day`, or an array for `?`. Never spliced into the SQL. @default none */
  params?: SqlParams;

  /**
   * Reads only the rows past those read before: `{ column: 'id' }` keeps the largest `id` of
   * the result in the job's state, and the next run reads the rows above it (`{since}` in the
   * query, or the query wrapped). `--dry-run` shows `{since}` as written: it reads no state.
   * @default none
   */
  incremental?: Incremental;

  /** Checked before the run (and again when it starts): `incremental`, `QUERY_TEXT_MB`. */
  override attributeProblems(): string[] {
    const problems = incrementalProblems(this, this.sqlQuoting('query')?.engine);
    try {
      queryTextChars();
    } catch (error) {
      problems.push((error as Error).message);
    }
    return problems;
  }

  /** `{since}` in an incremental query is bigrays' own: the runner leaves it for the task to fill. */
  override lateKeywords(attribute: string): readonly string[] {
    return attribute === 'query' && this.incremental !== undefined && this.incremental !== null ? [SINCE] : [];
  }

  async run(): Promise<DataFrame> {
    checkAttributes(this);
    const read = this.incremental === undefined || this.incremental === null ? undefined : await IncrementalRead.start(this, activeContext(), this.log);
    const { sql, params } = read ? read.query(this.sqlQuoting('query') as SqlQuoting) : { sql: this.query, params: this.params };
    const spill = new TextSpill(queryTextChars(), undefined, `SQLQuery ${this.taskName}`);
    const columns = await this.session.queryColumns(sql, params, { ...this.callOptions, spill }).catch(async (error: unknown) => {
      spill.close();
      throw read ? await read.explain(error, this.session, this.callOptions) : error;
    });
    read?.stageTable({ columns: columns.names, rows: columns.rows() });
    this.recordMetrics({ rows: columns.length });
    this.log('%d rows, %d columns', columns.length, columns.names.length);
    const frame = columnsToDataFrame(columns);
    if (!read) return frame;
    return markIncremental(frame, read.mark(async () => columns.length > 0, async () => undefined));
  }
}
