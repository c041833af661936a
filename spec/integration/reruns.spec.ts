/**
 * A nightly job run again by `bigrays run`, as a scheduler would after a failure or by mistake:
 * with ifExists = 'skip', every export it wrote the first time is left as it is, the run exits
 * 0 saying why each was skipped, and a later task gets the objects and the file there.
 */
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SQLSession, type RunReport } from '../../lib';
import { createBucket, emulatorEnv, useEmulator } from '../support/aws-hooks';
import { root, spawnCli, type CliResult } from '../support/cli';
import { hasOpenMultipartUpload } from '../support/s3-objects';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';

const JOB = path.join(root, 'spec/fixtures/jobs/nightly-export.ts');
const DAY = '2026-12-05';
const EXPORTS = ['ExportOrders', 'ExportTotals', 'ExportLines', 'SaveBig'];

/** Creates the orders table of the job, with `count` orders. */
async function seed(dsn: string, count: number): Promise<void> {
  const setup = new SQLSession();
  const session = await setup.open({ DB_DSN: dsn });
  try {
    await session.execute('create table if not exists orders (id integer primary key, amount integer)');
    await session.execute('delete from orders');
    for (let id = 1; id <= count; id++) await session.execute(`insert into orders values (${id}, ${id * 10})`);
  } finally {
    await setup.close(session);
  }
}

describe('A nightly job run again (bigrays run, ifExists)', function () {
  this.timeout(240_000);
  const emulator = useEmulator();

  for (const engine of ['PostgreSQL', 'SQLite'] as const) {
    describe(`on ${engine}`, () => {
      let dir: string;
      let dsn: string;
      let bucket: string;
      beforeEach(async () => {
        dir = mkdtempSync(path.join(tmpdir(), 'bigrays-reruns-'));
        dsn = engine === 'PostgreSQL' ? await freshPostgresDsn() : freshSqliteDsn();
        bucket = await createBucket('nightly');
        await seed(dsn, 5);
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      const run = (more: string[] = [], env: Record<string, string> = {}): Promise<CliResult> =>
        spawnCli(['run', JOB, '--set', `bucket=${bucket}`, '--set', `day=${DAY}`, '--set', `out=${dir}`, ...more], {
          env: {
            BIGRAYS_DB_DSN: dsn,
            ...emulatorEnv(emulator().endpoint),
            BIGRAYS_PROGRESS: '0',
            ...env,
          },
        });

      /** Every object in the bucket, with its ETag and LastModified. */
      async function objects(): Promise<Record<string, [string | undefined, string | undefined]>> {
        const listed = await emulator().s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        const entries = await Promise.all((listed.Contents ?? []).map(async ({ Key }) => {
          const head = await emulator().s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
          return [Key!, [head.ETag, head.LastModified?.toISOString()]] as [string, [string | undefined, string | undefined]];
        }));
        return Object.fromEntries(entries);
      }

      /** What the ReadBack task read from the exports' outputs. */
      function readBack(result: CliResult): { objects: Record<string, { etag?: string; text: string }>; file: string } {
        const line = result.stderr.split('\n').find((l) => l.startsWith('READ BACK '));
        expect(line, result.stderr).to.be.a('string');
        return JSON.parse(line!.slice('READ BACK '.length));
      }

      it("should leave every export as it is when run again with 'skip', exit 0 and say why each was skipped", async () => {
        const first = await run(['--json']);
        expect(first.status, first.stderr).to.equal(0);
        const firstReport = JSON.parse(first.stdout) as RunReport;
        expect(firstReport.tasks.every((t) => t.status === 'ok'), first.stdout).to.equal(true);
        const written = await objects();
        expect(Object.keys(written).sort()).to.deep.equal([
          `lines/${DAY}/part-000.csv`, `lines/${DAY}/part-001.csv`, `lines/${DAY}/part-002.csv`, `orders/${DAY}.csv`, `totals/${DAY}.parquet`,
        ]);
        const file = path.join(dir, `big-${DAY}.csv`);
        const fileBefore = { text: readFileSync(file, 'utf8'), mtimeMs: statSync(file).mtimeMs };
        expect(fileBefore.text).to.equal('id,amount\n2,20\n3,30\n4,40\n5,50\n');

        const record = path.join(dir, 'runs.jsonl');
        const second = await run(['--json', '--record', record]);
        expect(second.status, second.stderr).to.equal(0);
        const report = JSON.parse(second.stdout) as RunReport;
        const reasons = Object.fromEntries(report.tasks.filter((t) => t.status === 'skipped').map((t) => [t.name, t.reason]));
        expect(reasons).to.deep.equal({
          ExportOrders: `s3://${bucket}/orders/${DAY}.csv exists`,
          ExportTotals: `s3://${bucket}/totals/${DAY}.parquet exists`,
          ExportLines: `s3://${bucket}/lines/${DAY}/part-000.csv exists`,
          SaveBig: `${file} exists`,
        });
        expect(report.tasks.filter((t) => !EXPORTS.includes(t.name)).map((t) => [t.name, t.status, t.unread])).to.deep.equal([
          ['Orders', 'ok', undefined], ['Totals', 'ok', undefined], ['Lines', 'ok', undefined], ['Big', 'ok', undefined], ['ReadBack', 'ok', undefined],
        ]);
        const recorded = JSON.parse(readFileSync(record, 'utf8').trim()) as { exitCode: number; tasks: Array<{ name: string; reason?: string }> };
        expect(recorded.exitCode).to.equal(0);
        expect(recorded.tasks.find((t) => t.name === 'ExportOrders')?.reason).to.equal(reasons.ExportOrders);

        expect(await objects()).to.deep.equal(written);
        expect(statSync(file).mtimeMs).to.equal(fileBefore.mtimeMs);
        const read = readBack(second);
        expect(Object.keys(read.objects).sort()).to.deep.equal(Object.keys(written).sort());
        for (const [key, { etag }] of Object.entries(read.objects)) expect(etag, key).to.equal(written[key][0]);
        expect(read.objects[`orders/${DAY}.csv`].text).to.equal('id,amount\n1,10\n2,20\n3,30\n4,40\n5,50\n');
        expect(read.file).to.equal(fileBefore.text);

        // The summary a person reads says the same; no multipart upload was left open.
        const third = await run();
        expect(third.status, third.stderr).to.equal(0);
        expect(third.stdout).to.match(new RegExp(`ExportOrders +skipped \\(s3://${bucket}/orders/${DAY}\\.csv exists\\)`));
        expect(third.stdout).to.match(/\n5 ok, 0 failed, 4 skipped in /);
        expect(await objects()).to.deep.equal(written);
        for (const key of Object.keys(written)) await emulator().s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
      });

      it("should replace every export with 'overwrite', and fail as before with 'fail'", async () => {
        expect((await run()).status).to.equal(0);
        const written = await objects();
        await seed(dsn, 6);

        const failed = await run(['--json'], { NIGHTLY_IF_EXISTS: 'fail' });
        expect(failed.status).to.equal(1);
        const failedReport = JSON.parse(failed.stdout) as RunReport;
        expect(failedReport.tasks.find((t) => t.name === 'ExportOrders')).to.include({
          status: 'failed',
          error: `ExportOrders: s3://${bucket}/orders/${DAY}.csv exists already (bucket \`${bucket}\`, key \`orders/${DAY}.csv\`). Set overwriteIfExists = true to replace it.`,
        });
        expect(await objects()).to.deep.equal(written);

        const replaced = await run([], { NIGHTLY_IF_EXISTS: 'overwrite' });
        expect(replaced.status, replaced.stderr).to.equal(0);
        const now = await objects();
        expect(Object.keys(now).sort()).to.deep.equal(Object.keys(written).sort());
        for (const key of [`orders/${DAY}.csv`, `totals/${DAY}.parquet`, `lines/${DAY}/part-002.csv`]) expect(now[key][0], key).not.to.equal(written[key][0]);
        expect(readBack(replaced).objects[`orders/${DAY}.csv`].text).to.match(/\n6,60\n$/);
        expect(readFileSync(path.join(dir, `big-${DAY}.csv`), 'utf8')).to.match(/\n6,60\n$/);
      });

      it('should say in the --dry-run plan what ifExists will do', async () => {
        const plan = await run(['--dry-run']);
        expect(plan.status, plan.stderr).to.equal(0);
        expect(plan.stdout).to.contain('ifExists: skip (an existing object is left as it is: the task reports skipped)');
        expect(plan.stdout).to.contain('ifExists: skip (when part 0 exists, nothing is written: the task reports skipped, its output the parts there)');
        expect(plan.stdout).to.contain('ifExists: skip (an existing file is left as it is: the task reports skipped)');
        const failing = await run(['--dry-run'], { NIGHTLY_IF_EXISTS: 'fail' });
        expect(failing.stdout).to.contain('ifExists: fail (an existing object is refused: the task fails)');
      });
    });
  }
});
