import type { SqlParams } from '../resources/sql/session';
import { SQLBase } from './sql-task';

/**
 * Runs `statement` in a transaction, rolled back on error: a batch that fails half-way
 * leaves nothing behind. Outputs the rows affected, when the database reports them.
 *
 * @example
 * class Refresh extends SQLExecute {
 *   statement = 'delete from daily where day = :day; insert into daily select * from staging';
 * }
 */
export abstract class SQLExecute extends SQLBase<number | undefined> {
  static override requiredAttributes = ['statement'];

  /** The SQL statement, or several separated by `;` (without params); `{keyword}`s are filled (`{kw!q}`, `{kw!i}` quoted). Required. */
  abstract statement: string;

  /** Bound values: `{ day }` for `:day`, or an array for `?` (one statement only). @default none */
  params?: SqlParams;

  async run(): Promise<number | undefined> {
    const affected = await this.session.execute(this.statement, this.params, this.callOptions);
    if (affected !== undefined) this.recordMetrics({ rows: affected });
    return affected;
  }
}
