import { GetObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, ConfigurationError, register, SNSPublish, Task, ToS3 } from '../../lib';
import { effectiveConfig } from '../../lib/config';
import { awsClientSettings } from '../../lib/resources/aws';
import { failure } from '../helpers';
import { createBucket, useEmulator } from '../support/aws-hooks';

/** The access key ids that signed the requests the emulator received. */
function signingKeyIds(requests: Array<{ headers: Record<string, unknown> }>): string[] {
  const ids = requests.map((r) => /Credential=([^/]+)\//.exec(String(r.headers.authorization ?? ''))?.[1] ?? '(unsigned)');
  return [...new Set(ids)];
}

/** Runs `fn` with process env vars set (not BIGRAYS_ ones, which the root hooks reset), then restores them. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

describe('AWS configuration', () => {
  const emulator = useEmulator();

  it('should refuse to start without keys, naming both env vars, before any task runs', async () => {
    delete BigraysConfig.AWS_ACCESS_KEY_ID;
    delete BigraysConfig.AWS_SECRET_ACCESS_KEY;
    const ran: string[] = [];
    @register class Prepare extends Task { run() { ran.push('Prepare'); } }
    @register class Upload extends ToS3 { input = 'x'; bucket = 'bkt'; key = 'k'; }
    @register class Notify extends SNSPublish { input = 'x'; topic = 'arn:aws:sns:us-east-1:000000000000:t'; }
    const error = await failure<ConfigurationError>(bigraysRun());
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error.missing).to.deep.equal(['BIGRAYS_AWS_ACCESS_KEY_ID', 'BIGRAYS_AWS_SECRET_ACCESS_KEY']);
    expect(error.message).to.contain('BIGRAYS_AWS_ACCESS_KEY_ID (needed by Upload, Notify)');
    expect(error.message).to.contain('BIGRAYS_AWS_SECRET_ACCESS_KEY (needed by Upload, Notify)');
    expect(ran).to.deep.equal([]);
    expect(emulator().requests).to.deep.equal([]);
    expect(Prepare).to.be.a('function');
  });

  it('should ask for the missing half of a key pair even when secrets are not required', async () => {
    BigraysConfig.AWS_REQUIRE_SECRETS = false;
    delete BigraysConfig.AWS_SECRET_ACCESS_KEY;
    @register class Upload extends ToS3 { input = 'x'; bucket = 'bkt'; key = 'k'; }
    await expect(bigraysRun()).to.be.rejectedWith(ConfigurationError, /BIGRAYS_AWS_SECRET_ACCESS_KEY \(needed by Upload\)/);
    expect(Upload).to.be.a('function');
  });

  it('should accept the original S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY as aliases, and sign with them', async () => {
    const bucket = await createBucket('alias');
    delete BigraysConfig.AWS_ACCESS_KEY_ID;
    delete BigraysConfig.AWS_SECRET_ACCESS_KEY;
    process.env.BIGRAYS_S3_ACCESS_KEY_ID = 'AKIDFROMALIAS';
    process.env.BIGRAYS_S3_SECRET_ACCESS_KEY = 'alias-secret-value-123';
    emulator().requests.length = 0;
    @register class Upload extends ToS3 { input = 'via alias'; bucket = bucket; key = 'alias.txt'; }
    await bigraysRun();
    expect(signingKeyIds(emulator().requests)).to.deep.equal(['AKIDFROMALIAS']);
    const object = await emulator().s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'alias.txt' }));
    expect(await object.Body!.transformToString()).to.equal('via alias');
    expect(Upload).to.be.a('function');
  });

  it('should prefer AWS_ACCESS_KEY_ID over its alias when both are set', async () => {
    BigraysConfig.AWS_ACCESS_KEY_ID = 'AKIDPRIMARY';
    BigraysConfig.S3_ACCESS_KEY_ID = 'AKIDALIAS';
    const settings = await awsClientSettings(effectiveConfig());
    expect(settings.credentials?.accessKeyId).to.equal('AKIDPRIMARY');
  });

  it('should use the SDK default credential chain when AWS_REQUIRE_SECRETS is false and no keys are set', async () => {
    const bucket = await createBucket('chain');
    delete BigraysConfig.AWS_ACCESS_KEY_ID;
    delete BigraysConfig.AWS_SECRET_ACCESS_KEY;
    process.env.BIGRAYS_AWS_REQUIRE_SECRETS = 'false';
    emulator().requests.length = 0;
    @register class Upload extends ToS3 { input = 'from the chain'; bucket = bucket; key = 'chain.txt'; }
    await withEnv({ AWS_ACCESS_KEY_ID: 'AKIDFROMSDKENV', AWS_SECRET_ACCESS_KEY: 'sdk-env-secret', AWS_PROFILE: undefined }, () => bigraysRun());
    expect(signingKeyIds(emulator().requests)).to.deep.equal(['AKIDFROMSDKENV']);
    expect(Upload).to.be.a('function');
  });

  it('should send AWS_SESSION_TOKEN with every request', async () => {
    const bucket = await createBucket('token');
    BigraysConfig.AWS_SESSION_TOKEN = 'session-token-value';
    emulator().requests.length = 0;
    @register class Upload extends ToS3 { input = 'x'; bucket = bucket; key = 'k'; }
    await bigraysRun();
    const tokens = emulator().requests.map((r) => r.headers['x-amz-security-token']);
    expect(tokens).to.have.length.greaterThan(1);
    expect(new Set(tokens)).to.deep.equal(new Set(['session-token-value']));
    expect(Upload).to.be.a('function');
  });

  it('should default the region to us-east-1 when neither bigrays nor the SDK environment names one', async () => {
    delete BigraysConfig.AWS_REGION;
    await withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' }, async () => {
      expect((await awsClientSettings(effectiveConfig())).region).to.equal('us-east-1');
    });
    await withEnv({ AWS_REGION: 'eu-west-3' }, async () => {
      expect((await awsClientSettings(effectiveConfig())).region).to.equal('eu-west-3');
    });
    BigraysConfig.AWS_REGION = 'ap-south-1';
    await withEnv({ AWS_REGION: 'eu-west-3' }, async () => {
      expect((await awsClientSettings(effectiveConfig())).region).to.equal('ap-south-1');
    });
  });

  it('should reject a malformed AWS_ENDPOINT_URL or AWS_REQUIRE_SECRETS before any task runs', async () => {
    BigraysConfig.AWS_ENDPOINT_URL = 'localhost:4566';
    @register class Upload extends ToS3 { input = 'x'; bucket = 'bkt'; key = 'k'; }
    await expect(bigraysRun()).to.be.rejectedWith(ConfigurationError, /BIGRAYS_AWS_ENDPOINT_URL must be an http\(s\) URL such as http:\/\/127\.0\.0\.1:4566, got `localhost:4566`/);
    BigraysConfig.AWS_ENDPOINT_URL = emulator().endpoint;
    BigraysConfig.AWS_REQUIRE_SECRETS = 'maybe';
    await expect(bigraysRun()).to.be.rejectedWith(ConfigurationError, /BIGRAYS_AWS_REQUIRE_SECRETS must be true or false/);
    expect(emulator().requests).to.deep.equal([]);
    expect(Upload).to.be.a('function');
  });
});
