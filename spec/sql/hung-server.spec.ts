/**
 * A server that stops answering while the kernel still holds its connections open (its backend
 * stopped with SIGSTOP): no error, no reset, no keepalive failure, only silence. The client's
 * own deadlines must end the wait: DB_STATEMENT_TIMEOUT_MS for a statement, DB_IDLE_TIMEOUT_MS
 * for a streamed read or a load. Each spec resumes and terminates the backends it stopped.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ResourceError, SQLSession, type SqlSession } from '../../lib';
import { admin, until } from '../support/pg-admin';
import { showExit, startJob, type JobResult } from '../support/job';
import { freshPostgresDsn, PG_PASSWORD } from '../support/sql-hooks';
import { failure } from '../helpers';

/** Backends stopped by a spec, resumed and terminated after it whatever happened. */
const stopped = new Set<number>();

function stop(pid: number): void {
  process.kill(pid, 'SIGSTOP');
  stopped.add(pid);
}

function resume(pid: number): void {
  stopped.delete(pid);
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // Gone already.
  }
}

async function resumeAll(dsn: string | undefined): Promise<void> {
  const pids = [...stopped];
  for (const pid of pids) resume(pid);
  if (dsn) for (const pid of pids) await admin(dsn, 'select pg_terminate_backend(?)', [pid]).catch(() => undefined);
}

function withApp(dsn: string, app: string): string {
  return `${dsn}${dsn.includes('?') ? '&' : '?'}application_name=${app}`;
}

/** The backends of one job (found by the application_name its DSN sets). */
async function backends(dsn: string, app: string): Promise<Array<{ pid: number; query: string; state: string }>> {
  return admin(dsn, 'select pid, query, state from pg_stat_activity where application_name = ?', [app]);
}

/** The pid of the job's backend once it runs a statement matching `pattern`. */
async function busyBackend(dsn: string, app: string, pattern: RegExp): Promise<number> {
  let pid = 0;
  await until(`the job runs ${String(pattern)}`, async () => {
    const busy = (await backends(dsn, app)).find((b) => b.state === 'active' && pattern.test(b.query));
    pid = busy?.pid ?? 0;
    return busy !== undefined;
  }, 30_000);
  return pid;
}

function expectFailedWithin(result: JobResult, withinMs: number): void {
  showExit(result);
  expect(result.killed, `the job was still alive after the limit:\n${result.stdout}\n${result.stderr}`).to.equal(false);
  expect(result.code, result.stderr).to.equal(1);
  expect(result.ms).to.be.below(withinMs);
  expect(result.stdout + result.stderr).not.to.contain(PG_PASSWORD);
}

describe('a server that stops answering (backend stopped with SIGSTOP)', function () {
  this.timeout(90_000);

  describe('a job whose query hangs, with BIGRAYS_DB_STATEMENT_TIMEOUT_MS', () => {
    let dsn: string;
    let result: JobResult;
    let pid: number;
    const app = 'bigrays_hung_query';

    before(async function () {
      dsn = await freshPostgresDsn();
      const job = startJob('hung-query', { BIGRAYS_DB_DSN: withApp(dsn, app), BIGRAYS_DB_STATEMENT_TIMEOUT_MS: '2500' }, 60_000);
      pid = await busyBackend(dsn, app, /hung-query/);
      stop(pid);
      job.markFault();
      result = await job.exited;
    });

    after(async () => {
      await resumeAll(dsn);
    });

    it('should exit 1 within the statement timeout and a margin, naming BIGRAYS_DB_STATEMENT_TIMEOUT_MS and its value', () => {
      expectFailedWithin(result, 30_000);
      expect(result.stderr).to.match(/ResourceError: Read: the connection to 127\.0\.0\.1:\d+\/bigrays_\w+ was lost \(no answer from the server\)/);
      expect(result.stderr).to.contain('2500 ms, set by BIGRAYS_DB_STATEMENT_TIMEOUT_MS');
    });

    it('should have dropped its connection: resumed, the backend finds it gone and ends', async () => {
      expect(result.killed, 'the job did not end by itself').to.equal(false);
      resume(pid);
      await until('the backend is gone', async () => (await backends(dsn, app)).length === 0);
    });
  });

  describe('a streamed export (SQLStream → ToCSV) stopped mid-stream, with BIGRAYS_DB_IDLE_TIMEOUT_MS', () => {
    let dsn: string;
    let result: JobResult;
    const app = 'bigrays_hung_export';
    const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-hung-'));

    before(async function () {
      dsn = await freshPostgresDsn();
      const job = startJob(
        'stream-export',
        { BIGRAYS_DB_DSN: withApp(dsn, app), FAULT_CSV: path.join(dir, 'export.csv'), BIGRAYS_DB_IDLE_TIMEOUT_MS: '2000' },
        60_000,
      );
      await job.printed(/streaming/);
      await until('the export is under way', () => readdirSync(dir).some((f) => statSync(path.join(dir, f)).size > 200_000), 30_000);
      const [backend] = await backends(dsn, app);
      stop(backend.pid);
      job.markFault();
      result = await job.exited;
    });

    after(async () => {
      await resumeAll(dsn);
      rmSync(dir, { recursive: true, force: true });
    });

    it('should exit 1 within the idle timeout and a margin, naming BIGRAYS_DB_IDLE_TIMEOUT_MS', () => {
      expectFailedWithin(result, 30_000);
      expect(result.stderr).to.match(/Export: the connection to 127\.0\.0\.1:\d+\/bigrays_\w+ was lost \(no answer from the server\)/);
      expect(result.stderr).to.contain('2000 ms, set by BIGRAYS_DB_IDLE_TIMEOUT_MS');
    });

    it('should leave no CSV file, partial or temporary', () => {
      expect(readdirSync(dir)).to.deep.equal([]);
    });
  });

  describe('a load (SQLWrite, COPY FROM) stopped mid-load, with BIGRAYS_DB_IDLE_TIMEOUT_MS', () => {
    let dsn: string;
    let result: JobResult;
    let pid: number;
    const app = 'bigrays_hung_load';

    before(async function () {
      dsn = await freshPostgresDsn();
      await admin(dsn, "create table loaded (id bigint, what text); insert into loaded values (0, 'before the load')");
      const job = startJob('hung-load', { BIGRAYS_DB_DSN: withApp(dsn, app), BIGRAYS_DB_IDLE_TIMEOUT_MS: '2000' }, 60_000);
      await job.printed(/loading/);
      pid = await busyBackend(dsn, app, /^COPY/);
      // Rows on their way: the load is under way, not starting.
      await until('the server has taken rows of the load', async () => {
        const [progress] = await admin(dsn, 'select tuples_processed from pg_stat_progress_copy where pid = ?', [pid]);
        return Number(progress?.tuples_processed ?? 0) > 0;
      }, 30_000);
      stop(pid);
      job.markFault();
      result = await job.exited;
    });

    after(async () => {
      await resumeAll(dsn);
    });

    it('should exit 1 within the idle timeout and a margin, naming BIGRAYS_DB_IDLE_TIMEOUT_MS', () => {
      expectFailedWithin(result, 30_000);
      expect(result.stderr).to.match(/Load: the connection to 127\.0\.0\.1:\d+\/bigrays_\w+ was lost \(no answer from the server\)/);
      expect(result.stderr).to.contain('2000 ms, set by BIGRAYS_DB_IDLE_TIMEOUT_MS');
    });

    it('should leave the table as it was once the server runs again', async () => {
      expect(result.killed, 'the job did not end by itself').to.equal(false);
      resume(pid);
      await until('the backend is gone', async () => (await backends(dsn, app)).length === 0);
      expect(await admin(dsn, 'select id, what from loaded')).to.deep.equal([{ id: 0, what: 'before the load' }]);
    });
  });

  describe('on a session of the spec', () => {
    let dsn: string;
    const resource = new SQLSession();

    before(async () => {
      dsn = await freshPostgresDsn();
    });

    afterEach(async () => {
      await resumeAll(dsn);
    });

    async function ownBackend(session: SqlSession): Promise<number> {
      return Number((await session.query('select pg_backend_pid() as pid')).rows[0][0]);
    }

    it('should fail a hung query after DB_STATEMENT_TIMEOUT_MS and a margin, then refuse the lost session, and close at once', async () => {
      const session = await resource.open({ DB_DSN: dsn, DB_STATEMENT_TIMEOUT_MS: '1500' });
      try {
        const pid = await ownBackend(session);
        const started = Date.now();
        const query = session.query('select pg_sleep(60)', undefined, { taskName: 'Slow' });
        await until('the server runs the query', async () => {
          const [backend] = await admin<{ state: string; query: string }>(dsn, 'select state, query from pg_stat_activity where pid = ?', [pid]);
          return backend?.state === 'active' && /pg_sleep/.test(backend.query);
        });
        stop(pid);
        const error = await failure<Error>(query);
        console.log(`      (failed ${Date.now() - started} ms after the query started)`);
        expect(error).to.be.instanceOf(ResourceError);
        expect(error.message).to.match(/^Slow: the connection to 127\.0\.0\.1:\d+\/bigrays_\w+ was lost \(no answer from the server\)/);
        expect(error.message).to.contain('1500 ms, set by BIGRAYS_DB_STATEMENT_TIMEOUT_MS');
        expect(Date.now() - started).to.be.below(15_000);
        const next = await failure<Error>(session.query('select 1', undefined, { taskName: 'Next' }));
        expect(next).to.be.instanceOf(ResourceError);
        expect(next.message).to.match(/^Next: the SQL session's connection to .* was lost earlier \(no answer from the server\), and with it its temp tables/);
      } finally {
        const closing = Date.now();
        await resource.close(session);
        expect(Date.now() - closing).to.be.below(5_000);
      }
    });

    it('should fail a COPY TO reader whose server goes silent after DB_IDLE_TIMEOUT_MS', async () => {
      const session = await resource.open({ DB_DSN: dsn, DB_IDLE_TIMEOUT_MS: '1500' });
      try {
        const pid = await ownBackend(session);
        const copy = await session.copyCsv(
          "select a.g, b.g, repeat('x', 200) from generate_series(1, 100000) a(g) cross join generate_series(1, 1000) b(g)",
          { taskName: 'Copy' },
        );
        let bytes = 0;
        let stoppedAt = 0;
        const error = await failure<Error>(
          (async () => {
            for await (const chunk of copy) {
              bytes += (chunk as Buffer).length;
              if (!stoppedAt && bytes > 1_000_000) {
                stop(pid);
                stoppedAt = Date.now();
              }
            }
          })(),
        );
        expect(stoppedAt, `the COPY ended before the backend was stopped: ${error.message}`).to.be.above(0);
        console.log(`      (failed ${Date.now() - stoppedAt} ms after the backend was stopped)`);
        expect(error.message).to.match(/^Copy: the connection to .* was lost \(no answer from the server\)/);
        expect(error.message).to.contain('1500 ms, set by BIGRAYS_DB_IDLE_TIMEOUT_MS');
        expect(Date.now() - stoppedAt).to.be.below(15_000);
      } finally {
        await resource.close(session);
      }
    });

    it('should not count the time a load waits on its input as the server\'s silence (DB_IDLE_TIMEOUT_MS)', async () => {
      const session = await resource.open({ DB_DSN: dsn, DB_IDLE_TIMEOUT_MS: '1000' });
      try {
        // A slow source: a pause of 3 idle timeouts while sampling the types, and again while loading.
        async function* slow(): AsyncGenerator<unknown[]> {
          for (let i = 1; i <= 3000; i++) {
            if (i === 500 || i === 2000) await sleep(2_000);
            yield [i, `row ${i}`];
          }
        }
        const written = await session.write('slow_input', { columns: ['id', 'memo'], rows: slow() }, 'fail', { taskName: 'Load' });
        expect(written).to.equal(3000);
        expect(session.lost).to.equal(false);
        expect(await admin(dsn, 'select count(*)::int as n, sum(id)::int as s from slow_input')).to.deep.equal([{ n: 3000, s: 4_501_500 }]);
      } finally {
        await resource.close(session);
      }
    });
  });
});
