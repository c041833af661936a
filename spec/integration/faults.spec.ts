/**
 * PostgreSQL → S3 / file exports, faulted as in production: the job runs as its own process
 * while the spec kills its backend or sends it a signal, then checks what is left behind.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createBucket, emulator, emulatorEnv } from '../support/aws-hooks';
import { root } from '../support/cli';
import { seconds, spawnNode, type Spawned } from '../support/spawn';
import { admin } from '../support/pg-admin';
import { freshPostgresDsn, PG_PASSWORD } from '../support/sql-hooks';

const job = path.join(root, 'spec/fixtures/faults/pg-export.mjs');
const cli = path.join(root, 'dist/cli/main.js');
const PROBE = `query like '%bigrays_export_probe%' and pid <> pg_backend_pid()`;

/** The export queries still on the server, after waiting up to `ms` for them to go. */
async function exportQueries(dsn: string, ms = 2000): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const [{ n }] = await admin<{ n: number }>(dsn, `select count(*)::int as n from pg_stat_activity where ${PROBE}`);
    if (n === 0 || Date.now() > until) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string, run: Spawned, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('PostgreSQL exports under faults, in a job of its own', function () {
  this.timeout(60_000);
  let dir: string;
  let dsn: string;
  let env: Record<string, string>;
  let bucket: string;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-pgfaults-'));
    dsn = await freshPostgresDsn();
    bucket = await createBucket('pgfaults');
    const { endpoint } = await emulator();
    env = {
      BIGRAYS_DB_DSN: dsn,
      ...emulatorEnv(endpoint),
      BUCKET: bucket,
      OUT_FILE: path.join(dir, 'export.csv'),
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Waits until the export is under way: a multipart upload begun, or the temp file written, or the query running. */
  async function underWay(run: Spawned, shape: string, target: string): Promise<void> {
    await run.printed(/exporting/);
    const emu = await emulator();
    if (shape === 'stream' && target === 's3') {
      await until(() => emu.requests.some((r) => r.method === 'POST' && r.url.startsWith(`/${bucket}/export.csv?uploads`)), 'a multipart upload', run);
    } else if (shape === 'stream') {
      await until(() => readdirSync(dir).some((f) => f.endsWith('.tmp')), 'a temp file', run);
    } else {
      await until(async () => (await exportQueries(dsn, 0)) > 0, 'the export query', run);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  async function nothingLeft(target: string, aborted: boolean): Promise<void> {
    const emu = await emulator();
    if (target === 's3') {
      await expect(emu.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'export.csv' }))).to.be.rejected;
      if (aborted) {
        const aborts = emu.requests.filter((r) => r.method === 'DELETE' && r.url.startsWith(`/${bucket}/export.csv?uploadId=`));
        expect(aborts, 'AbortMultipartUpload sent').to.have.length.at.least(1);
      }
    }
    expect(readdirSync(dir), 'no file, no temp file').to.deep.equal([]);
  }

  for (const shape of ['stream', 'frame']) {
    for (const target of ['s3', 'file']) {
      it(`should exit 1 promptly, leaving nothing, when the backend is terminated mid-export (${shape} → ${target})`, async () => {
        const run = spawnNode([job], { cwd: root, env: { ...env, SHAPE: shape, TARGET: target } });
        await underWay(run, shape, target);
        const killed = Date.now();
        const terminated = await admin(dsn, `select pg_terminate_backend(pid) from pg_stat_activity where ${PROBE}`);
        expect(terminated).to.have.length(1);
        const result = await run.finished;
        const took = Date.now() - killed;
        console.log(`      (backend terminated, ${shape} → ${target}: exited ${result.code} in ${seconds(took)})`);
        expect(result.code, result.stderr).to.equal(1);
        expect(took).to.be.below(30_000);
        expect(result.stderr).not.to.contain(PG_PASSWORD);
        await nothingLeft(target, shape === 'stream');
      });
    }
  }

  for (const [how, args] of [['node job.mjs', [job]], ['bigrays run', [cli, 'run', job]], ['bigrays run --json', [cli, 'run', job, '--json']]] as const) {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      if (how === 'bigrays run --json' && signal === 'SIGINT') continue;
      it(`should stop on ${signal} to ${how} mid-export: ${code} within 10 s, the summary, no object, no query left`, async () => {
        const run = spawnNode([...args], { cwd: root, env: { ...env, TARGET: 's3' } });
        await underWay(run, 'stream', 's3');
        const sent = Date.now();
        run.child.kill(signal);
        const result = await run.finished;
        const took = Date.now() - sent;
        console.log(`      (${signal} to ${how}: ended in ${seconds(took)})`);
        expect(result.code ?? result.signal, result.stderr).to.be.oneOf([code, signal]);
        expect(took).to.be.below(10_000);
        if (how.endsWith('--json')) {
          const report = JSON.parse(result.stdout) as { ok: boolean; tasks: Array<{ name: string; status: string }> };
          expect(report.ok).to.equal(false);
          expect(report.tasks).to.deep.include({ ...report.tasks[0], name: 'StreamExport', status: 'failed' });
        } else {
          expect(`${result.stdout}${result.stderr}`).to.match(/^StreamExport\s+failed/m).and.to.contain(`interrupted by ${signal}`);
        }
        expect(await exportQueries(dsn)).to.equal(0);
        await nothingLeft('s3', true);
        expect(existsSync(env.OUT_FILE)).to.equal(false);
      });
    }
  }
});
