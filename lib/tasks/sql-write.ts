import type { DataFrame } from '../data/danfo';
import type { Row } from '../data/frame';
import { IF_EXISTS, isStreamedRows, type IfExists } from '../resources/sql/write';
import { isOneShot } from '../data/payload';
import { isSqlRows, type SqlRows } from '../data/sql-rows';
import type { SqlParams, SqlSession, WriteCallOptions } from '../resources/sql/session';
import { SQLBase } from './sql-task';
import { TaskError } from '../errors';
import { shown, taskMessage } from '../messages';
import { lockedByReader, otherSessionTemp, releaseInput, secondSessionBar } from './second-session';
import { mergeProblems } from './sql-write-merge';
import type { Dedupe } from '../resources/sql/merge';

/** A streamed input: column names and rows (arrays in column order, or row objects), read once. */
export interface StreamedRows {
  columns: string[];
  rows: AsyncIterable<unknown[]> | AsyncIterable<Row>;
}

/** The rows of an SQLStream as a streamed input, read as they are loaded. */
async function streamed(input: SqlRows): Promise<{ columns: string[]; rows: AsyncIterable<unknown[]> }> {
  const { columns, rows } = await input.open();
  return { columns, rows };
}

/**
 * Writes `input` (a DataFrame, row objects, or a streamed input such as `SqlRows` or FromS3's
 * csv output) to `tablename` in ONE transaction: a bad row leaves the table as it was. Loads
 * through `COPY … FROM STDIN` on PostgreSQL, one prepared INSERT on SQLite, a bulk load on SQL
 * Server; a streamed input is read as it is loaded, never held whole. Creates the table when
 * missing, with the types of `columnTypes`, the others inferred from the data (a streamed
 * input's from its first 1000 rows). Outputs the number of rows written.
 *
 * The unread rows of an `SQLStream` on the same session (the same database and config) are
 * written on the server, `INSERT INTO tablename (columns) query`, moving no data; a table it
 * creates takes the query's column types. Rows the session is busy reading otherwise are
 * loaded on a second session of the same config as they are read; it does not see the session's
 * temp tables or settings, so a temp table target or an in-memory SQLite database is refused.
 *
 * `ifExists = 'merge'` with `mergeKeys` stages the rows in a temp table (loaded as above) and
 * updates the table's rows whose keys are staged, inserting the others, in the same one
 * transaction; a NULL key or a key twice (unless `dedupe = 'last'`) changes nothing. With
 * `addColumns`, the input's columns the table lacks are added first (see merge.ts).
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

  /**
   * When the table exists: `'fail'` (refuse, change nothing), `'append'`, `'replace'`, or
   * `'merge'` (rows whose `mergeKeys` exist are updated, the others inserted). @default 'fail'
   */
  ifExists: IfExists = 'fail';

  /**
   * With `ifExists = 'merge'` (required then): the columns that identify a row, such as `['id']`.
   * A table the merge creates gets its primary key on them.
   */
  mergeKeys?: string[];

  /** With `ifExists = 'merge'`: a key that comes twice in one load fails it (`'error'`), or its last row is kept (`'last'`). @default 'error' */
  dedupe: Dedupe = 'error';

  /** With `'append'` or `'merge'`: adds the input's columns the table lacks (types as for a new table, or `columnTypes`). @default false */
  addColumns = false;

  /** Checked before the run: `ifExists`, `columnTypes`, and the merge's attributes. */
  override attributeProblems(): string[] {
    const problems: string[] = [];
    if (!IF_EXISTS.includes(this.ifExists)) {
      problems.push(`ifExists must be one of ${IF_EXISTS.map((v) => `'${v}'`).join(', ')}, got ${shown(this.ifExists)} ('replace' drops and recreates the table)`);
    }
    problems.push(...mergeProblems(this));
    const types: unknown = this.columnTypes;
    if (types === null || typeof types !== 'object' || Array.isArray(types) || Object.values(types).some((t) => typeof t !== 'string' || t === '')) {
      problems.push('columnTypes must be an object of SQL type names by column, such as { id: \'bigint\' }');
    }
    return problems;
  }

  async run(): Promise<number> {
    const written = await this.load();
    this.recordMetrics({ rows: written });
    return written;
  }

  /**
   * The rows of an SQLStream of this very session, unread, are written on the server
   * (`INSERT … SELECT`), moving no data. Rows this session reads otherwise (it cannot run
   * anything else until they are read) are loaded on a second session as they are read.
   */
  private async load(): Promise<number> {
    const input: unknown = this.input;
    const session = this.session;
    const options: WriteCallOptions = {
      ...this.callOptions,
      columnTypes: this.columnTypes,
      ...(this.ifExists === 'merge' ? { mergeKeys: this.mergeKeys, dedupe: this.dedupe } : {}),
      addColumns: this.addColumns,
    };
    if (isSqlRows(input) && input.readsOn(session)) {
      const onServer = await input.loadOnServer(
        session,
        (query) => session.canWriteQuery(query.sql),
        (query) => {
          this.log('writing %s.output to %s on the server (INSERT … SELECT)', input.taskName, this.tablename);
          return session.writeQuery(this.tablename, query.sql, query.params as SqlParams | undefined, this.ifExists, options);
        },
      );
      if (onServer) return onServer.value;
      // Read already: opening them again says by whom.
      if (!input.consumed) return this.onSecondSession(options, input);
    }
    // SqlRows given up or read already: opening them says so.
    if (session.busy && !isSqlRows(input) && isStreamedRows(input)) return this.onSecondSession(options, input);
    return session.write(this.tablename, isSqlRows(input) ? await streamed(input) : input, this.ifExists, options);
  }

  /** Loads rows that the task's session reads on a second session of the same config, opened for it and closed after. */
  private async onSecondSession(options: WriteCallOptions, input: SqlRows | { columns: string[]; rows: AsyncIterable<unknown> }): Promise<number> {
    const resource = this.requiredResource;
    let second: SqlSession | undefined;
    let failed: unknown;
    try {
      this.refuseSecondSession(secondSessionBar(this.sessionSettings(), this.tablename));
      this.log('the rows are read on the open %s: loading them on a second session', resource.name);
      second = await resource.open(this.resolvedConfig);
      this.refuseSecondSession(await otherSessionTemp(second, this.tablename));
      if (this.ifExists === 'replace') this.refuseSecondSession(await lockedByReader(this.session, second, this.tablename));
      return await second.write(this.tablename, isSqlRows(input) ? await streamed(input) : input, this.ifExists, options);
    } catch (error) {
      failed = error;
      // Rows not read to the end (a refusal, a write that failed before reading them) let go of the session's connection.
      await releaseInput(input);
      throw error;
    } finally {
      if (second) await resource.close(second, failed);
    }
  }

  /** Refuses the second session for `why`, saying what to do instead. */
  private refuseSecondSession(why: string | undefined): void {
    if (why === undefined) return;
    throw new TaskError(
      taskMessage(
        this,
        'the SQL session is busy with a stream that was not read to the end, and its rows cannot be loaded ' +
          `on a second session: ${why}. Give SQLWrite the SQLStream's output before any task reads it (it is then written ` +
          'on the server, on the same session), or read the rows in the task that opened them',
      ),
      { taskName: this.taskName },
    );
  }

  /** A streamed input cannot be read twice: such a write is not tried again. */
  override canRetry(error: unknown): boolean {
    return !isOneShot(this.input) && super.canRetry(error);
  }
}
