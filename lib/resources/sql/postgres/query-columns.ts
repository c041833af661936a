/**
 * A query's result on a `pg` connection read straight into columns (`FrameColumns`): from the
 * server's CSV when COPY can run the query (csv-columns.ts), else each row the server sends is
 * parsed (pg's own parsers, bigrays' types) and put in the columns; no array of rows is kept. Several statements run as one query give the last result that has
 * columns, as `query` does.
 */
import { FrameColumns } from '../../../data/frame-columns';
import type { TextSpill } from '../../../data/text-spill';
import { CopyOut } from './copy-out';
import { CsvColumns } from './csv-columns';
import { copyTakes, describeQuery } from './describe';
import { lastWithFields, type PgField, type PgResult } from './results';

/** The parts of pg's `Query` and `Result` this reads. */
interface PgRowResult extends PgResult {
  parseRow(fields: unknown[]): unknown[];
}

interface PgQuery {
  _result: PgRowResult;
  _canceledDueToError: unknown;
  handleRowDescription(message: { fields: PgField[] }): void;
}

type PgQueryClass = new (config: { text: string; values?: unknown[]; rowMode: 'array' }, values: undefined, callback: (error: Error | null, results: PgResult | PgResult[]) => void) => PgQuery;

/** pg's Query, reading its rows into columns instead of a result's array of rows. */
type ColumnsQueryClass = new (text: string, values: unknown[] | undefined, spill: TextSpill | undefined, done: (error: Error | null, columns?: FrameColumns) => void) => PgQuery;

function columnsQueryClass(): ColumnsQueryClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Query } = require('pg') as { Query: PgQueryClass };
  return class ColumnsQuery extends Query {
    /** The columns of each result that has a row description. */
    private readonly read = new Map<PgResult, FrameColumns>();
    private current: FrameColumns | undefined;

    constructor(text: string, values: unknown[] | undefined, private readonly spill: TextSpill | undefined, done: (error: Error | null, columns?: FrameColumns) => void) {
      super({ text, values, rowMode: 'array' }, undefined, (error, results) => {
        if (error) return done(error);
        const last = lastWithFields(results);
        let columns: FrameColumns;
        try {
          columns = (this.read.get(last) ?? new FrameColumns((last.fields ?? []).map((f) => f.name))).finish();
        } catch (failure) {
          return done(failure as Error);
        }
        done(null, columns);
      });
    }

    override handleRowDescription(message: { fields: PgField[] }): void {
      super.handleRowDescription(message);
      this.current = new FrameColumns(message.fields.map((f) => f.name), this.spill);
      this.read.set(this._result, this.current);
    }

    handleDataRow(message: { fields: unknown[] }): void {
      if (this._canceledDueToError) return;
      try {
        // A row that cannot be parsed, or text that cannot be spilled (a full disk): the query fails with it.
        (this.current as FrameColumns).push(this._result.parseRow(message.fields));
      } catch (error) {
        this._canceledDueToError = error;
      }
    }
  };
}

/** Words of a statement that COPY may not run as the query would (writes, locks, SELECT INTO): it keeps the row path. */
const NOT_A_READ = /\b(?:insert|update|delete|merge|into|share|lock)\b/i;

/** The query as `COPY (…)` can read it (one SELECT, WITH, VALUES or TABLE, its last `;` taken off), or undefined. */
function copyQuery(sql: string): string | undefined {
  const text = sql.replace(/[\s;]+$/, '');
  return copyTakes(text) && !text.includes(';') && !NOT_A_READ.test(text) ? text : undefined;
}

/** The rows of `sql` (its columns `fields`) read from the server's CSV (`COPY … TO STDOUT`). */
function copyColumns(client: unknown, sql: string, fields: readonly PgField[], spill: TextSpill | undefined): Promise<FrameColumns> {
  return new Promise((resolve, reject) => {
    const reader = new CsvColumns(fields, spill);
    // The line break ends a trailing `-- comment` before the closing parenthesis.
    const copy = new CopyOut(`COPY (${sql}\n) TO STDOUT WITH (FORMAT csv)`);
    // Bytes that cannot be read (text that cannot be spilled: a full disk): the rest is read to the end, then the query fails with it.
    let failure: Error | undefined;
    copy.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        reader.write(chunk);
      } catch (error) {
        failure = error as Error;
      }
    });
    copy.on('error', reject);
    copy.on('end', () => {
      try {
        if (failure !== undefined) throw failure;
        resolve(reader.end());
      } catch (error) {
        reject(error as Error);
      }
    });
    (client as { query(query: unknown): unknown }).query(copy);
  });
}

/**
 * Runs `sql` on a `pg` client: its last result with columns, as columns. One query without bound
 * values that COPY can run is read from the server's CSV, its columns' types described first;
 * any other by its rows.
 */
export async function queryColumns(client: unknown, sql: string, bindings: readonly unknown[], spill?: TextSpill): Promise<FrameColumns> {
  const copied = bindings.length === 0 ? copyQuery(sql) : undefined;
  if (copied !== undefined) {
    const fields = await describeQuery(client, copied);
    if (fields !== undefined && fields.length > 0) return copyColumns(client, copied, fields, spill);
  }
  return queryRowColumns(client, sql, bindings, spill);
}

/** Runs `sql` on a `pg` client by its rows (pg's row parsing): its last result with columns, as columns. */
export function queryRowColumns(client: unknown, sql: string, bindings: readonly unknown[], spill?: TextSpill): Promise<FrameColumns> {
  const ColumnsQuery = columnsQueryClass();
  return new Promise((resolve, reject) => {
    const query = new ColumnsQuery(sql, bindings.length > 0 ? [...bindings] : undefined, spill, (error, columns) => (error ? reject(error) : resolve(columns as FrameColumns)));
    (client as { query(query: unknown): unknown }).query(query);
  });
}
