/**
 * Parquet exports run by `bigrays run` on PostgreSQL, written from the server's CSV: night after
 * night, as the table changes, each object is the file the rows read one by one make of the
 * table as it is; and an export stopped by SIGTERM mid-stream leaves no object and no multipart
 * upload.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { bigraysRun, BigraysConfig, SQLStream, Task } from '../../lib';
import { PARQUET_FORMAT } from '../../lib/data/formats/parquet';
import type { SqlRows } from '../../lib/data/sql-rows';
import { createBucket, emulatorEnv, TEST_SECRET, useEmulator, type Emulator } from '../support/aws-hooks';
import { root, spawnCli } from '../support/cli';
import { admin } from '../support/pg-admin';
import { hasOpenMultipartUpload, objectExists } from '../support/s3-objects';
import { seconds, spawnNode } from '../support/spawn';
import { freshPostgresDsn, PG_PASSWORD } from '../support/sql-hooks';

const EXPORT = path.join(root, 'spec/fixtures/jobs/parquet-export.ts');
const STOPPED = path.join(root, 'spec/fixtures/jobs/parquet-stopped.ts');
const CLI = path.join(root, 'dist/cli/main.js');

/** Events with text of every kind (quotes, commas, line breaks, NULL and '', beyond ASCII), decimals, timestamps, bytes. */
function eventsSql(from: number, to: number): string {
  return `insert into events select g, case when g % 7 = 0 then null when g % 7 = 1 then '' when g % 7 = 2 then e'two\\nlines, "q"'
      else 'café ☃ ' || g end, (g * 1.25)::numeric(12, 2), timestamptz '2026-12-05 00:00:00+00' + g * interval '1.5 second',
      decode(md5(g::text), 'hex'), g % 3 = 0
    from generate_series(${from}, ${to}) g`;
}

async function objectBytes(emulator: Emulator, bucket: string, key: string): Promise<Buffer> {
  const object = await emulator.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray()); // eslint-disable-line @typescript-eslint/no-non-null-assertion
}

/** The Parquet the rows of `query`, read one by one, make. */
async function rowsFile(dsn: string, query: string): Promise<Buffer> {
  BigraysConfig.DB_DSN = dsn;
  const chunks: Buffer[] = [];
  class Rows extends SQLStream { query = query; }
  class Write extends Task {
    async run(): Promise<void> {
      const opened = await (Rows.output as SqlRows).open();
      const body: Readable = PARQUET_FORMAT.writeRows({ columns: opened.columns, rows: opened.rows, columnTypes: opened.columnTypes }, 0).body;
      for await (const chunk of body) chunks.push(chunk as Buffer);
    }
  }
  await bigraysRun(Rows, Write);
  return Buffer.concat(chunks);
}

describe('Parquet from the server\'s CSV (bigrays run, PostgreSQL)', function () {
  this.timeout(240_000);
  const emulator = useEmulator();
  let dsn: string;
  let bucket: string;
  beforeEach(async () => {
    dsn = await freshPostgresDsn();
    bucket = await createBucket('pq-csv');
  });

  const env = (): Record<string, string> => ({ BIGRAYS_DB_DSN: dsn, ...emulatorEnv(emulator().endpoint), BIGRAYS_PROGRESS: '0' });

  it('should upload, night after night, the file the rows make of the table as it is', async () => {
    await admin(dsn, 'create table events (id integer primary key, memo text, amount numeric(12, 2), at timestamptz, raw bytea, ok boolean)');
    await admin(dsn, eventsSql(1, 150_000));
    const run = (day: string) => spawnCli(['run', EXPORT, '--set', `bucket=${bucket}`, '--set', `day=${day}`], { env: { ...env(), PARQUET_TABLE: 'events' } });

    const first = await run('2026-12-05');
    expect(first.status, first.stderr).to.equal(0);
    const firstFile = await rowsFile(dsn, 'select * from events order by id');
    expect((await objectBytes(emulator(), bucket, 'events/2026-12-05.parquet')).equals(firstFile), 'night 1').to.equal(true);

    await admin(dsn, 'delete from events where id % 3 = 0');
    await admin(dsn, "update events set memo = memo || ' \"changed\"' where id % 5 = 0");
    await admin(dsn, eventsSql(150_001, 160_000));
    const second = await run('2026-12-06');
    expect(second.status, second.stderr).to.equal(0);
    const secondFile = await rowsFile(dsn, 'select * from events order by id');
    expect(secondFile.equals(firstFile)).to.equal(false);
    expect((await objectBytes(emulator(), bucket, 'events/2026-12-06.parquet')).equals(secondFile), 'night 2').to.equal(true);
    expect((await objectBytes(emulator(), bucket, 'events/2026-12-05.parquet')).equals(firstFile), 'night 1 kept').to.equal(true);
    expect(`${first.stdout}${first.stderr}${second.stdout}${second.stderr}`).not.to.contain(PG_PASSWORD).and.not.to.contain(TEST_SECRET);
  });

  it('should leave no object and no multipart upload when the job is stopped by SIGTERM mid-stream', async () => {
    const run = spawnNode([CLI, 'run', STOPPED, '--set', `bucket=${bucket}`], { cwd: root, env: env(), limitMs: 180_000 });
    await run.printed(/exporting/);
    const begun = (): boolean => emulator().requests.some((r) => r.method === 'POST' && r.url.startsWith(`/${bucket}/stopped.parquet?uploads`));
    const deadline = Date.now() + 120_000;
    while (!begun()) {
      if (Date.now() > deadline) throw new Error(`no multipart upload began\n${run.stdout()}\n${run.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const result = await run.finished;
    console.log(`      (SIGTERM mid-upload: exited ${result.code ?? result.signal} in ${seconds(Date.now() - sent)})`);
    expect(result.code ?? result.signal, result.stderr).to.be.oneOf([143, 'SIGTERM']);
    expect(`${result.stdout}${result.stderr}`).to.match(/Export\s+failed/).and.to.contain('interrupted by SIGTERM');
    expect(await objectExists(emulator(), bucket, 'stopped.parquet'), 'no object').to.equal(false);
    expect(await hasOpenMultipartUpload(emulator(), bucket), 'no multipart upload open').to.equal(false);
    const left = await admin<{ n: number }>(dsn, "select count(*)::int as n from pg_stat_activity where query like '%bigrays_parquet_probe%' and pid <> pg_backend_pid()");
    expect(left[0].n, 'no query left').to.equal(0);
  });
});
