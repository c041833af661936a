import type { DataFrame } from '../data/danfo';
import { setValue, type Row } from '../data/frame';
import { IF_EXISTS, type IfExists } from '../resources/sql/write';
import { isOneShot } from '../data/payload';
import { isSqlRows, type SqlRows } from '../data/sql-rows';
import { SQLBase } from './sql-task';

/** A streamed input: column names and rows (arrays in column order, or row objects), read once. */
export interface StreamedRows {
  columns: string[];
  rows: AsyncIterable<unknown[]> | AsyncIterable<Row>;
}

/**
 * Rows read on the session that is to write them: that one connection cannot read and load at
 * once, so they are read to the end first, as row objects.
 */
async function rowObjects(input: SqlRows): Promise<Row[]> {
  const { columns, rows } = await input.open();
  const objects: Row[] = [];
  for await (const values of rows) {
    const row: Row = {};
    for (let i = 0; i < columns.length; i++) setValue(row, columns[i], values[i]);
    objects.push(row);
  }
  return objects;
}

/**
 * Writes `input` (a DataFrame, row objects, or a streamed input such as `SqlRows` or FromS3's
 * csv output) to `tablename` in ONE transaction: a bad row leaves the table as it was. Loads
 * through `COPY … FROM STDIN` on PostgreSQL, one prepared INSERT on SQLite, a bulk load on SQL
 * Server; a streamed input is read as it is loaded, never held whole. Creates the table when
 * missing, with the types of `columnTypes`, the others inferred from the data (a streamed
 * input's from its first 1000 rows). Outputs the number of rows written.
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

  /** The table (`name` or `schema.name`); `{keyword}`s are filled, `{kw!i}` as a quoted name. Required. */
  abstract tablename: string;

  /** The rows: a DataFrame, an array of row objects, an SQLStream's `SqlRows`, or a streamed input `{ columns, rows }`. Required. */
  abstract input: DataFrame | Row[] | SqlRows | StreamedRows;

  /**
   * SQL column types by column name for a table this task creates (`{ id: 'bigint', amount: 'numeric(12,2)' }`);
   * columns not named get a type inferred from the data. Ignored when appending to an existing table.
   * @default {} (every type inferred)
   */
  columnTypes: Record<string, string> = {};

  /** When the table exists: `'fail'` (refuse, change nothing), `'append'`, or `'replace'`. @default 'fail' */
  ifExists: IfExists = 'fail';

  /** Checked before the run: `ifExists` and `columnTypes`. */
  override attributeProblems(): string[] {
    const problems: string[] = [];
    if (!IF_EXISTS.includes(this.ifExists)) {
      const got = typeof this.ifExists === 'string' ? JSON.stringify(this.ifExists) : String(this.ifExists);
      problems.push(`ifExists must be one of ${IF_EXISTS.map((v) => `'${v}'`).join(', ')}, got ${got} ('replace' drops and recreates the table)`);
    }
    const types: unknown = this.columnTypes;
    if (types === null || typeof types !== 'object' || Array.isArray(types) || Object.values(types).some((t) => typeof t !== 'string' || t === '')) {
      problems.push('columnTypes must be an object of SQL type names by column, such as { id: \'bigint\' }');
    }
    return problems;
  }

  /** The input as the session writes it: an SQLStream's rows streamed, unless they are read on this very session. */
  private async source(): Promise<unknown> {
    const input: unknown = this.input;
    if (!isSqlRows(input)) return input;
    if (input.readsOn(this.session)) return rowObjects(input);
    const { columns, rows } = await input.open();
    return { columns, rows };
  }

  async run(): Promise<number> {
    const input = await this.source();
    const written = await this.session.write(this.tablename, input, this.ifExists, { ...this.callOptions, columnTypes: this.columnTypes });
    this.recordMetrics({ rows: written });
    return written;
  }

  /** A streamed input cannot be read twice: such a write is not tried again. */
  override canRetry(error: unknown): boolean {
    return !isOneShot(this.input) && super.canRetry(error);
  }
}
