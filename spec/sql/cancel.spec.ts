/** Cancelling SQL work: an aborted signal or a statement timeout stops the query on the server, at once. */
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bigraysRun, BigraysError, BigraysConfig, register, ResourceError, SQLQuery, SQLSession, type SqlSession,
} from '../../lib';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';

/** The time `work` took to settle, and its error (it must fail). */
async function failure(work: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  try {
    await work;
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
  throw new Error('expected the work to fail');
}

describe('cancelling SQL work', function () {
  this.timeout(30_000);

  describe('on PostgreSQL', () => {
    let dsn: string;
    let session: SqlSession;
    const resource = new SQLSession();

    before(async () => {
      dsn = await freshPostgresDsn();
    });

    beforeEach(async () => {
      session = await resource.open({ DB_DSN: dsn });
    });

    afterEach(async () => {
      await resource.close(session);
    });

    /** The statements matching `pattern` that run on the server now. */
    async function running(pattern: string): Promise<unknown[][]> {
      const other = await resource.open({ DB_DSN: dsn });
      try {
        const table = await other.query(
          "select pid, query from pg_stat_activity where state = 'active' and query like :pattern and pid <> pg_backend_pid()",
          { pattern },
        );
        return table.rows;
      } finally {
        await resource.close(other);
      }
    }

    it('should reject a query promptly when its signal aborts, and cancel it on the server', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('stop: the job was interrupted')), 300);
      const { error, ms } = await failure(session.query('select pg_sleep(10) /* abort-me */', undefined, { signal: controller.signal }));
      console.log(`      (rejected ${ms} ms after the query started; abort at 300 ms)`);
      expect(error.message).to.equal('stop: the job was interrupted');
      // pg_sleep(10) would run 10 s: half that, on a busy machine, still shows the abort.
      expect(ms).to.be.below(5_000);
      await sleep(200);
      expect(await running('%abort-me%')).to.deep.equal([]);
      // The session lives on: the next query waits for the cancelled one, then runs.
      expect((await session.query('select 1 as one')).rows).to.deep.equal([[1]]);
    });

    it('should say the query was aborted when the signal gives no Error as reason', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort('deadline'), 100);
      const { error } = await failure(session.query('select pg_sleep(10)', undefined, { signal: controller.signal, taskName: 'Slow' }));
      expect(error.message).to.equal('the query was aborted: deadline');
    });

    it('should fail a stream being read promptly when its signal aborts, and end the query on the server', async () => {
      const controller = new AbortController();
      const stream = await session.stream(
        'select g, md5(g::text) from (select generate_series(1, 50000000) as g) s /* stream-abort-me */',
        undefined,
        { batchSize: 1000, signal: controller.signal },
      );
      let read = 0;
      let abortedAt = 0;
      const { error } = await failure(
        (async () => {
          for await (const _row of stream.rows) {
            read += 1;
            if (read === 5000) {
              abortedAt = Date.now();
              controller.abort();
            }
          }
        })(),
      );
      const ms = Date.now() - abortedAt;
      console.log(`      (the reader failed ${ms} ms after the abort, having read ${read} rows)`);
      expect(error.message).to.match(/aborted/);
      expect(ms).to.be.below(5_000);
      expect(read).to.be.below(10_000);
      await sleep(200);
      expect(await running('%stream-abort-me%')).to.deep.equal([]);
    });

    it('should fail a running query with a ResourceError when the connection is lost, and every later one, never reconnecting', async () => {
      const other = await resource.open({ DB_DSN: dsn });
      try {
        const [[pid]] = (await session.query('select pg_backend_pid()')).rows as number[][];
        const sleeping = failure(session.query('select pg_sleep(10)', undefined, { taskName: 'Sleeper' }));
        await sleep(200);
        await other.query('select pg_terminate_backend(:pid)', { pid });
        const { error, ms } = await sleeping;
        expect(error).to.be.instanceOf(ResourceError);
        expect(error.message).to.match(/^Sleeper: the connection to 127\.0\.0\.1:\d+\/bigrays_\w+ was lost \(terminated by the server\)/);
        expect(ms).to.be.below(5_000);
        expect(session.lost).to.equal(true);
        const next = await failure(session.execute('create temp table t (x int)', undefined, { taskName: 'Next' }));
        expect(next.error).to.be.instanceOf(ResourceError);
        expect(next.error.message).to.match(/^Next: the SQL session's connection to .* was lost earlier .* temp tables and session settings/);
        // No reconnect attempt: no connect, no round trip.
        expect(next.ms).to.be.below(2_000);
      } finally {
        await resource.close(other);
      }
    });

    it('should refuse to start with a signal that aborted already', async () => {
      const { error, ms } = await failure(session.query('select 1', undefined, { signal: AbortSignal.abort() }));
      expect(error.message).to.match(/aborted/);
      expect(ms).to.be.below(2_000);
    });
  });

  describe('on SQLite', () => {
    let session: SqlSession;
    const resource = new SQLSession();

    beforeEach(async () => {
      session = await resource.open({ DB_DSN: freshSqliteDsn() });
    });

    afterEach(async () => {
      await resource.close(session);
    });

    it('should fail a stream being read between batches when its signal aborts', async () => {
      const controller = new AbortController();
      const stream = await session.stream(
        'with recursive n(i) as (select 1 union all select i + 1 from n where i < 10000000) select i from n',
        undefined,
        { batchSize: 500, signal: controller.signal },
      );
      let read = 0;
      const { error } = await failure(
        (async () => {
          for await (const _row of stream.rows) {
            read += 1;
            if (read === 1200) controller.abort(new Error('interrupted'));
          }
        })(),
      );
      expect(error.message).to.equal('interrupted');
      expect(read).to.be.below(2000);
      // The session is free again.
      expect((await session.query('select 2 as two')).rows).to.deep.equal([[2]]);
    });

    it('should refuse a query whose signal aborted already', async () => {
      const { error } = await failure(session.query('select 1', undefined, { signal: AbortSignal.abort(new Error('too late')) }));
      expect(error.message).to.equal('too late');
    });
  });

  describe('DB_STATEMENT_TIMEOUT_MS', () => {
    it('should cancel a statement that runs longer, naming the setting', async () => {
      const dsn = await freshPostgresDsn();
      BigraysConfig.DB_DSN = dsn;
      BigraysConfig.DB_STATEMENT_TIMEOUT_MS = '1000';
      @register class Sleepy extends SQLQuery { query = 'select pg_sleep(10)'; }
      const started = Date.now();
      const error = (await bigraysRun().then(() => undefined, (e: unknown) => e)) as BigraysError;
      const ms = Date.now() - started;
      console.log(`      (failed after ${(ms / 1000).toFixed(1)} s)`);
      expect(error).to.be.instanceOf(BigraysError);
      // Cancelled at 1 s, not after pg_sleep's 10 s.
      expect(ms).to.be.below(8_000);
      expect((error.errors[0] as Error).message).to.match(
        /canceling statement due to statement timeout \(the statement ran longer than 1000 ms, set by BIGRAYS_DB_STATEMENT_TIMEOUT_MS\)/,
      );
      expect(Sleepy).to.be.a('function');
    });
  });
});
