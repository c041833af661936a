import type { DataFrame } from '../data/danfo';
import type { Row } from '../data/frame';
import type { IfExists } from '../resources/sql/write';
import { isSqlRows, type SqlRows } from '../data/sql-rows';
import { SQLBase } from './sql-task';

/** Streamed rows read to the end, as row objects (the write is one transaction over all of them). */
async function rowObjects(input: SqlRows): Promise<Row[]> {
  const { columns, rows } = await input.open();
  const objects: Row[] = [];
  for await (const values of rows) {
    const row: Row = {};
    for (let i = 0; i < columns.length; i++) Object.defineProperty(row, columns[i], { value: values[i], enumerable: true, writable: true, configurable: true });
    objects.push(row);
  }
  return objects;
}

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

  /** The rows: a DataFrame, an array of row objects, or an SQLStream's `SqlRows`. Required. */
  abstract input: DataFrame | Row[] | SqlRows;

  /** When the table exists: `'fail'` (refuse, change nothing), `'append'`, or `'replace'`. @default 'fail' */
  ifExists: IfExists = 'fail';

  async run(): Promise<number> {
    const input = isSqlRows(this.input) ? await rowObjects(this.input) : this.input;
    const written = await this.session.write(this.tablename, input, this.ifExists, this.callOptions);
    this.recordMetrics({ rows: written });
    return written;
  }
}
