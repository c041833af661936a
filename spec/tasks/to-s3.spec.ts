import { CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import {
  bigraysRun, register, S3Upload, Task, TaskError, TaskInterfaceError, ToS3, toS3, updateFormatKws,
} from '../../lib';
import { progressObserver, type ProgressEvent } from '../../lib/progress';
import { loadDanfo } from '../../lib/data/danfo';
import { runTasks } from '../../lib/run';
import { createBucket, type Emulator, emulatorEnv, type RecordedRequest, useEmulator } from '../support/aws-hooks';
import { failure } from '../helpers';
import { hasOpenMultipartUpload, objectExists, objectText } from '../support/s3-objects';

const MiB = 1024 * 1024;

/** `size` bytes of a repeatable pattern, produced lazily in 64 KiB chunks. */
function* pattern(size: number, failAfter?: number): Generator<Buffer> {
  const chunk = 64 * 1024;
  for (let offset = 0; offset < size; offset += chunk) {
    if (failAfter !== undefined && offset >= failAfter) throw new Error('the source broke mid-way');
    yield Buffer.alloc(Math.min(chunk, size - offset), offset / chunk);
  }
}

describe('ToS3', () => {
  const emulator = useEmulator();

  it('should upload a DataFrame as CSV with a header and no index, NULL empty and "" quoted', async () => {
    const bucket = await createBucket();
    const { DataFrame } = loadDanfo();
    @register class Frame extends Task {
      run() { return new DataFrame([[1, null, 'a,b'], [2, '', 'say "hi"']], { columns: ['id', 'note', 'text'] }); }
    }
    @register class Upload extends ToS3 { input = Frame.output; bucket = bucket; key = 'frames/out.csv'; }
    const report = await bigraysRun();
    const expected = 'id,note,text\n1,,"a,b"\n2,"","say ""hi"""\n';
    expect(await objectText(emulator(), bucket, 'frames/out.csv')).to.equal(expected);
    expect(report.tasks[1]).to.include({ status: 'ok', rows: 2, bytes: Buffer.byteLength(expected) });
    expect(Upload.output).to.include({ bucket, key: 'frames/out.csv', uri: `s3://${bucket}/frames/out.csv`, bytes: Buffer.byteLength(expected), rows: 2 });
    const head = await emulator().s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'frames/out.csv' }));
    expect(head.ContentType).to.equal('text/csv; charset=utf-8');
  });

  it('should upload row objects as CSV with exact values, filling {keywords} in bucket and key', async () => {
    const bucket = await createBucket('rows');
    updateFormatKws({ bucket, day: '2026-01-02' });
    @register class Upload extends ToS3 {
      input = [
        { id: 9007199254740993n, amount: '12345678901234567890.123456789012', at: '2026-01-02T03:04:05.123456', note: null, text: 'line\nbreak' },
        { id: 2n, amount: '0.10', at: '2026-01-02T00:00:00.000001', note: '', text: 'Zürich' },
      ];
      bucket = '{bucket}';
      key = 'daily/{day}.csv';
    }
    await bigraysRun();
    expect(await objectText(emulator(), bucket, 'daily/2026-01-02.csv')).to.equal(
      'id,amount,at,note,text\n' +
        '9007199254740993,12345678901234567890.123456789012,2026-01-02T03:04:05.123456,,"line\nbreak"\n' +
        '2,0.10,2026-01-02T00:00:00.000001,"",Zürich\n',
    );
    expect(Upload.output.rows).to.equal(2);
  });

  it('should upload a string, a Buffer and a byte stream as they are, via the S3Upload alias too', async () => {
    const bucket = await createBucket('raw');
    @register class Text extends ToS3 { input = 'plain text ✓'; bucket = bucket; key = 'a.txt'; }
    @register class Bytes extends S3Upload { input = Buffer.from([0, 1, 2, 255]); bucket = bucket; key = 'b.bin'; }
    @register class Stream extends ToS3 { input = Readable.from([Buffer.from('chunk1,'), 'chunk2']); bucket = bucket; key = 'c.txt'; }
    const report = await bigraysRun();
    expect(await objectText(emulator(), bucket, 'a.txt')).to.equal('plain text ✓');
    const bytes = await emulator().s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'b.bin' }));
    expect(Buffer.from(await bytes.Body!.transformToByteArray())).to.deep.equal(Buffer.from([0, 1, 2, 255]));
    expect(await objectText(emulator(), bucket, 'c.txt')).to.equal('chunk1,chunk2');
    expect(report.tasks.map((t) => t.bytes)).to.deep.equal([Buffer.byteLength('plain text ✓'), 4, 13]);
    expect(S3Upload).to.equal(ToS3);
    expect(Text && Bytes && Stream).to.be.a('function');
  });

  it('should refuse to overwrite an existing object, naming bucket and key, and leave it unchanged', async () => {
    const bucket = await createBucket('keep');
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'report.csv', Body: 'old contents' }));
    emulator().requests.length = 0;
    @register class Again extends ToS3 { input = [{ a: 1 }]; bucket = bucket; key = 'report.csv'; }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    expect((error.errors[0] as Error).message).to.equal(
      `Again: s3://${bucket}/report.csv exists already (bucket \`${bucket}\`, key \`report.csv\`). Set overwriteIfExists = true to replace it.`,
    );
    expect(await objectText(emulator(), bucket, 'report.csv')).to.equal('old contents');
    expect(emulator().requests.filter((r) => r.method === 'PUT' || r.method === 'POST')).to.deep.equal([]);
    expect(Again).to.be.a('function');
  });

  it('should replace an existing object with overwriteIfExists', async () => {
    const bucket = await createBucket('replace');
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'r.csv', Body: 'old' }));
    @register class Replace extends ToS3 { input = 'new'; bucket = bucket; key = 'r.csv'; overwriteIfExists = true; }
    await bigraysRun();
    expect(await objectText(emulator(), bucket, 'r.csv')).to.equal('new');
    expect(Replace).to.be.a('function');
  });

  it('should ask for AES256 server-side encryption by default, KMS when set, and none when told', async () => {
    const bucket = await createBucket('sse');
    emulator().requests.length = 0;
    @register class Default extends ToS3 { input = 'a'; bucket = bucket; key = 'default'; }
    @register class Kms extends ToS3 { input = 'b'; bucket = bucket; key = 'kms'; serverSideEncryption = 'aws:kms' as const; kmsKeyId = 'alias/etl'; }
    @register class Plain extends ToS3 { input = 'c'; bucket = bucket; key = 'plain'; serverSideEncryption = 'none' as const; }
    await bigraysRun();
    const puts = Object.fromEntries(
      emulator().requests
        .filter((r) => r.method === 'PUT')
        .map((r) => [new URL(r.url, 'http://x').pathname.split('/').pop(), r.headers]),
    );
    expect(puts.default['x-amz-server-side-encryption']).to.equal('AES256');
    expect(puts.kms['x-amz-server-side-encryption']).to.equal('aws:kms');
    expect(puts.kms['x-amz-server-side-encryption-aws-kms-key-id']).to.equal('alias/etl');
    expect(puts.plain).to.not.have.property('x-amz-server-side-encryption');
    expect(Default && Kms && Plain).to.be.a('function');
  });

  it('should refuse a KMS key without KMS encryption before the run, sending nothing', async () => {
    const bucket = await createBucket('kms');
    emulator().requests.length = 0;
    @register class Mixed extends ToS3 { input = 'a'; bucket = bucket; key = 'k'; kmsKeyId = 'alias/etl'; }
    const error = await failure(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain("Mixed kmsKeyId is set, but serverSideEncryption is 'AES256': set serverSideEncryption = 'aws:kms' to use a KMS key");
    expect(emulator().requests).to.deep.equal([]);
    expect(Mixed).to.be.a('function');
  });

  it('should abort a multipart upload whose input fails mid-way: no object, no open upload', async () => {
    const bucket = await createBucket('abort');
    @register class Broken extends ToS3 { input = Readable.from(pattern(32 * MiB, 12 * MiB)); bucket = bucket; key = 'big.bin'; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.equal(`Broken: uploading to s3://${bucket}/big.bin failed: the source broke mid-way; its multipart upload was aborted`);
    const requests = emulator().requests.filter((r) => r.url.startsWith(`/${bucket}/big.bin`));
    expect(requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber=')).length, 'parts were sent').to.be.at.least(1);
    expect(requests.filter((r) => r.method === 'DELETE' && r.url.includes('uploadId='))).to.have.length(1);
    expect(await objectExists(emulator(), bucket, 'big.bin')).to.equal(false);
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
    expect(Broken).to.be.a('function');
  });

  it('should detect an open multipart upload with the same check (the check can fail)', async () => {
    const bucket = await createBucket('control');
    await emulator().s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'left-open' }));
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(true);
  });

  it('should name the task and the accepted kinds for an input it cannot upload', async () => {
    const bucket = await createBucket('odd');
    @register class Odd extends ToS3 { input = 42; bucket = bucket; key = 'k'; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.match(/^Odd\.input: input must be a DataFrame, an array of row objects, .*; got number$/);
    expect(await objectExists(emulator(), bucket, 'k')).to.equal(false);
    expect(Odd).to.be.a('function');
  });

  it('should stream 64 MiB with client memory well below the object size', async function () {
    this.timeout(120_000);
    // The emulator keeps every part in memory and copies them into the object when the upload
    // completes (about twice the object size, in this process). To measure what the upload
    // itself costs, the client runs in a child process (spec/support/upload-worker.ts) that
    // produces the data lazily, runs a ToS3 task, and reports its own peak memory. It collects
    // garbage before each sample ('live'): left alone, V8 lets about 64 MiB of dead Buffers pile
    // up before collecting them, whatever the object's size (bench/s3-upload.ts shows both).
    const bucket = await createBucket('memory');
    const size = 64 * MiB;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--no-concurrent-array-buffer-sweeping', '--require', 'tsx/cjs', path.join(__dirname, '..', 'support', 'upload-worker.ts'), bucket, 'big/64.bin', String(size), 'live'],
      {
        env: {
          ...process.env,
          ...emulatorEnv(emulator().endpoint),
        },
        maxBuffer: MiB,
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
      status: string; bytes: number; sha256: string; peakRssGrowth: number; peakHeldGrowth: number;
    };
    expect(result.status).to.equal('ok');
    expect(result.bytes).to.equal(size);

    const object = await emulator().s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/64.bin' }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(stored.length).to.equal(size);
    expect(createHash('sha256').update(stored).digest('hex')).to.equal(result.sha256);

    // What the upload keeps alive is its parts: 4 of 5 MiB in flight, one being filled and the
    // buffer it was cut from, about 30 MiB whatever the object's size. (RSS, printed for the
    // record, adds what the allocator keeps after a free; bench/s3-upload.ts compares sizes.)
    const held = result.peakHeldGrowth;
    console.log(`      (64 MiB upload: peak memory held +${(held / MiB).toFixed(1)} MiB, peak RSS +${(result.peakRssGrowth / MiB).toFixed(1)} MiB)`);
    expect(held).to.be.below(40 * MiB);
  });
});

describe('ToS3 conditional writes', () => {
  const emulator = useEmulator();

  /** The header a request carried, if any. */
  const ifNoneMatch = (r: RecordedRequest): string | undefined => r.headers['if-none-match'] as string | undefined;
  const path = (r: RecordedRequest): string => new URL(r.url, 'http://x').pathname;
  const query = (r: RecordedRequest): URLSearchParams => new URL(r.url, 'http://x').searchParams;
  /** The PutObject (not UploadPart) and CompleteMultipartUpload requests of `key`. */
  const writes = (bucket: string, key: string): RecordedRequest[] =>
    emulator().requests.filter((r) => path(r) === `/${bucket}/${key}` &&
      ((r.method === 'PUT' && !query(r).has('partNumber')) || (r.method === 'POST' && query(r).has('uploadId'))));

  it('should tell the bytes sent so far while a multipart upload runs, part by part', async () => {
    const bucket = await createBucket('progress');
    async function* slowly(): AsyncGenerator<Buffer> {
      for (let mib = 0; mib < 12; mib++) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        yield Buffer.alloc(MiB, mib);
      }
    }
    class Slow extends ToS3 { input = Readable.from(slowly()); bucket = bucket; key = 'slow.bin'; }
    const events: ProgressEvent[] = [];
    await runTasks([Slow], { observer: progressObserver((e) => events.push(e), 40) });
    const sent = events.flatMap((e) => (e.kind === 'progress' && e.bytes !== undefined ? [e.bytes] : []));
    // After the first 5 MiB part went, before the last: a figure between the two.
    expect(sent.some((bytes) => bytes >= 5 * MiB && bytes < 12 * MiB), String(sent)).to.equal(true);
    expect(events.at(-1)).to.include({ kind: 'end', status: 'ok', bytes: 12 * MiB });
  });

  it('should send If-None-Match: * on the single PUT and on CompleteMultipartUpload, and not with overwriteIfExists', async () => {
    const bucket = await createBucket('cond');
    const big = Buffer.alloc(6 * MiB, 7);
    @register class Small extends ToS3 { input = 'small'; bucket = bucket; key = 'small.txt'; }
    @register class Big extends ToS3 { input = big; bucket = bucket; key = 'big.bin'; }
    @register class SmallAgain extends ToS3 { input = 'replaced'; bucket = bucket; key = 'small-2.txt'; overwriteIfExists = true; }
    @register class BigAgain extends ToS3 { input = big; bucket = bucket; key = 'big-2.bin'; overwriteIfExists = true; }
    await bigraysRun();

    const small = writes(bucket, 'small.txt');
    expect(small.map((r) => [r.method, ifNoneMatch(r)])).to.deep.equal([['PUT', '*']]);
    const multipart = writes(bucket, 'big.bin');
    expect(multipart.map((r) => [r.method, ifNoneMatch(r)])).to.deep.equal([['POST', '*']]);
    const parts = emulator().requests.filter((r) => path(r) === `/${bucket}/big.bin` && query(r).has('partNumber'));
    expect(parts, 'the upload went up in parts').to.have.length(2);

    expect(writes(bucket, 'small-2.txt').map((r) => [r.method, ifNoneMatch(r)])).to.deep.equal([['PUT', undefined]]);
    expect(writes(bucket, 'big-2.bin').map((r) => [r.method, ifNoneMatch(r)])).to.deep.equal([['POST', undefined]]);
    expect(await objectText(emulator(), bucket, 'small.txt')).to.equal('small');
    expect(Small && Big && SmallAgain && BigAgain).to.be.a('function');
  });

  it('should fail naming bucket and key when the store refuses the PUT (412), leaving no object', async () => {
    const bucket = await createBucket('cond-put');
    emulator().refuse((r) => (r.method === 'PUT' && ifNoneMatch(r) === '*' && path(r) === `/${bucket}/daily.csv`
      ? { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' }
      : undefined));
    @register class Daily extends ToS3 { input = [{ a: 1 }]; bucket = bucket; key = 'daily.csv'; }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    expect((error.errors[0] as Error).message).to.equal(
      `Daily: s3://${bucket}/daily.csv was created by another writer while this task uploaded it (bucket \`${bucket}\`, key \`daily.csv\`; ` +
        'the store answered PreconditionFailed: At least one of the pre-conditions you specified did not hold (HTTP 412)), ' +
        'so it was left as that writer made it. Set overwriteIfExists = true to replace it.',
    );
    expect(error.report?.tasks[0]).to.include({ status: 'failed', attempts: 1 });
    expect(await objectExists(emulator(), bucket, 'daily.csv')).to.equal(false);
    expect(Daily).to.be.a('function');
  });

  it('should abort the multipart upload when the store refuses to complete it (412): no object, no open upload', async () => {
    const bucket = await createBucket('cond-mpu');
    emulator().refuse((r) => (r.method === 'POST' && query(r).has('uploadId') && ifNoneMatch(r) === '*'
      ? { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' }
      : undefined));
    @register class Export extends ToS3 { input = Readable.from(pattern(12 * MiB)); bucket = bucket; key = 'export.bin'; }
    const error = await failure(bigraysRun());
    const message = (error.errors[0] as Error).message;
    expect(message).to.match(new RegExp(`^Export: s3://${bucket}/export\\.bin was created by another writer while this task uploaded it`));
    expect(message).to.contain('; this upload was aborted. Set overwriteIfExists = true to replace it.');
    const requests = emulator().requests.filter((r) => path(r) === `/${bucket}/export.bin`);
    expect(requests.filter((r) => r.method === 'DELETE' && query(r).has('uploadId'))).to.have.length(1);
    expect(await objectExists(emulator(), bucket, 'export.bin')).to.equal(false);
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
    expect(Export).to.be.a('function');
  });

  it('should read 409 ConditionalRequestConflict (a conditional write of the key under way) the same way', async () => {
    const bucket = await createBucket('cond-409');
    emulator().refuse((r) => (r.method === 'PUT' && ifNoneMatch(r) === '*'
      ? { status: 409, code: 'ConditionalRequestConflict', message: 'A conflicting operation occurred.' }
      : undefined));
    @register class Racer extends ToS3 { input = 'x'; bucket = bucket; key = 'k'; retries = 2; retryDelayMs = 1; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.match(/^Racer: s3:\/\/\S+\/k was created by another writer .*ConditionalRequestConflict.*\(HTTP 409\)/);
    expect(error.report?.tasks[0]).to.include({ status: 'failed', attempts: 1 });
    expect(Racer).to.be.a('function');
  });

  it('should let one of four writers of one key started together succeed, against a store that honours the header', async () => {
    const bucket = await createBucket('cond-race');
    // fauxqs ignores If-None-Match; this answers as S3 does: the first conditional write of the
    // key creates it, later ones are refused.
    let created = false;
    emulator().refuse((r) => {
      if (r.method !== 'PUT' || ifNoneMatch(r) !== '*' || path(r) !== `/${bucket}/shared.txt`) return undefined;
      if (!created) {
        created = true;
        return undefined;
      }
      return { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' };
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => toS3({ input: `writer ${n}`, bucket, key: 'shared.txt' })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).to.have.length(1);
    expect(refused).to.have.length(3);
    for (const r of refused) expect((r.reason as Error).message).to.match(/was created by another writer|exists already/);
    const winner = results.findIndex((r) => r.status === 'fulfilled') + 1;
    expect(await objectText(emulator(), bucket, 'shared.txt')).to.equal(`writer ${winner}`);
  });
});
