/**
 * `bigrays run --lock`: two runs of one job never overlap. Each case runs the job as a user
 * would, on PostgreSQL (an advisory lock) and on SQLite (a lease in the folder state store).
 */
import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { freshPostgresDsn, freshSqliteDsn, PG_PASSWORD, sqliteLoads } from '../support/sql-hooks';
import { admin } from '../support/pg-admin';
import { killHard, LockJob } from './lock-job';

/** The promise is 1 s from the start of the run; this bound leaves room for a loaded machine. */
const LOCKED_WITHIN_MS = 5000;

interface Backend {
  name: string;
  dsn(): Promise<string>;
  lease: boolean;
}

const BACKENDS: Backend[] = [
  { name: 'PostgreSQL (an advisory lock)', dsn: freshPostgresDsn, lease: false },
  { name: 'SQLite (a lease in the folder state store)', dsn: async () => freshSqliteDsn(), lease: true },
];

for (const backend of BACKENDS) {
  describe(`bigrays run --lock on ${backend.name}`, function () {
    this.timeout(120_000);
    let job: LockJob;
    before(function () {
      if (backend.lease && !sqliteLoads()) this.skip();
    });
    beforeEach(async () => {
      job = await new LockJob(await backend.dsn()).setUp();
    });
    afterEach(() => {
      job.release();
      job.remove();
    });

    it('should refuse a second run with exit 75 naming the holder, and let a third run once the first ended', async () => {
      const first = job.start('first');
      const pid = await job.holding('first', first);
      const second = await job.start('second').finished;
      expect(second.code, second.stderr).to.equal(75);
      expect(second.sinceLoadedMs).to.be.below(LOCKED_WITHIN_MS);
      expect(second.stderr).to.contain(`job ${job.name} is locked`);
      expect(second.stderr).to.contain(`host ${hostname().slice(0, 20)}`);
      expect(second.stderr).to.contain(`pid ${pid},`);
      expect(second.stderr).to.contain('--wait-lock MS');
      expect(second.stderr + second.stdout).not.to.contain(PG_PASSWORD);
      expect(job.started('second')).to.equal(false);

      job.release();
      const firstEnd = await first.finished;
      expect(firstEnd.code, firstEnd.stderr).to.equal(0);
      expect(await job.rows()).to.deep.equal(['first']);
      if (backend.lease) expect(existsSync(job.leaseFile)).to.equal(false);

      const third = await job.start('third').finished;
      expect(third.code, third.stderr).to.equal(0);
      expect(await job.rows()).to.deep.equal(['first', 'third']);
    });

    it('should wait with --wait-lock MS and run once the holder ended', async () => {
      const first = job.start('first');
      await job.holding('first', first);
      const second = job.start('second', ['--wait-lock', '60000']);
      await second.loaded;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(job.started('second'), 'the second run started its tasks while the first held the lock').to.equal(false);
      job.release();
      const [firstEnd, secondEnd] = await Promise.all([first.finished, second.finished]);
      expect(firstEnd.code, firstEnd.stderr).to.equal(0);
      expect(secondEnd.code, secondEnd.stderr).to.equal(0);
      expect(await job.rows()).to.deep.equal(['first', 'second']);
    });

    it('should give up waiting after --wait-lock MS with exit 75', async () => {
      const first = job.start('first');
      const pid = await job.holding('first', first);
      const second = await job.start('second', ['--wait-lock', '1000']).finished;
      expect(second.code, second.stderr).to.equal(75);
      expect(second.stderr).to.contain(`pid ${pid},`);
      expect(second.stderr).to.match(/still held after waiting \d+ ms/);
      expect(second.sinceLoadedMs).to.be.at.least(1000);
      job.release();
      expect((await first.finished).code).to.equal(0);
      expect(await job.rows()).to.deep.equal(['first']);
    });

    it('should stop waiting on SIGINT and exit 130, running none of its tasks', async () => {
      const first = job.start('first');
      await job.holding('first', first);
      const second = job.start('second', ['--wait-lock', '60000']);
      await second.loaded;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      second.spawned.mark();
      second.spawned.child.kill('SIGINT');
      const end = await second.finished;
      expect(end.code, end.stderr).to.equal(130);
      expect(end.sinceMarkMs).to.be.below(10_000);
      expect(job.started('second')).to.equal(false);
      job.release();
      expect((await first.finished).code).to.equal(0);
      expect(await job.rows()).to.deep.equal(['first']);
    });

    it('should take no lock in a dry run', async () => {
      const first = job.start('first');
      await job.holding('first', first);
      const lease = backend.lease ? readFileSync(job.leaseFile, 'utf8') : undefined;
      const dry = await job.start('dry', ['--lock', '--dry-run']).finished;
      expect(dry.code, dry.stderr).to.equal(0);
      expect(dry.stdout).to.contain('Hold');
      if (backend.lease) expect(readFileSync(job.leaseFile, 'utf8')).to.equal(lease);
      job.release();
      expect((await first.finished).code).to.equal(0);
      expect(await job.rows()).to.deep.equal(['first']);
    });

    it('should let go of the lock when the run fails', async () => {
      job.release();
      const failed = await job.start('failed', ['--lock'], { LOCK_SPEC_FAIL: '1' }).finished;
      expect(failed.code, failed.stderr).to.equal(1);
      expect(failed.stdout).to.match(/^Hold\s+failed/m);
      if (backend.lease) expect(existsSync(job.leaseFile)).to.equal(false);
      const next = await job.start('next').finished;
      expect(next.code, next.stderr).to.equal(0);
      expect(await job.rows()).to.deep.equal(['next']);
    });

    if (!backend.lease) {
      it('should stop a run whose advisory lock connection was dropped, and write none of its state', async () => {
        const env = { LOCK_SPEC_STATE: '1' };
        const first = job.start('first', ['--lock'], env);
        await job.holding('first', first);
        const dropped = await admin<{ n: number }>(job.dsn, `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and application_name like 'bigrays lock %'`);
        expect(dropped[0].n).to.equal(1);
        const end = await first.finished;
        expect(end.code, end.stderr).to.equal(1);
        expect(end.stderr).to.contain(`the run lock of job ${job.name} was lost: the connection holding it`);
        expect(end.stderr).to.contain('its state was not written');
        expect(end.stderr + end.stdout).not.to.contain(PG_PASSWORD);
        expect(end.stdout).to.match(/^Record\s+skipped/m);
        expect(existsSync(job.stateFile), 'the state the stopped run staged').to.equal(false);
        job.release();
        const next = await job.start('next', ['--lock'], env).finished;
        expect(next.code, next.stderr).to.equal(0);
        expect(await job.rows()).to.deep.equal(['next']);
      });

      it('should free the lock at once when its holder is killed', async () => {
        const first = job.start('first');
        const pid = await job.holding('first', first);
        await killHard(first, pid);
        job.release();
        const second = await job.start('second').finished;
        expect(second.code, second.stderr).to.equal(0);
        expect(await job.rows()).to.deep.equal(['second']);
      });
    } else {
      it('should free the lease once it expired when its holder is killed', async () => {
        const first = job.start('first', ['--lock'], { BIGRAYS_LOCK_LEASE_MS: '3000' });
        const pid = await job.holding('first', first);
        await killHard(first, pid);
        const { expiresAt, holder } = JSON.parse(readFileSync(job.leaseFile, 'utf8')) as { expiresAt: string; holder: { pid: number } };
        expect(holder.pid).to.equal(pid);
        job.release();
        const second = await job.start('second', ['--wait-lock', '60000'], { BIGRAYS_LOCK_LEASE_MS: '3000' }).finished;
        expect(second.code, second.stderr).to.equal(0);
        // It ran only once the killed run's lease had expired.
        const { mtimeMs } = statSync(`${job.dir}/second.started`);
        expect(mtimeMs).to.be.at.least(Date.parse(expiresAt));
        expect(await job.rows()).to.deep.equal(['second']);
        expect(existsSync(job.leaseFile)).to.equal(false);
      });

      it('should stop a run whose lease another run took over, and write none of its state', async () => {
        const env = { BIGRAYS_LOCK_LEASE_MS: '1500', LOCK_SPEC_STATE: '1' };
        const first = job.start('first', ['--lock'], env);
        const pid = await job.holding('first', first);
        process.kill(pid, 'SIGSTOP');
        try {
          const { expiresAt } = JSON.parse(readFileSync(job.leaseFile, 'utf8')) as { expiresAt: string };
          const second = job.start('second', ['--wait-lock', '60000'], env);
          await job.holding('second', second);
          expect(Date.now()).to.be.at.least(Date.parse(expiresAt));
          process.kill(pid, 'SIGCONT');
          const firstEnd = await first.finished;
          expect(firstEnd.code, firstEnd.stderr).to.equal(1);
          expect(firstEnd.stderr).to.contain(`the run lock of job ${job.name} was lost`);
          expect(firstEnd.stderr).to.contain('taken over by another run');
          expect(firstEnd.stderr).to.contain('its state was not written');
          expect(firstEnd.stdout).to.match(/^Record\s+skipped/m);
          expect(existsSync(job.stateFile), 'the state the stopped run staged').to.equal(false);
          job.release();
          const secondEnd = await second.finished;
          expect(secondEnd.code, secondEnd.stderr).to.equal(0);
          expect((JSON.parse(readFileSync(job.stateFile, 'utf8')) as { tasks: unknown }).tasks).to.deep.equal({ Hold: { tag: 'second' } });
          expect(await job.rows()).to.deep.equal(['second']);
          expect(existsSync(job.leaseFile)).to.equal(false);
        } finally {
          // Never leave the job stopped, whatever failed above.
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // It has ended.
          }
        }
      });

      it('should let --lock and --wait-lock win over LOCK and LOCK_WAIT_MS the job sets in code', async () => {
        const first = job.start('first');
        const pid = await job.holding('first', first);
        const code = { LOCK_SPEC_CODE_NO_LOCK: '1' };
        const refused = await job.start('refused', ['--lock'], code).finished;
        expect(refused.code, refused.stderr).to.equal(75);
        expect(refused.stderr).to.contain(`pid ${pid},`);
        const waiting = job.start('waiting', ['--wait-lock', '60000'], code);
        await waiting.loaded;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(job.started('waiting'), 'the run started its tasks while the first held the lock').to.equal(false);
        job.release();
        const [firstEnd, waitingEnd] = await Promise.all([first.finished, waiting.finished]);
        expect(firstEnd.code, firstEnd.stderr).to.equal(0);
        expect(waitingEnd.code, waitingEnd.stderr).to.equal(0);
        expect(await job.rows()).to.deep.equal(['first', 'waiting']);
      });

      it('should renew the lease while a run lasts longer than the lease', async () => {
        const first = job.start('first', ['--lock'], { BIGRAYS_LOCK_LEASE_MS: '1500' });
        const pid = await job.holding('first', first);
        const taken = JSON.parse(readFileSync(job.leaseFile, 'utf8')) as { expiresAt: string };
        await new Promise((resolve) => setTimeout(resolve, 4000));
        const renewed = JSON.parse(readFileSync(job.leaseFile, 'utf8')) as { expiresAt: string; holder: { pid: number } };
        expect(Date.parse(renewed.expiresAt)).to.be.above(Date.parse(taken.expiresAt) + 2000);
        const second = await job.start('second', ['--lock'], { BIGRAYS_LOCK_LEASE_MS: '1500' }).finished;
        expect(second.code, second.stderr).to.equal(75);
        expect(second.stderr).to.contain(`pid ${pid},`);
        job.release();
        expect((await first.finished).code).to.equal(0);
        expect(existsSync(job.leaseFile)).to.equal(false);
        expect(await job.rows()).to.deep.equal(['first']);
      });
    }
  });
}
