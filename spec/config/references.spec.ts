/**
 * Config values that name an SSM parameter or a Secrets Manager secret (`ssm:/name`,
 * `secretsmanager:name#key`), run in this process against a local server speaking both APIs:
 * fetched once before the run, read in their place, masked, cached by SECRETS_CACHE_MS, and
 * refused before anything runs when they cannot be fetched.
 */
import { expect } from 'chai';
import { createServer } from 'node:net';
import { BigraysConfig, bigraysRun, ConfigurationError, SlackPost, Task, TaskInterfaceError, type BigraysError } from '../../lib';
import { planRun } from '../../lib/run/plan';
import { failure } from '../helpers';
import { TEST_KEY_ID, TEST_REGION, TEST_SECRET } from '../support/aws-hooks';
import { startSecretServices, type SecretServices } from '../support/secret-services';

const TOKEN = 'tok-Ssm"9f\'2 Qx%w';
const DB_SECRET = JSON.stringify({ username: 'etl', password: 'db-Pw-from-SM-71c', port: 5432 });

/** Runs one task that records the config it sees (BigraysConfig and its own resolved config). */
async function runSeeing(keys: string[], resourceConfig?: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
  const seen: Array<Record<string, unknown>> = [];
  class See extends Task<void> {
    override resourceConfig = resourceConfig;
    run(): void {
      seen.push(Object.fromEntries(keys.flatMap((key) => [[key, BigraysConfig[key]], [`own ${key}`, this.resolvedConfig[key]]])));
    }
  }
  await bigraysRun(See);
  return seen;
}

function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('config references (ssm:…, secretsmanager:…)', () => {
  let services: SecretServices;
  before(async () => {
    services = await startSecretServices();
  });
  after(() => services.close());
  beforeEach(() => {
    services.requests.length = 0;
    services.parameters.clear();
    services.secrets.clear();
    services.denied.clear();
    services.parameters.set('/bigrays/spec/token', TOKEN);
    services.secrets.set('bigrays/spec/db', DB_SECRET);
    process.env.BIGRAYS_AWS_ACCESS_KEY_ID = TEST_KEY_ID;
    process.env.BIGRAYS_AWS_SECRET_ACCESS_KEY = TEST_SECRET;
    process.env.BIGRAYS_AWS_REGION = TEST_REGION;
    process.env.BIGRAYS_SSM_ENDPOINT_URL = services.endpoint;
    process.env.BIGRAYS_SECRETSMANAGER_ENDPOINT_URL = services.endpoint;
  });

  it('should fetch each reference once before the run, decrypted, and read the value in its place', async () => {
    process.env.BIGRAYS_API_TOKEN = 'ssm:/bigrays/spec/token';
    BigraysConfig.DB_PWD = 'secretsmanager:bigrays/spec/db#password';
    const seen = await runSeeing(['API_TOKEN', 'DB_PWD', 'OTHER'], { OTHER: 'ssm:/bigrays/spec/token' });
    expect(seen).to.deep.equal([{
      API_TOKEN: TOKEN, 'own API_TOKEN': TOKEN, DB_PWD: 'db-Pw-from-SM-71c', 'own DB_PWD': 'db-Pw-from-SM-71c', OTHER: undefined, 'own OTHER': TOKEN,
    }]);
    // Three places, two distinct references: two requests.
    expect(services.requests).to.have.deep.members([
      { target: 'AmazonSSM.GetParameter', name: '/bigrays/spec/token', withDecryption: true },
      { target: 'secretsmanager.GetSecretValue', name: 'bigrays/spec/db' },
    ]);
  });

  it('should let later runs reuse a value while it is younger than SECRETS_CACHE_MS, and fetch it for every run with 0', async () => {
    process.env.BIGRAYS_API_TOKEN = 'ssm:/bigrays/spec/token';
    await runSeeing(['API_TOKEN']);
    const second = await runSeeing(['API_TOKEN']);
    expect(second[0].API_TOKEN).to.equal(TOKEN);
    expect(services.requests).to.have.length(1);

    process.env.BIGRAYS_SECRETS_CACHE_MS = '0';
    services.parameters.set('/bigrays/spec/token', 'rotated-token-2');
    const third = await runSeeing(['API_TOKEN']);
    expect(third[0].API_TOKEN).to.equal('rotated-token-2');
    expect(services.requests).to.have.length(2);
  });

  it('should keep a run\'s values for the runs nested in its tasks, fetching nothing again', async () => {
    process.env.BIGRAYS_API_TOKEN = 'ssm:/bigrays/spec/token';
    process.env.BIGRAYS_SECRETS_CACHE_MS = '0';
    const seen: unknown[] = [];
    class Inner extends Task<void> {
      run(): void {
        seen.push(BigraysConfig.API_TOKEN);
      }
    }
    class Outer extends Task<void> {
      async run(): Promise<void> {
        services.parameters.set('/bigrays/spec/token', 'rotated-mid-run');
        await bigraysRun(Inner);
        await bigraysRun(Inner);
      }
    }
    await bigraysRun(Outer);
    expect(seen).to.deep.equal([TOKEN, TOKEN]);
    expect(services.requests).to.have.length(1);
  });

  it('should mask a fetched value in a failed run\'s messages, whatever its key, as written and percent-encoded', async () => {
    process.env.BIGRAYS_API_TOKEN = 'ssm:/bigrays/spec/token';
    class Leaky extends Task<void> {
      run(): void {
        throw new Error(`refused ${String(BigraysConfig.API_TOKEN)} and ${encodeURIComponent(String(BigraysConfig.API_TOKEN))}`);
      }
    }
    const error = await failure<BigraysError>(bigraysRun(Leaky));
    const texts = [error.message, error.stack ?? '', JSON.stringify(error.report)];
    for (const text of texts) {
      expect(text).to.include('refused ***');
      expect(text).not.to.include(TOKEN);
      expect(text).not.to.include(encodeURIComponent(TOKEN));
    }
  });

  it('should refuse a missing parameter before any task runs, naming the key, the reference and the fix, never a value', async () => {
    process.env.BIGRAYS_DB_PWD = 'ssm:/bigrays/spec/missing';
    process.env.BIGRAYS_API_TOKEN = 'ssm:/bigrays/spec/token';
    const ran: string[] = [];
    class First extends Task<void> {
      run(): void {
        ran.push('First');
      }
    }
    const error = await failure<ConfigurationError>(bigraysRun(First));
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error.message).to.include('BIGRAYS_DB_PWD = ssm:/bigrays/spec/missing')
      .and.include('SSM parameter /bigrays/spec/missing does not exist (ParameterNotFound')
      .and.include('create it, or correct the reference (or BIGRAYS_AWS_REGION');
    expect(error.message).not.to.include(TOKEN);
    expect(error.missing).to.deep.equal(['BIGRAYS_DB_PWD']);
    expect(ran).to.deep.equal([]);
  });

  it('should say which credentials may not read a reference, and the permission that fixes it', async () => {
    services.denied.add('bigrays/spec/db');
    BigraysConfig.DB_PWD = 'secretsmanager:bigrays/spec/db#password';
    const error = await failure<ConfigurationError>(runSeeing(['DB_PWD']));
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error.message).to.include('BigraysConfig.DB_PWD = secretsmanager:bigrays/spec/db#password')
      .and.include(`the credentials (access key ${TEST_KEY_ID}) may not read key \`password\` of Secrets Manager secret bigrays/spec/db`)
      .and.include('allow secretsmanager:GetSecretValue');
    expect(error.message).not.to.include(TEST_SECRET);
  });

  it('should say when an endpoint cannot be reached, naming its env var', async () => {
    process.env.BIGRAYS_SSM_ENDPOINT_URL = `http://127.0.0.1:${await deadPort()}`;
    process.env.BIGRAYS_API_TOKEN = 'ssm:/bigrays/spec/token';
    const error = await failure<ConfigurationError>(runSeeing(['API_TOKEN']));
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error.message).to.include(`${process.env.BIGRAYS_SSM_ENDPOINT_URL} could not be reached to fetch SSM parameter /bigrays/spec/token`)
      .and.include('check BIGRAYS_SSM_ENDPOINT_URL');
    expect(error.missing).to.deep.equal(['BIGRAYS_API_TOKEN']);
  });

  it('should say no credentials were found when there are no keys and the default chain finds none', async () => {
    const saved = { ...process.env };
    try {
      delete process.env.BIGRAYS_AWS_ACCESS_KEY_ID;
      delete process.env.BIGRAYS_AWS_SECRET_ACCESS_KEY;
      for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
      Object.assign(process.env, { AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' });
      process.env.BIGRAYS_API_TOKEN = 'ssm:/bigrays/spec/token';
      const error = await failure<ConfigurationError>(runSeeing(['API_TOKEN']));
      expect(error.message).to.include('no AWS credentials were found to fetch SSM parameter /bigrays/spec/token')
        .and.include('set BIGRAYS_AWS_ACCESS_KEY_ID and BIGRAYS_AWS_SECRET_ACCESS_KEY, or run with a role or profile');
      expect(services.requests).to.deep.equal([]);
    } finally {
      for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
      Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([key]) => key.startsWith('AWS_'))));
    }
  });

  it('should name a key a secret lacks, and the keys it has, and never quote a secret that is not JSON', async () => {
    services.secrets.set('bigrays/spec/plain', 'plain-Secret-Text-93');
    process.env.BIGRAYS_DB_PWD = 'secretsmanager:bigrays/spec/db#pasword';
    process.env.BIGRAYS_API_TOKEN = 'secretsmanager:bigrays/spec/plain#token';
    const error = await failure<ConfigurationError>(runSeeing(['DB_PWD']));
    expect(error.message).to.include('Could not fetch 2 config values')
      .and.include('Secrets Manager secret bigrays/spec/db holds no key `pasword`')
      .and.include('(it has `username`, `password`, `port`)')
      .and.include('Secrets Manager secret bigrays/spec/plain is not a JSON object');
    expect(error.message).not.to.include('plain-Secret-Text-93').and.not.include('db-Pw-from-SM-71c');
    expect(error.missing).to.have.members(['BIGRAYS_DB_PWD', 'BIGRAYS_API_TOKEN']);
  });

  it('should refuse a malformed reference, and an endpoint given as a reference, before fetching anything', async () => {
    process.env.BIGRAYS_API_TOKEN = 'secretsmanager:bigrays/spec/db#';
    const malformed = await failure<ConfigurationError>(runSeeing(['API_TOKEN']));
    expect(malformed.message).to.include('BIGRAYS_API_TOKEN = secretsmanager:bigrays/spec/db#: it cannot be read as a reference (nothing follows `#`');
    process.env.BIGRAYS_API_TOKEN = 'ssm:/bigrays/spec/token';
    process.env.BIGRAYS_SSM_ENDPOINT_URL = 'ssm:/endpoint';
    const endpoint = await failure<ConfigurationError>(runSeeing(['API_TOKEN']));
    expect(endpoint.message).to.include('BIGRAYS_SSM_ENDPOINT_URL is `ssm:/endpoint`, a reference');
    expect(services.requests).to.deep.equal([]);
  });

  it('should report a task\'s attribute error before fetching anything', async () => {
    process.env.BIGRAYS_SLACK_WEBHOOK_URL = 'ssm:/bigrays/spec/token';
    class Tell extends SlackPost { input = 42 as unknown as string; }
    const error = await failure<TaskInterfaceError>(bigraysRun(Tell));
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain('Tell input must be the message text (a string), got 42');
    expect(services.requests).to.deep.equal([]);
  });

  it('should give a dry run the identity a run has: {job} and {runId} filled, JOB_NAME and STATE_URL checked', async () => {
    process.env.BIGRAYS_JOB_NAME = 'orders';
    class Named extends Task<void> { key = '{job}/{runId}.csv'; run(): void {} }
    const plan = await planRun([Named]);
    expect(plan.steps[0].attributes.key).to.match(/^orders\/[0-9a-f-]{36}\.csv$/);
    // A name fetched from SSM is checked as a run checks it (and, fetched, masked as every fetched value is).
    process.env.BIGRAYS_JOB_NAME = 'ssm:/bigrays/spec/job';
    services.parameters.set('/bigrays/spec/job', 'orders/../x');
    expect((await failure<ConfigurationError>(planRun([Named]))).message).to.contain('BIGRAYS_JOB_NAME must be letters, digits');
    process.env.BIGRAYS_JOB_NAME = 'orders';
    process.env.BIGRAYS_STATE_URL = 'ftp://example.com/state/';
    const state = await failure<ConfigurationError>(planRun([Named]));
    expect(state).to.be.instanceOf(ConfigurationError);
    expect(state.message).to.contain('BIGRAYS_STATE_URL');
  });
});
