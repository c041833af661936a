/**
 * `SQLStream`: a query whose rows are read later, by the task that takes them as input, as
 * they arrive, so a result of any size streams from the database to S3 or a file.
 */
import { SqlRows, type RowsReader, type SqlRowsQuery, type SqlRowsSource } from '../data/sql-rows';
import type { SqlQuoting } from '../format';
import { shown } from '../messages';
import { activeContext } from '../output';
import { holdResource } from '../resources/resource';
import type { SqlParams } from '../resources/sql/session';
import { checkAttributes } from './attributes';
import { incrementalProblems, markIncremental, SINCE, type Incremental } from './incremental';
import { IncrementalRead } from './incremental-read';
import type { TrackedRows } from './incremental-rows';
import { SQLBase } from './sql-task';

/** Rows fetched per round trip when the rows are read one by one (not through COPY). */
const DEFAULT_BATCH_SIZE = 5000;

/**
 * Outputs `SqlRows`: the rows of `query` as a lazy, single-use stream. It runs nothing itself;
 * the query runs when a later task reads its output, as `input` of `ToS3`, `ToCSV` or
 * `SQLWrite`, or with `for await (const row of rows)` in a custom task. The SQL session stays
 * open while the rows are unread, even while tasks that need other resources run in between,
 * and closes once they are read to the end, when their reader fails, or when the run ends.
 *
 * On PostgreSQL, CSV of these rows (ToS3, ToCSV) is written by the server itself through
 * `COPY (query) TO STDOUT WITH (FORMAT csv, HEADER)`, byte for byte; JSON lines are built from
 * the same COPY's text and the query's column types (described first, not run). COPY takes no
 * bound parameters: with `params`, the rows are read one by one and written by bigrays' writers.
 * Read by an `SQLWrite` on the same session, the rows are written on the server
 * (`INSERT … SELECT`, `params` bound), never read by bigrays.
 *
 * @example
 * class Events extends SQLStream { query = 'select * from events where day = {day!q}'; }
 * class Upload extends ToS3 { input = Events.output; bucket = 'exports'; key = 'events/{day}.csv'; }
 */
export abstract class SQLStream extends SQLBase<SqlRows> {
  static override requiredAttributes = ['query'];

  /** The SQL; `{keyword}` placeholders are filled before it runs (`{kw!q}` a string literal, `{kw!i}` a quoted name). Required. */
  abstract query: string;

  /** Bound values: `{ day }` for `:day`, or an array for `?`. On PostgreSQL, CSV is then not written by COPY. @default none */
  params?: SqlParams;

  /** Rows fetched per round trip when rows are read one by one. @default 5000 */
  batchSize = DEFAULT_BATCH_SIZE;

  /**
   * Reads only the rows past those read before: `{ column: 'id' }` keeps the largest `id` read
   * in the job's state, and the next run reads the rows above it (`{since}` in the query, or
   * the query wrapped). The rows are then read one by one by bigrays (not through COPY, nor
   * `INSERT … SELECT`). `--dry-run` shows `{since}` as written: it reads no state. @default none
   */
  incremental?: Incremental;

  /** Checked before the run (and again when it starts): `batchSize`, `incremental`. */
  override attributeProblems(): string[] {
    const { batchSize } = this;
    const problems = Number.isInteger(batchSize) && batchSize >= 1 ? [] : [`batchSize must be a positive integer, got ${shown(batchSize)}`];
    return [...problems, ...incrementalProblems(this, this.sqlQuoting('query')?.engine)];
  }

  /** `{since}` in an incremental query is bigrays' own: the runner leaves it for the task to fill. */
  override lateKeywords(attribute: string): readonly string[] {
    return attribute === 'query' && this.incremental !== undefined && this.incremental !== null ? [SINCE] : [];
  }

  run(): SqlRows | Promise<SqlRows> {
    checkAttributes(this);
    if (this.incremental !== undefined && this.incremental !== null) return this.runIncremental();
    const { batchSize, query, params } = this;
    const session = this.session;
    return this.rowsOf({ sql: query, params }, {
      open: async (reader) => session.stream(query, params, { batchSize, signal: reader.signal, taskName: reader.taskName }),
      copyCsv: async (reader) => {
        if (!session.canCopyCsv || (params !== undefined && params !== null)) return undefined;
        const stream = await session.copyCsv(query, { signal: reader.signal, taskName: reader.taskName });
        return { stream, rows: () => stream.rowCount };
      },
      copyTyped: async (reader) => {
        if (!session.canCopyCsv || (params !== undefined && params !== null)) return undefined;
        const options = { signal: reader.signal, taskName: reader.taskName };
        const columns = await session.describe(query, options);
        if (!columns || columns.length === 0) return undefined;
        const stream = await session.copyCsv(query, options);
        return { stream, columns, rows: () => stream.rowCount };
      },
    });
  }

  /** The rows of the query, read by `open` (or `copyCsv`) on the task's session, held open until they are read. */
  private rowsOf(
    query: SqlRowsQuery | undefined,
    read: Pick<SqlRowsSource, 'open' | 'copyCsv' | 'copyTyped'> & { done?(): Promise<void> },
    text = query?.sql,
  ): SqlRows {
    const { taskName } = this;
    const session = this.session;
    const hold = holdResource(activeContext(), this.requiredResource, taskName);
    let closed = false;
    this.log('the query runs when %s.output is read', taskName);
    return new SqlRows(taskName, {
      session,
      query,
      text,
      open: read.open,
      copyCsv: read.copyCsv,
      copyTyped: read.copyTyped,
      done: async () => {
        closed = true;
        await read.done?.();
        await hold?.release();
      },
      unavailable: () => {
        if (hold && !hold.active && !closed) return 'its SQL session was closed when the run ended';
        if (session.lost) return 'its SQL session\'s connection was lost';
        return undefined;
      },
    });
  }

  /**
   * The rows past the job's cursor, read one by one (never through COPY nor loaded on the
   * server) so that the largest value of the column is seen, and staged as the new cursor, as
   * they pass. A writer that asks whether there are any starts the query and reads ahead.
   */
  private async runIncremental(): Promise<SqlRows> {
    const { batchSize, taskName } = this;
    const session = this.session;
    const read = await IncrementalRead.start(this, activeContext(), this.log);
    const { sql, params } = read.query(this.sqlQuoting('query') as SqlQuoting);
    let opened: Promise<TrackedRows> | undefined;
    const openOnce = (reader: RowsReader): Promise<TrackedRows> => {
      const options = { signal: reader.signal, taskName: reader.taskName };
      opened ??= session.stream(sql, params, { ...options, batchSize }).then(
        async (stream) => {
          try {
            return read.track(stream);
          } catch (error) {
            await stream.release();
            throw error;
          }
        },
        async (error: unknown) => {
          throw await read.explain(error, session, options);
        },
      );
      return opened;
    };
    const rows = this.rowsOf(undefined, {
      open: async (reader) => (await openOnce(reader)).asStream(),
      copyCsv: async () => undefined,
      done: async () => (await opened?.catch(() => undefined))?.asStream().release(),
    }, sql);
    const readerNow = (): RowsReader => {
      const context = activeContext();
      return { taskName: context?.current?.name ?? taskName, signal: context?.taskSignal };
    };
    const hasRows = async (): Promise<boolean> => (await openOnce(readerNow())).hasRows();
    return markIncremental(rows, read.mark(hasRows, () => rows.release()));
  }
}
