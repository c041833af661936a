/**
 * Faults as they happen in production: the job runs as its own process while the spec kills its
 * backend, stops its server, or points it at a host that never answers. The job must end, with
 * exit code 1, within a few seconds, saying what happened, and leave nothing behind.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { admin, until } from '../support/pg-admin';
import { showExit, startJob, type JobResult } from '../support/job';
import { dedicatedPostgres, freshPostgresDsn, PG_PASSWORD } from '../support/sql-hooks';

/** The backends of one job (found by the application_name its DSN sets). */
async function backends(dsn: string, app: string): Promise<Array<{ pid: number; query: string; state: string }>> {
  return admin(dsn, 'select pid, query, state from pg_stat_activity where application_name = ?', [app]);
}

function withApp(dsn: string, app: string): string {
  return `${dsn}${dsn.includes('?') ? '&' : '?'}application_name=${app}`;
}

/**
 * Exit 1 well before a hang would end (a hang outlives it, and the default connect timeout
 * is 15 s), with a margin for a busy machine: the process start alone can take seconds there.
 */
function expectFailedFast(result: JobResult, withinMs: number): void {
  showExit(result);
  expect(result.killed, `the job was still alive after the limit:\n${result.stdout}\n${result.stderr}`).to.equal(false);
  expect(result.code, result.stderr).to.equal(1);
  expect(result.ms).to.be.below(withinMs);
  expect(result.stdout + result.stderr).not.to.contain(PG_PASSWORD);
}

describe('SQL faults (the job runs as its own process)', function () {
  this.timeout(60_000);
  const dirs: string[] = [];

  /** A new empty directory, removed after the suite. */
  function scratch(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-faults-'));
    dirs.push(dir);
    return dir;
  }

  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the streaming export against `dsn` into `dir`; resolves once CSV bytes are being written. */
  async function exportUnderWay(dsn: string, app: string, dir: string) {
    const csv = path.join(dir, 'export.csv');
    const job = startJob('stream-export', { BIGRAYS_DB_DSN: withApp(dsn, app), FAULT_CSV: csv });
    await job.printed(/streaming/);
    // Mid-stream: the temp file has grown past its first batches.
    await until('the export is under way', () => readdirSync(dir).some((f) => statSync(path.join(dir, f)).size > 200_000));
    return job;
  }

  describe('backend terminated mid-stream', () => {
    let result: JobResult;
    let dsn: string;
    const app = 'bigrays_fault_terminate';
    const dir = scratch();

    before(async function () {
      dsn = await freshPostgresDsn();
      const job = await exportUnderWay(dsn, app, dir);
      const [backend] = await backends(dsn, app);
      job.markFault();
      await admin(dsn, 'select pg_terminate_backend(?)', [backend.pid]);
      result = await job.exited;
    });

    it('should exit 1 promptly, saying the connection was lost', () => {
      expectFailedFast(result, 12_000);
      // The reader (toCSV) fails with the stream's error: which sign of the loss the driver saw
      // first (the server's message, the reset, the end of the socket) depends on timing.
      expect(result.stderr).to.match(
        /Export: the connection to 127\.0\.0\.1:\d+\/bigrays_\w+ was lost \((terminated by the server|reset|closed by the server or the network)\)/,
      );
    });

    it('should leave no export query on the server', async () => {
      expect(await backends(dsn, app)).to.deep.equal([]);
    });

    it('should leave no CSV file, partial or temporary', () => {
      expect(readdirSync(dir)).to.deep.equal([]);
    });
  });

  describe('server stopped mid-export', () => {
    let result: JobResult;
    let server: Awaited<ReturnType<typeof dedicatedPostgres>>;
    const dir = scratch();

    before(async function () {
      this.timeout(90_000);
      server = await dedicatedPostgres();
      const job = await exportUnderWay(server.dsn, 'bigrays_fault_stop', dir);
      job.markFault();
      await server.stop();
      result = await job.exited;
    });

    after(async function () {
      this.timeout(30_000);
      await server?.remove();
    });

    it('should exit 1 promptly, saying the connection was lost', () => {
      expectFailedFast(result, 12_000);
      expect(result.stderr).to.match(/Export: the connection to 127\.0\.0\.1:\d+\/postgres was lost/);
    });

    it('should leave no CSV file, partial or temporary', () => {
      expect(readdirSync(dir)).to.deep.equal([]);
    });
  });

  describe('a host that accepts connections and never answers', () => {
    let silent: Server;
    const sockets = new Set<Socket>();

    before(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });

    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('should fail the connect after BIGRAYS_DB_CONNECT_TIMEOUT_MS, naming the host and the timeout', async () => {
      const port = (silent.address() as { port: number }).port;
      const job = startJob('connect', {
        BIGRAYS_DB_DSN: `postgres://postgres:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${port}/db`,
        BIGRAYS_DB_CONNECT_TIMEOUT_MS: '1500',
      });
      const result = await job.exited;
      // The process start (tsx) is part of the time.
      expectFailedFast(result, 12_000);
      expect(result.stderr).to.contain(`ResourceError: Read: could not open SQLSession: could not connect to 127.0.0.1:${port}/db`);
      expect(result.stderr).to.match(/no answer within 1500 ms/);
      expect(result.stderr).to.contain('BIGRAYS_DB_CONNECT_TIMEOUT_MS');
      expect(result.stderr).not.to.match(/pool is probably full/);
      expect(result.stderr).to.contain('postgres:***@');
    });
  });

  describe('session lost between tasks', () => {
    let result: JobResult;
    let dsn: string;

    before(async () => {
      dsn = await freshPostgresDsn();
      await admin(dsn, `create schema staging;
        create table staging.results (id bigint, what text); create table public.results (id bigint, what text)`);
      const go = path.join(scratch(), 'go');
      const app = 'bigrays_fault_between';
      const job = startJob('lost-between-tasks', { BIGRAYS_DB_DSN: withApp(dsn, app), FAULT_GO: go });
      await job.printed(/waiting/);
      const [backend] = await backends(dsn, app);
      job.markFault();
      await admin(dsn, 'select pg_terminate_backend(?)', [backend.pid]);
      await until('the backend is gone', async () => (await backends(dsn, app)).length === 0);
      writeFileSync(go, '');
      result = await job.exited;
    });

    it('should fail the next SQL task with a ResourceError saying the session is gone', () => {
      expectFailedFast(result, 12_000);
      expect(result.stderr).to.match(
        /ResourceError: Append: the SQL session's connection to 127\.0\.0\.1:\d+\/bigrays_\w+ was lost earlier \(terminated by the server\), and with it its temp tables and session settings/,
      );
    });

    it('should not reconnect and write the rows elsewhere', async () => {
      expect(await admin(dsn, 'select * from public.results')).to.deep.equal([]);
      expect(await admin(dsn, 'select * from staging.results')).to.deep.equal([]);
    });
  });
});
