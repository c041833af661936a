/**
 * The S3 state store against the emulator: `<prefix><job>.json`, its ETag the version, each
 * write conditional (If-None-Match: * to create, If-Match: <ETag> to replace), encrypted at
 * rest. fauxqs honours If-Match on GET but not on PUT or DELETE: the specs of a refused write
 * answer the PUT as S3 does (412, or 409 for two conditional writes at once) when its
 * condition does not hold against the object's real ETag.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BigraysConfig, ConfigurationError } from '../../lib';
import { effectiveConfig } from '../../lib/config';
import { openStateStore } from '../../lib/state/open-store';
import { S3StateStore } from '../../lib/state/s3-store';
import { StateConflictError, type StateStore } from '../../lib/state/store';
import { failure } from '../helpers';
import { createBucket, TEST_KEY_ID, TEST_REGION, TEST_SECRET, useEmulator, type RecordedRequest } from '../support/aws-hooks';
import { root, spawnCli } from '../support/cli';

describe('state store in S3', function () {
  this.timeout(30_000);
  const emulator = useEmulator();
  let bucket: string;
  const opened: StateStore[] = [];
  const open = async (url = `s3://${bucket}/state/`): Promise<StateStore> => {
    const store = await openStateStore(effectiveConfig({ STATE_URL: url }));
    opened.push(store);
    return store;
  };
  const puts = (): RecordedRequest[] => emulator().requests.filter((r) => r.method === 'PUT' && r.url.startsWith(`/${bucket}/state/`));
  const etag = async (key: string): Promise<string | undefined> =>
    (await emulator().s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined))?.ETag;

  beforeEach(async () => {
    bucket = await createBucket('state');
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('should keep a document as <prefix><job>.json, its ETag the version, created and replaced conditionally, encrypted', async () => {
    const store = await open();
    expect(store).to.be.instanceOf(S3StateStore);
    expect(store.where).to.equal(`s3://${bucket}/state/`);
    expect(await store.read('orders')).to.equal(undefined);
    const v1 = await store.write('orders', { tasks: { Extract: { cursor: 1 } } }, undefined);
    expect(v1).to.equal(await etag('state/orders.json'));
    const v2 = await store.write('orders', { tasks: { Extract: { cursor: 2 } } }, v1);
    expect(await store.read('orders')).to.deep.equal({ value: { tasks: { Extract: { cursor: 2 } } }, version: v2 });
    const [create, replace] = puts();
    expect(create.url.split('?')[0]).to.equal(`/${bucket}/state/orders.json`);
    expect(create.headers['if-none-match']).to.equal('*');
    expect(create.headers['if-match']).to.equal(undefined);
    expect(replace.headers['if-match']).to.equal(v1);
    expect(replace.headers['x-amz-server-side-encryption']).to.equal('AES256');
    const body = await (await emulator().s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'state/orders.json' }))).Body!.transformToString();
    expect(JSON.parse(body)).to.deep.equal({ tasks: { Extract: { cursor: 2 } } });
  });

  it('should take a prefix without its trailing slash as a folder, and the bucket alone', async () => {
    await (await open(`s3://${bucket}/nightly`)).write('a', { n: 1 }, undefined);
    await (await open(`s3://${bucket}`)).write('b', { n: 2 }, undefined);
    expect(await etag('nightly/a.json')).to.be.a('string');
    expect(await etag('b.json')).to.be.a('string');
  });

  it('should fail with StateConflictError when S3 refuses the condition, leaving the other writer\'s object', async () => {
    const store = await open();
    const v1 = await store.write('orders', { n: 1 }, undefined);
    // Another writer replaces it.
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'state/orders.json', Body: '{"n":"other"}' }));
    const current = (await etag('state/orders.json'))!;
    expect(current).not.to.equal(v1);
    // As S3 answers a PUT whose If-Match is not the object's ETag, or whose If-None-Match finds one.
    emulator().refuse((r) => {
      if (r.method !== 'PUT') return undefined;
      const stale = (r.headers['if-match'] !== undefined && r.headers['if-match'] !== current) || r.headers['if-none-match'] === '*';
      return stale ? { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' } : undefined;
    });
    const stale = await failure<StateConflictError>(store.write('orders', { n: 2 }, v1));
    expect(stale).to.be.instanceOf(StateConflictError);
    expect(stale.message).to.equal(`s3://${bucket}/state/orders.json was changed by another writer meanwhile`);
    expect(await failure(store.write('orders', { n: 3 }, undefined))).to.be.instanceOf(StateConflictError);
    expect((await store.read('orders'))?.value).to.deep.equal({ n: 'other' });
    // Over the version there now, the write goes through.
    await store.write('orders', { n: 4 }, current);
    expect((await store.read('orders'))?.value).to.deep.equal({ n: 4 });
  });

  it('should take 409 ConditionalRequestConflict (two conditional writes at once) as a conflict', async () => {
    const store = await open();
    emulator().refuse((r) => (r.method === 'PUT' ? { status: 409, code: 'ConditionalRequestConflict', message: 'A conflicting conditional operation is currently in progress' } : undefined));
    expect(await failure(store.write('orders', { n: 1 }, undefined))).to.be.instanceOf(StateConflictError);
  });

  it('should take a missing bucket as an error, not as no state', async () => {
    const store = await open(`s3://${bucket}-missing/state/`);
    const error = await failure<Error>(store.read('orders'));
    expect(error.message).to.contain(`reading the state s3://${bucket}-missing/state/orders.json failed: NoSuchBucket`);
  });

  it('should remove the document naming its ETag', async () => {
    const store = await open();
    const v1 = await store.write('gone', { n: 1 }, undefined);
    await store.remove('gone', v1);
    const remove = emulator().requests.find((r) => r.method === 'DELETE')!;
    expect(remove.headers['if-match']).to.equal(v1);
    expect(await store.read('gone')).to.equal(undefined);
  });

  it('should refuse before anything is sent a bad bucket name or missing keys, naming the settings and no secret', async () => {
    const bad = await failure<ConfigurationError>(openStateStore(effectiveConfig({ STATE_URL: 's3://My_Bucket/state/' })));
    expect(bad).to.be.instanceOf(ConfigurationError);
    expect(bad.message).to.contain('BIGRAYS_STATE_URL must be s3://bucket/prefix/').and.contain('uppercase letters');
    const before = emulator().requests.length;
    const missing = await failure<ConfigurationError>(openStateStore({ STATE_URL: `s3://${bucket}/state/`, AWS_SECRET_ACCESS_KEY: TEST_SECRET, AWS_ENDPOINT_URL: BigraysConfig.AWS_ENDPOINT_URL }));
    expect(missing).to.be.instanceOf(ConfigurationError);
    expect(missing.message).to.contain('needs BIGRAYS_AWS_ACCESS_KEY_ID').and.not.contain(TEST_SECRET);
    expect(emulator().requests.length).to.equal(before);
  });

  it('should keep a job\'s state between runs of bigrays run, and show it with bigrays state', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-s3-state-'));
    const env = {
      BIGRAYS_STATE_URL: `s3://${bucket}/state/`,
      BIGRAYS_AWS_ENDPOINT_URL: emulator().endpoint,
      BIGRAYS_AWS_ACCESS_KEY_ID: TEST_KEY_ID,
      BIGRAYS_AWS_SECRET_ACCESS_KEY: TEST_SECRET,
      BIGRAYS_AWS_REGION: TEST_REGION,
    };
    const job = path.join(root, 'spec/fixtures/jobs/state-counter.ts');
    const stored = async (): Promise<unknown> => JSON.parse(await (await emulator().s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'state/state-counter.json' }))).Body!.transformToString());
    try {
      for (const runs of [1, 2]) {
        const result = await spawnCli(['run', job, '-q'], { cwd: dir, env });
        expect(result.status, result.stderr).to.equal(0);
        expect(await stored()).to.have.property('tasks').that.deep.equals({ Count: { runs, at: 'Count' } });
      }
      const shown = await spawnCli(['state', 'show', 'state-counter', '--json'], { cwd: dir, env });
      expect(shown.status, shown.stderr).to.equal(0);
      expect(JSON.parse(shown.stdout)).to.deep.equal(await stored());
      expect(shown.stdout + shown.stderr).not.to.contain(TEST_SECRET);
      expect(existsSync(path.join(dir, '.bigrays'))).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
