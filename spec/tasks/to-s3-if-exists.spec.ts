/** ToS3.ifExists: a rerun that finds its object there refuses it, leaves it as it is, or replaces it. */
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  bigraysRun, BigraysConfig, outputOf, register, SQLExecute, SQLQuery, SQLStream, Task, TaskError, TaskInterfaceError, ToS3,
} from '../../lib';
import { createBucket, useEmulator, type RecordedRequest } from '../support/aws-hooks';
import { hasOpenMultipartUpload, objectText } from '../support/s3-objects';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';
import { failure } from '../helpers';
import { WatchedSession } from '../support/sql-sessions';

const MiB = 1024 * 1024;


const path = (r: RecordedRequest): string => new URL(r.url, 'http://x').pathname;
const query = (r: RecordedRequest): URLSearchParams => new URL(r.url, 'http://x').searchParams;
const ifNoneMatch = (r: RecordedRequest): string | undefined => r.headers['if-none-match'] as string | undefined;

describe('ToS3 ifExists', function () {
  this.timeout(60_000);
  const emulator = useEmulator();

  /** The requests that write to `bucket` (PutObject, UploadPart, the multipart upload's create and complete). */
  const writes = (bucket: string): RecordedRequest[] =>
    emulator().requests.filter((r) => (r.method === 'PUT' || r.method === 'POST') && path(r).startsWith(`/${bucket}/`));
  const head = (bucket: string, key: string) => emulator().s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const put = (bucket: string, key: string, body: string) => emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  for (const engine of ['PostgreSQL', 'SQLite'] as const) {
    it(`should leave an existing object as it is with 'skip', close an SQLStream's rows unread on ${engine}, and give a later task that object`, async () => {
      BigraysConfig.DB_DSN = engine === 'PostgreSQL' ? await freshPostgresDsn() : freshSqliteDsn();
      const bucket = await createBucket('skip');
      await put(bucket, 'daily/orders.csv', 'id\n1\n2\n');
      const before = await head(bucket, 'daily/orders.csv');
      emulator().requests.length = 0;
      const watched = new WatchedSession();
      const seen: string[] = [];
      @register class Orders extends SQLStream { override requiredResource = watched; query = 'select 1 as id'; }
      @register class Export extends ToS3 { input = Orders.output; bucket = bucket; key = 'daily/orders.csv'; ifExists = 'skip' as const; }
      @register class Check extends Task {
        async run() {
          seen.push(`session: ${watched.events.join(',')}`);
          const { bucket: b, key } = outputOf(Export);
          seen.push(await objectText(emulator(), b, key));
        }
      }
      const report = await bigraysRun();

      expect(report.tasks.map((t) => [t.name, t.status, t.reason])).to.deep.equal([
        ['Orders', 'ok', undefined], ['Export', 'skipped', `s3://${bucket}/daily/orders.csv exists`], ['Check', 'ok', undefined],
      ]);
      expect(report.tasks[0]).not.to.have.property('unread');
      expect(seen).to.deep.equal(['session: open,close', 'id\n1\n2\n']);
      expect(writes(bucket)).to.deep.equal([]);
      const after = await head(bucket, 'daily/orders.csv');
      expect([after.ETag, after.LastModified]).to.deep.equal([before.ETag, before.LastModified]);
      const uri = `s3://${bucket}/daily/orders.csv`;
      expect(outputOf(Export)).to.deep.equal({
        bucket, key: 'daily/orders.csv', uri, bytes: 7, etag: before.ETag, objects: [{ key: 'daily/orders.csv', uri, bytes: 7 }],
      });
    });
  }

  it("should write the object with 'skip' when it is not there, conditionally, and report the task ok", async () => {
    const bucket = await createBucket('skip-new');
    emulator().requests.length = 0;
    @register class Export extends ToS3 { input = 'fresh'; bucket = bucket; key = 'k.txt'; ifExists = 'skip' as const; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'ok', bytes: 5 }).and.not.have.property('reason');
    expect(writes(bucket).map((r) => [r.method, ifNoneMatch(r)])).to.deep.equal([['PUT', '*']]);
    expect(await objectText(emulator(), bucket, 'k.txt')).to.equal('fresh');
    expect(Export).to.be.a('function');
  });

  it("should let go of a stream input unread with 'skip'", async () => {
    const bucket = await createBucket('skip-stream');
    await put(bucket, 'raw.bin', 'old');
    const input = Readable.from((async function* () { yield Buffer.from('new'); })());
    @register class Export extends ToS3 { input = input; bucket = bucket; key = 'raw.bin'; ifExists = 'skip' as const; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'skipped', reason: `s3://${bucket}/raw.bin exists` });
    expect(input.destroyed).to.equal(true);
    expect(await objectText(emulator(), bucket, 'raw.bin')).to.equal('old');
    expect(Export).to.be.a('function');
  });

  it("should replace the object with 'overwrite', unconditionally, as overwriteIfExists = true does", async () => {
    const bucket = await createBucket('overwrite');
    await put(bucket, 'a.txt', 'old a');
    await put(bucket, 'b.txt', 'old b');
    emulator().requests.length = 0;
    @register class A extends ToS3 { input = 'new a'; bucket = bucket; key = 'a.txt'; ifExists = 'overwrite' as const; }
    @register class B extends ToS3 { input = 'new b'; bucket = bucket; key = 'b.txt'; overwriteIfExists = true; ifExists = 'overwrite' as const; }
    const report = await bigraysRun();
    expect(report.tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok']);
    expect([await objectText(emulator(), bucket, 'a.txt'), await objectText(emulator(), bucket, 'b.txt')]).to.deep.equal(['new a', 'new b']);
    expect(writes(bucket).map((r) => [r.method, ifNoneMatch(r)])).to.deep.equal([['PUT', undefined], ['PUT', undefined]]);
    expect(A && B).to.be.a('function');
  });

  it("should refuse an existing object with 'fail' as without ifExists, in the same words", async () => {
    const bucket = await createBucket('fail');
    await put(bucket, 'r.csv', 'old');
    @register class Again extends ToS3 { input = [{ a: 1 }]; bucket = bucket; key = 'r.csv'; ifExists = 'fail' as const; }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    expect((error.errors[0] as Error).message).to.equal(
      `Again: s3://${bucket}/r.csv exists already (bucket \`${bucket}\`, key \`r.csv\`). Set overwriteIfExists = true to replace it.`,
    );
    expect(error.report?.tasks[0]).to.include({ status: 'failed' });
    expect(await objectText(emulator(), bucket, 'r.csv')).to.equal('old');
    expect(Again).to.be.a('function');
  });

  it('should refuse an unknown ifExists, and one that overwriteIfExists = true contradicts, before anything runs', async () => {
    const bucket = await createBucket('bad');
    const ran: string[] = [];
    @register class First extends Task { run() { ran.push('First'); } }
    @register class Keep extends ToS3 { input = 'x'; bucket = bucket; key = 'k'; ifExists = 'keep' as never; }
    @register class Both extends ToS3 { input = 'x'; bucket = bucket; key = 'k'; ifExists = 'skip' as const; overwriteIfExists = true; }
    emulator().requests.length = 0;
    const error = await failure(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain(`Keep ifExists must be one of 'fail', 'skip', 'overwrite', got "keep"`);
    expect(error.message).to.contain(
      "Both ifExists is 'skip', but overwriteIfExists = true says 'overwrite': unset overwriteIfExists, or set ifExists = 'overwrite'",
    );
    expect(ran).to.deep.equal([]);
    expect(emulator().requests).to.deep.equal([]);
    expect(First && Keep && Both).to.be.a('function');
  });

  /** A source that, as it is first read, has another writer put `key` in place (as a second run would), then yields `size` bytes. */
  function raced(bucket: string, key: string, size: number): Readable {
    return Readable.from((async function* () {
      await put(bucket, key, "the other writer's");
      for (let sent = 0; sent < size; sent += MiB) yield Buffer.alloc(Math.min(MiB, size - sent), 1);
    })());
  }

  /** Has the store refuse conditional writes of `key` (PUT, or the multipart upload's complete) with 412, as S3 does when the object exists. */
  function refuseConditional(bucket: string, key: string, method: 'PUT' | 'POST'): void {
    emulator().refuse((r) => (r.method === method && ifNoneMatch(r) === '*' && path(r) === `/${bucket}/${key}` && (method === 'PUT' || query(r).has('uploadId'))
      ? { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' }
      : undefined));
  }

  it("should keep an incremental query's cursor when its export is left as it is, so that the next day's export has the rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bigrays-skip-state-'));
    try {
      BigraysConfig.STATE_URL = dir;
      BigraysConfig.JOB_NAME = 'daily';
      BigraysConfig.DB_DSN = freshSqliteDsn();
      const bucket = await createBucket('incremental-skip');
      let sql = 'create table orders as select 1 as id union all select 2';
      let day = '2026-12-05';
      @register class Setup extends SQLExecute { statement = sql; }
      @register class Orders extends SQLQuery { query = 'select id from orders'; incremental = { column: 'id' }; }
      @register class Export extends ToS3 { input = Orders.output; bucket = bucket; key = `orders/${day}.csv`; ifExists = 'skip' as const; }
      const cursor = (): unknown => (JSON.parse(readFileSync(join(dir, 'daily.json'), 'utf8')) as { tasks: Record<string, unknown> }).tasks.Orders;
      await bigraysRun();
      expect(await objectText(emulator(), bucket, 'orders/2026-12-05.csv')).to.equal('id\n1\n2\n');
      expect(cursor()).to.deep.equal({ cursor: 2, column: 'id' });
      // A rerun the same day, after a new row came: the day's object stays, and so does the cursor.
      sql = 'insert into orders values (3)';
      const rerun = await bigraysRun();
      expect(rerun.tasks.find((t) => t.name === 'Export')).to.include({ status: 'skipped', reason: `s3://${bucket}/orders/2026-12-05.csv exists` });
      expect(await objectText(emulator(), bucket, 'orders/2026-12-05.csv')).to.equal('id\n1\n2\n');
      expect(cursor()).to.deep.equal({ cursor: 2, column: 'id' });
      sql = 'select 1';
      day = '2026-12-06';
      await bigraysRun();
      expect(await objectText(emulator(), bucket, 'orders/2026-12-06.csv')).to.equal('id\n3\n');
      expect(cursor()).to.deep.equal({ cursor: 3, column: 'id' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("should skip, with 'skip', when the object appears between the look and the conditional PUT", async () => {
    const bucket = await createBucket('race-put');
    refuseConditional(bucket, 'small.bin', 'PUT');
    @register class Export extends ToS3 { input = raced(bucket, 'small.bin', 1000); bucket = bucket; key = 'small.bin'; ifExists = 'skip' as const; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'skipped', reason: `s3://${bucket}/small.bin exists` });
    expect(await objectText(emulator(), bucket, 'small.bin')).to.equal("the other writer's");
    expect(outputOf(Export)).to.include({ bytes: "the other writer's".length, etag: (await head(bucket, 'small.bin')).ETag });
  });

  it("should skip, with 'skip', when the store refuses to complete the multipart upload, aborting it: no upload left open", async () => {
    const bucket = await createBucket('race-mpu');
    refuseConditional(bucket, 'big.bin', 'POST');
    @register class Export extends ToS3 { input = raced(bucket, 'big.bin', 12 * MiB); bucket = bucket; key = 'big.bin'; ifExists = 'skip' as const; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'skipped', reason: `s3://${bucket}/big.bin exists` });
    expect(await objectText(emulator(), bucket, 'big.bin')).to.equal("the other writer's");
    const requests = emulator().requests.filter((r) => path(r) === `/${bucket}/big.bin`);
    expect(requests.filter((r) => r.method === 'DELETE' && query(r).has('uploadId'))).to.have.length(1);
    await emulator().s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
    expect(Export).to.be.a('function');
  });

  describe('with maxRowsPerObject', () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ n: i + 1 }));

    it("should skip the export when its part 0 is there, its output the parts there, writing nothing", async () => {
      const bucket = await createBucket('split-skip');
      class First extends ToS3 { input = rows; bucket = bucket; key = 'parts/part-{part:05d}.csv'; maxRowsPerObject = 2; }
      await bigraysRun(First);
      const written = outputOf(First);
      const heads = await Promise.all(written.objects.map((o) => head(bucket, o.key)));
      emulator().requests.length = 0;

      class Again extends ToS3 { input = rows; bucket = bucket; key = 'parts/part-{part:05d}.csv'; maxRowsPerObject = 2; ifExists = 'skip' as const; }
      const report = await bigraysRun(Again);
      expect(report.tasks[0]).to.include({ status: 'skipped', reason: `s3://${bucket}/parts/part-00000.csv exists` });
      expect(writes(bucket)).to.deep.equal([]);
      const again = outputOf(Again);
      expect(again.objects).to.deep.equal(written.objects.map(({ key, uri, bytes }) => ({ key, uri, bytes })));
      expect(again).to.include({ key: 'parts/part-00000.csv', uri: `s3://${bucket}/parts/part-00000.csv`, bytes: written.bytes });
      const after = await Promise.all(written.objects.map((o) => head(bucket, o.key)));
      expect(after.map((h) => [h.ETag, h.LastModified])).to.deep.equal(heads.map((h) => [h.ETag, h.LastModified]));
    });

    it("should write every part with 'skip' when part 0 is not there, and refuse a later part that is", async () => {
      const bucket = await createBucket('split-later');
      await put(bucket, 'p-2.csv', 'stray');
      @register class Export extends ToS3 { input = rows; bucket = bucket; key = 'p-{part}.csv'; maxRowsPerObject = 2; ifExists = 'skip' as const; }
      const error = await failure(bigraysRun());
      expect((error.errors[0] as Error).message).to.match(new RegExp(`^Export: s3://${bucket}/p-2\\.csv exists already .*the 2 object\\(s\\) already written were deleted`));
      expect(await objectText(emulator(), bucket, 'p-2.csv')).to.equal('stray');

      await emulator().s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'p-2.csv' }));
      const report = await bigraysRun(Export);
      expect(report.tasks[0]).to.include({ status: 'ok', rows: 5 });
      expect(outputOf(Export).objects.map((o) => o.key)).to.deep.equal(['p-0.csv', 'p-1.csv', 'p-2.csv']);
    });
  });
});
