/**
 * gzip exports run by `bigrays run` on PostgreSQL: every gzip object and file gives back, byte
 * for byte, what the plain export wrote (a single gzip member, as small as zlib's own at level
 * 6), run after run as the table changes; and a gzip export that fails mid-stream (an SQL error,
 * SIGTERM) leaves no object and no multipart upload.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { crc32, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { createBucket, type Emulator, emulatorEnv, TEST_SECRET, useEmulator } from '../support/aws-hooks';
import { root } from '../support/cli';
import { admin } from '../support/pg-admin';
import { hasOpenMultipartUpload, objectExists } from '../support/s3-objects';
import { seconds, spawnNode, type Finished, type Spawned } from '../support/spawn';
import { freshPostgresDsn, PG_PASSWORD } from '../support/sql-hooks';

const JOB = path.join(root, 'spec/fixtures/jobs/gzip-export.ts');
const CLI = path.join(root, 'dist/cli/main.js');

/** Events whose CSV has quotes, commas, line breaks, NULL and '' and text beyond ASCII: several of gzip's 1 MiB blocks. */
function eventsSql(from: number, to: number): string {
  return `insert into events select g, md5(g::text) || ', "' || g || '"',
      case when g % 7 = 0 then null when g % 7 = 1 then '' when g % 7 = 2 then e'two\\nlines' else 'café ' || (g % 97) end,
      (g * 1.25)::numeric(12, 2), timestamptz '2026-12-05 00:00:00+00' + g * interval '1.5 second'
    from generate_series(${from}, ${to}) g`;
}

/** The bytes of an object. */
async function objectBytes(emulator: Emulator, bucket: string, key: string): Promise<Buffer> {
  const object = await emulator.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

/**
 * What a strict gzip reader sees in `bytes`: one member, its deflate stream whole between the
 * 10-byte header and the trailer, whose CRC-32 and length are the content's. The content.
 */
function singleMember(bytes: Buffer): Buffer {
  expect([...bytes.subarray(0, 3)], 'gzip magic, deflate').to.deep.equal([0x1f, 0x8b, 0x08]);
  const content = inflateRawSync(bytes.subarray(10, -8));
  expect(bytes.readUInt32LE(bytes.length - 8), 'CRC-32').to.equal(crc32(content));
  expect(bytes.readUInt32LE(bytes.length - 4), 'length').to.equal(content.length);
  return content;
}

describe('gzip exports (bigrays run, PostgreSQL)', function () {
  this.timeout(240_000);
  const emulator = useEmulator();
  let dsn: string;
  let bucket: string;
  let dir: string;
  beforeEach(async () => {
    dsn = await freshPostgresDsn();
    bucket = await createBucket('gzip');
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-gzip-'));
    await admin(dsn, 'create table events (id integer primary key, ref text, memo text, amount numeric(12, 2), at timestamptz)');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const env = (more: Record<string, string> = {}): Record<string, string> => ({
    BIGRAYS_DB_DSN: dsn,
    ...emulatorEnv(emulator().endpoint),
    BIGRAYS_PROGRESS: '0',
    ...more,
  });
  const start = (more: Record<string, string> = {}): Spawned =>
    spawnNode([CLI, 'run', JOB, '--set', `bucket=${bucket}`, '--set', `out=${dir}`], { cwd: root, env: env(more), limitMs: 180_000 });

  /** Checks every gzip export of a run against the plain CSV and JSON lines it wrote. */
  async function checkExports(rows: number): Promise<void> {
    const csv = await objectBytes(emulator(), bucket, 'events.csv');
    expect(csv.toString('utf8').split('\n')[0]).to.equal('id,ref,memo,amount,at');
    const gzip = await objectBytes(emulator(), bucket, 'events.csv.gz');
    expect(singleMember(gzip).equals(csv), '.csv.gz gives back the .csv').to.equal(true);
    expect(gunzipSync(gzip).equals(csv)).to.equal(true);
    // As small as zlib's own gzip at the same level (within 1%).
    expect(gzip.length).to.be.below(gzipSync(csv, { level: 6 }).length * 1.01);
    const head = await emulator().s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'events.csv.gz' }));
    expect(head.ContentType).to.equal('application/gzip');

    const jsonl = await objectBytes(emulator(), bucket, 'events.jsonl');
    expect(jsonl.toString('utf8').split('\n')).to.have.length(rows + 1);
    expect(singleMember(await objectBytes(emulator(), bucket, 'events.jsonl.gz')).equals(jsonl), '.jsonl.gz gives back the .jsonl').to.equal(true);

    const listed = await emulator().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'split/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    expect(keys).to.have.length(Math.ceil(rows / 15_000));
    const [header, ...records] = csv.toString('utf8').split(/(?<=\n)/);
    const parts = await Promise.all(keys.map(async (key) => singleMember(await objectBytes(emulator(), bucket, key)).toString('utf8')));
    expect(parts.every((part) => part.startsWith(header))).to.equal(true);
    expect(header + parts.map((part) => part.slice(header.length)).join('')).to.equal(header + records.join(''));

    expect(singleMember(readFileSync(path.join(dir, 'events.csv.gz'))).equals(csv), 'the .csv.gz file gives back the .csv').to.equal(true);
  }

  it('should write gzip objects and files that give back the plain export byte for byte, run after run', async () => {
    await admin(dsn, eventsSql(1, 40_000));
    const first = await start().finished;
    expect(first.code, first.stderr).to.equal(0);
    await checkExports(40_000);

    // The table changes; run again, the exports follow it.
    await admin(dsn, 'delete from events where id % 3 = 0');
    await admin(dsn, eventsSql(40_001, 52_000));
    const rows = Number((await admin<{ n: string }>(dsn, 'select count(*) as n from events'))[0].n);
    const second = await start().finished;
    expect(second.code, second.stderr).to.equal(0);
    await checkExports(rows);
    const csv = (await objectBytes(emulator(), bucket, 'events.csv')).toString('utf8');
    expect(csv).not.to.match(/^3,/m);
    expect(csv).to.match(/^52000,/m);
  });

  /** Hex text, which gzip halves at best: a multipart upload is under way after some 150,000 rows. */
  const ROWS = 'select g as id, md5(g::text) || md5((g * 7)::text) as h /* bigrays_gzip_probe */ from generate_series(1, 2000000) g';

  /** Waits for the export's multipart upload to begin (its first part is being written). */
  async function uploading(run: Spawned): Promise<void> {
    await run.printed(/exporting/);
    const begun = (): boolean => emulator().requests.some((r) => r.method === 'POST' && r.url.startsWith(`/${bucket}/events.csv.gz?uploads`));
    const deadline = Date.now() + 120_000;
    while (!begun()) {
      if (Date.now() > deadline) throw new Error(`no multipart upload began\n${run.stdout()}\n${run.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** No object, the multipart upload aborted and none left open, no query left on the server. */
  async function nothingLeft(result: Finished): Promise<void> {
    expect(await objectExists(emulator(), bucket, 'events.csv.gz'), 'no object').to.equal(false);
    const aborts = emulator().requests.filter((r) => r.method === 'DELETE' && r.url.startsWith(`/${bucket}/events.csv.gz?uploadId=`));
    expect(aborts, 'AbortMultipartUpload sent').to.have.length.at.least(1);
    expect(await hasOpenMultipartUpload(emulator(), bucket), 'no multipart upload open').to.equal(false);
    const left = await admin<{ n: number }>(dsn, "select count(*)::int as n from pg_stat_activity where query like '%bigrays_gzip_probe%' and pid <> pg_backend_pid()");
    expect(left[0].n, 'no query left').to.equal(0);
    expect(`${result.stdout}${result.stderr}`).not.to.contain(PG_PASSWORD).and.not.to.contain(TEST_SECRET);
  }

  it('should leave no object and no multipart upload when the query fails mid-stream', async () => {
    // 250,000 rows at once, then a pause (the upload has begun), then division by zero.
    const query = `${ROWS} where g < 250000 or (pg_sleep(2) is not null and 1 / (g - 250000) = 1)`;
    const run = start({ GZIP_QUERY: query });
    await uploading(run);
    const result = await run.finished;
    expect(result.code, result.stderr).to.equal(1);
    expect(`${result.stdout}${result.stderr}`).to.match(/^ExportGzip\s+failed/m).and.to.contain('division by zero');
    await nothingLeft(result);
  });

  it('should leave no object and no multipart upload when the job is stopped by SIGTERM mid-stream', async () => {
    // 250,000 rows at once (the upload begins), then a row a millisecond: still running when stopped.
    const run = start({ GZIP_QUERY: `${ROWS} where g < 250000 or pg_sleep(0.001) is not null` });
    await uploading(run);
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const result = await run.finished;
    console.log(`      (SIGTERM mid-upload: exited ${result.code ?? result.signal} in ${seconds(Date.now() - sent)})`);
    expect(result.code ?? result.signal, result.stderr).to.be.oneOf([143, 'SIGTERM']);
    expect(`${result.stdout}${result.stderr}`).to.match(/ExportGzip\s+failed/).and.to.contain('interrupted by SIGTERM');
    await nothingLeft(result);
  });
});
