/**
 * ToS3 against a store whose answers mislead: a write that succeeded but was answered with an
 * error (the object may exist), and an existence check that was throttled or timed out. A
 * fault proxy in front of the emulator answers in its place.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import createDebug from 'debug';
import { format } from 'node:util';
import { BigraysConfig, bigraysRun, register, TaskError, ToS3 } from '../../lib';
import { failure } from '../helpers';
import { createBucket, useEmulator, type ErrorAnswer } from '../support/aws-hooks';
import { faultProxy, type FaultProxy, type FaultRule, type ProxiedRequest } from '../support/fault-proxy';
import { hasOpenMultipartUpload, objectExists, objectText } from '../support/s3-objects';

const MiB = 1024 * 1024;

const INTERNAL: ErrorAnswer = { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' };
const PRECONDITION: ErrorAnswer = { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' };
const SLOW_DOWN: ErrorAnswer = { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };

/** What bigrays logs (DEBUG=bigrays*) while `fn` runs, and what `fn` resolved to. */
async function withLogs<T>(fn: () => Promise<T>): Promise<{ result: T; logs: string }> {
  const lines: string[] = [];
  const originalLog = createDebug.log;
  createDebug.enable('bigrays*');
  createDebug.log = (...args: unknown[]) => { lines.push(format(...args)); };
  try {
    return { result: await fn(), logs: lines.join('\n') };
  } finally {
    createDebug.disable();
    createDebug.log = originalLog;
  }
}

const query = (r: ProxiedRequest): URLSearchParams => new URL(r.url, 'http://x').searchParams;
const isComplete = (r: ProxiedRequest): boolean => r.method === 'POST' && query(r).has('uploadId');
const isSinglePut = (r: ProxiedRequest): boolean => r.method === 'PUT' && !query(r).has('partNumber');

describe('ToS3 when the store answers an error but may have written the object', function () {
  this.timeout(30_000);
  const emulator = useEmulator();
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  /** Sends the S3 tasks through a proxy to the emulator that misbehaves as `rule` says. */
  async function through(rule: FaultRule): Promise<FaultProxy> {
    proxy = await faultProxy(emulator().endpoint, rule);
    BigraysConfig.AWS_ENDPOINT_URL = proxy.endpoint;
    return proxy;
  }

  /** Another writer's object at the key, with its own upload token. */
  const otherWriter = (bucket: string, key: string) => () =>
    emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'theirs', Metadata: { 'bigrays-upload': 'another-run' } })).then(() => undefined);

  const big = Buffer.alloc(6 * MiB, 3);

  it('should be ok when CompleteMultipartUpload is answered 500 after the store committed this upload', async () => {
    const bucket = await createBucket('ambiguous-ours');
    // The store completes the upload; the client sees a 500, and its retry a NoSuchUpload.
    const seen = await through((r) => (isComplete(r) && r.attempt === 1 ? { forward: true, answer: INTERNAL } : undefined));
    @register class Export extends ToS3 { input = big; bucket = bucket; key = 'export.bin'; }
    const { result: report, logs } = await withLogs(() => bigraysRun());
    expect(report.tasks[0]).to.include({ status: 'ok', bytes: big.length });
    expect(logs).to.match(new RegExp(`completing the upload to s3://${bucket}/export\\.bin was ambiguous \\(NoSuchUpload.*\\); the object there carries this upload's token: confirmed`));
    expect(seen.requests.filter(isComplete).map((r) => r.attempt), 'the SDK retried the completion').to.deep.equal([1, 2]);
    expect(await objectText(emulator(), bucket, 'export.bin')).to.equal(big.toString('utf8'));
    expect(Export.output).to.include({ bytes: big.length });
  });

  it('should fail naming the other writer\'s object when CompleteMultipartUpload failed and another object is at the key', async () => {
    const bucket = await createBucket('ambiguous-theirs');
    // The first try is lost while another writer creates the object; the retry is refused, as
    // S3 refuses a conditional write of an object that exists.
    await through((r) => {
      if (!isComplete(r)) return undefined;
      return r.attempt === 1 ? { before: otherWriter(bucket, 'export.bin'), answer: INTERNAL } : { answer: PRECONDITION };
    });
    @register class Export extends ToS3 { input = big; bucket = bucket; key = 'export.bin'; }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    const message = (error.errors[0] as Error).message;
    expect(message).to.match(new RegExp(`^Export: s3://${bucket}/export\\.bin was created by another writer while this task uploaded it`));
    expect(message).to.match(/another writer's object is there \(last modified \d{4}-\d\d-\d\dT[\d:.]+Z, ETag "?[0-9a-f]+"?\)/);
    expect(message).not.to.contain('safe to retry');
    expect(error.report?.tasks[0]).to.include({ status: 'failed' });
    expect(await objectText(emulator(), bucket, 'export.bin')).to.equal('theirs');
    await emulator().s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'export.bin' }));
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
    expect(Export).to.be.a('function');
  });

  it('should fail saying no object is there when CompleteMultipartUpload failed and did not commit, leaving no open upload', async () => {
    const bucket = await createBucket('ambiguous-none');
    await through((r) => (isComplete(r) ? { answer: INTERNAL } : undefined));
    @register class Export extends ToS3 { input = big; bucket = bucket; key = 'export.bin'; }
    const error = await failure(bigraysRun());
    const message = (error.errors[0] as Error).message;
    expect(message).to.equal(
      `Export: uploading to s3://${bucket}/export.bin failed: InternalError: We encountered an internal error. Please try again. (HTTP 500); ` +
        `no object is at s3://${bucket}/export.bin (looked after the failure); its multipart upload was aborted`,
    );
    expect(await objectExists(emulator(), bucket, 'export.bin')).to.equal(false);
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
    expect(Export).to.be.a('function');
  });

  it('should say the earlier object is still there and a retry is safe, with overwriteIfExists, when CompleteMultipartUpload failed and did not commit', async () => {
    const bucket = await createBucket('ambiguous-overwrite');
    await otherWriter(bucket, 'export.bin')();
    await through((r) => (isComplete(r) ? { answer: INTERNAL } : undefined));
    @register class Export extends ToS3 { input = big; bucket = bucket; key = 'export.bin'; overwriteIfExists = true; }
    const error = await failure(bigraysRun());
    const message = (error.errors[0] as Error).message;
    expect(message).to.match(new RegExp(`^Export: uploading to s3://${bucket}/export\\.bin failed: InternalError`));
    expect(message).to.match(/the earlier object is still there \(last modified .+, ETag .+\) and this upload's is not: running the task again is safe/);
    expect(message).not.to.contain('another writer');
    expect(message).not.to.contain('Set overwriteIfExists = true');
    expect(await objectText(emulator(), bucket, 'export.bin')).to.equal('theirs');
    await emulator().s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'export.bin' }));
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
    expect(Export).to.be.a('function');
  });

  it('should be ok when the connection drops after the store committed a CompleteMultipartUpload', async () => {
    const bucket = await createBucket('ambiguous-reset');
    await through((r) => (isComplete(r) && r.attempt === 1 ? { forward: true, answer: 'reset' } : undefined));
    @register class Export extends ToS3 { input = big; bucket = bucket; key = 'export.bin'; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'ok', bytes: big.length });
    expect(await objectExists(emulator(), bucket, 'export.bin')).to.equal(true);
    expect(Export).to.be.a('function');
  });

  it('should be ok when a single PutObject is answered 500 after the store wrote it, and its retry 412', async () => {
    const bucket = await createBucket('ambiguous-put');
    await through((r) => {
      if (!isSinglePut(r)) return undefined;
      return r.attempt === 1 ? { forward: true, answer: INTERNAL } : { answer: PRECONDITION };
    });
    @register class Small extends ToS3 { input = [{ id: 1 }]; bucket = bucket; key = 'small.csv'; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'ok', rows: 1 });
    expect(await objectText(emulator(), bucket, 'small.csv')).to.equal('id\n1\n');
    expect(Small).to.be.a('function');
  });

  it('should fail naming the other writer\'s object when a single PutObject failed and another object is at the key', async () => {
    const bucket = await createBucket('ambiguous-put-theirs');
    await through((r) => {
      if (!isSinglePut(r) || r.headers['x-amz-meta-bigrays-upload'] === 'another-run') return undefined;
      return r.attempt === 1 ? { before: otherWriter(bucket, 'small.csv'), answer: INTERNAL } : { answer: PRECONDITION };
    });
    @register class Small extends ToS3 { input = [{ id: 1 }]; bucket = bucket; key = 'small.csv'; }
    const error = await failure(bigraysRun());
    const message = (error.errors[0] as Error).message;
    expect(message).to.match(new RegExp(`^Small: s3://${bucket}/small\\.csv was created by another writer while this task uploaded it`));
    expect(message).to.match(/another writer's object is there \(last modified .+, ETag .+\)/);
    expect(await objectText(emulator(), bucket, 'small.csv')).to.equal('theirs');
    expect(Small).to.be.a('function');
  });

  it('should fail saying no object is there when every try of a single PutObject is answered 500', async () => {
    const bucket = await createBucket('ambiguous-put-none');
    await through((r) => (isSinglePut(r) ? { answer: INTERNAL } : undefined));
    @register class Small extends ToS3 { input = 'x'; bucket = bucket; key = 'small.txt'; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.equal(
      `Small: uploading to s3://${bucket}/small.txt failed: InternalError: We encountered an internal error. Please try again. (HTTP 500); ` +
        `no object is at s3://${bucket}/small.txt (looked after the failure)`,
    );
    expect(await objectExists(emulator(), bucket, 'small.txt')).to.equal(false);
    expect(Small).to.be.a('function');
  });
});

describe('ToS3 existence check faults', function () {
  this.timeout(30_000);
  const emulator = useEmulator();
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  async function through(rule: FaultRule): Promise<void> {
    proxy = await faultProxy(emulator().endpoint, rule);
    BigraysConfig.AWS_ENDPOINT_URL = proxy.endpoint;
  }
  const isHead = (r: ProxiedRequest): boolean => r.method === 'HEAD';

  it('should say the store throttled the check, and that it can be retried, when HeadObject is answered 503 SlowDown', async () => {
    const bucket = await createBucket('head-503');
    await through((r) => (isHead(r) ? { answer: SLOW_DOWN } : undefined));
    @register class Check extends ToS3 { input = 'x'; bucket = bucket; key = 'k.txt'; }
    const error = await failure(bigraysRun());
    const message = (error.errors[0] as Error).message;
    expect(message).to.match(new RegExp(`^Check: cannot tell whether s3://${bucket}/k\\.txt exists: the store throttled the check \\(HTTP 503\\)`));
    expect(message).to.contain('can be retried');
    expect(message).not.to.contain('s3:GetObject');
    expect(await objectExists(emulator(), bucket, 'k.txt')).to.equal(false);
    expect(Check).to.be.a('function');
  });

  it('should say the check timed out, naming the timeout and its env var, when HeadObject is never answered', async () => {
    const bucket = await createBucket('head-silent');
    BigraysConfig.AWS_REQUEST_TIMEOUT_MS = 300;
    try {
      await through((r) => (isHead(r) ? { answer: 'hang' } : undefined));
      @register class Check extends ToS3 { input = 'x'; bucket = bucket; key = 'k.txt'; }
      const error = await failure(bigraysRun());
      const message = (error.errors[0] as Error).message;
      expect(message).to.match(new RegExp(`^Check: cannot tell whether s3://${bucket}/k\\.txt exists: the check timed out`));
      expect(message).to.contain(`${new URL(proxy!.endpoint).host} sent and received nothing for 300 ms (BIGRAYS_AWS_REQUEST_TIMEOUT_MS)`);
      expect(message).not.to.contain('s3:GetObject');
      expect(Check).to.be.a('function');
    } finally {
      delete BigraysConfig.AWS_REQUEST_TIMEOUT_MS;
    }
  });

  it('should report the task\'s deadline, not permission advice, when the deadline stops the check', async () => {
    const bucket = await createBucket('head-stopped');
    await through((r) => (isHead(r) ? { answer: 'hang' } : undefined));
    @register class Check extends ToS3 { input = 'x'; bucket = bucket; key = 'k.txt'; timeoutMs = 1000; }
    const error = await failure(bigraysRun());
    const stopped = error.errors[0] as Error & { cause?: Error };
    expect(stopped.message).to.match(/^Check timed out after 1000 ms \(Check\.timeoutMs\)/);
    expect(String(stopped.cause?.message)).not.to.match(/s3:GetObject|cannot tell whether/);
    expect(Check).to.be.a('function');
  });

  it('should give the permission advice when HeadObject is answered 403', async () => {
    const bucket = await createBucket('head-403');
    await through((r) => (isHead(r) ? { answer: { status: 403, code: 'AccessDenied', message: 'Access Denied' } } : undefined));
    @register class Check extends ToS3 { input = 'x'; bucket = bucket; key = 'k.txt'; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.match(/^Check: cannot tell whether .* exists \(.*403.*\)\. Allow s3:GetObject and s3:ListBucket, or set overwriteIfExists = true to skip the check\.$/);
    expect(Check).to.be.a('function');
  });
});
