import type { DataFrame } from '../data/danfo';
import type { SqlParams } from '../resources/sql/session';
import { SQLBase, tableToDataFrame } from './sql-task';

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

  async run(): Promise<DataFrame> {
    const table = await this.session.query(this.query, this.params, this.callOptions);
    this.recordMetrics({ rows: table.rows.length });
    this.log('%d rows, %d columns', table.rows.length, table.columns.length);
    return tableToDataFrame(table);
  }
}
