/**
 * `SQLStream`: a query whose rows are read later, by the task that takes them as input, as
 * they arrive, so a result of any size streams from the database to S3 or a file.
 */
import { SqlRows, type SqlRowsSource } from '../data/sql-rows';
import { shown } from '../messages';
import { activeContext } from '../output';
import { holdResource } from '../resources/resource';
import type { SqlParams } from '../resources/sql/session';
import { checkAttributes } from './attributes';
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
 * `COPY (query) TO STDOUT WITH (FORMAT csv, HEADER)`, byte for byte. COPY takes no bound
 * parameters: with `params`, the rows are read one by one and written by bigrays' CSV writer.
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

  /** Checked before the run (and again when it starts): `batchSize`. */
  override attributeProblems(): string[] {
    const { batchSize } = this;
    return Number.isInteger(batchSize) && batchSize >= 1 ? [] : [`batchSize must be a positive integer, got ${shown(batchSize)}`];
  }

  run(): SqlRows {
    checkAttributes(this);
    const { batchSize } = this;
    const session = this.session;
    const { query, params, taskName } = this;
    const hold = holdResource(activeContext(), this.requiredResource, taskName);
    let closed = false;
    const source: SqlRowsSource = {
      session,
      query: { sql: query, params },
      open: async (reader) => session.stream(query, params, { batchSize, signal: reader.signal, taskName: reader.taskName }),
      copyCsv: async (reader) => {
        if (!session.canCopyCsv || (params !== undefined && params !== null)) return undefined;
        const stream = await session.copyCsv(query, { signal: reader.signal, taskName: reader.taskName });
        return { stream, rows: () => stream.rowCount };
      },
      done: async () => {
        closed = true;
        await hold?.release();
      },
      unavailable: () => {
        if (hold && !hold.active && !closed) return 'its SQL session was closed when the run ended';
        if (session.lost) return 'its SQL session\'s connection was lost';
        return undefined;
      },
    };
    this.log('the query runs when %s.output is read', taskName);
    return new SqlRows(taskName, source);
  }
}
