import type { DataFrame } from '../data/danfo';
import type { Row } from '../data/frame';
import type { IfExists } from '../resources/sql/write';
import { SQLBase } from './sql-task';

/**
 * Writes `input` (a DataFrame or row objects) to `tablename` in ONE transaction: a bad row
 * leaves the table as it was. Creates the table when missing, with column types inferred
 * from the data. Outputs the number of rows written.
 *
 * @example
 * class SavePredictions extends SQLWrite {
 *   tablename = 'predictions_{day}';
 *   input = MakePredictions.output;
 *   ifExists = 'replace' as const;
 * }
 */
export abstract class SQLWrite extends SQLBase<number> {
  static override requiredAttributes = ['tablename', 'input'];

  /** The table (`name` or `schema.name`); `{keyword}`s are filled. Required. */
  abstract tablename: string;

  /** The rows: a DataFrame or an array of row objects. Required. */
  abstract input: DataFrame | Row[];

  /** When the table exists: `'fail'` (refuse, change nothing), `'append'`, or `'replace'`. @default 'fail' */
  ifExists: IfExists = 'fail';

  async run(): Promise<number> {
    const written = await this.session.write(this.tablename, this.input, this.ifExists, this.callOptions);
    this.recordMetrics({ rows: written });
    return written;
  }
}
