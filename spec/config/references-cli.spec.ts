/**
 * Config references as a user meets them: `bigrays run job.ts` (run again and again) whose
 * database password is an SSM parameter or a key of a Secrets Manager secret connects with it,
 * fetched once per run however many tasks use it, and never shows it; a missing parameter
 * stops the run before anything changed, exit 2; `bigrays config` shows the reference; a warm
 * Lambda handler fetches once. SSM and Secrets Manager: a local server speaking their APIs.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TEST_KEY_ID, TEST_REGION, TEST_SECRET } from '../support/aws-hooks';
import { root, spawnCli, type CliResult } from '../support/cli';
import { admin } from '../support/pg-admin';
import { startSecretServices, type SecretServices } from '../support/secret-services';
import { freshPostgresDsn, postgresPort } from '../support/sql-hooks';
import { spawnNode } from '../support/spawn';

const JOB = 'spec/fixtures/jobs/references.ts';
/** The role's password: long enough to be masked by value, with characters a DSN would encode. */
const PASSWORD = 'ssm-Pw "7q\'x@%Lm';

/** Every way a password may be written out: as it is, percent-encoded, escaped inside JSON text. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), JSON.stringify(encodeURIComponent(secret)).slice(1, -1)])];
}

function expectNoPassword(text: string, where: string): void {
  for (const form of forms(PASSWORD)) expect(text.includes(form), `${where} shows ${JSON.stringify(form)}`).to.equal(false);
}

describe('config references under bigrays run', function () {
  this.timeout(300_000);
  let services: SecretServices;
  let base: string;
  let role: string;
  let roleDsn: string;
  let dir: string;

  before(async () => {
    services = await startSecretServices();
    base = await freshPostgresDsn();
    role = `bigrays_refs_${process.pid}`;
    await admin(base, `drop role if exists ${role}`);
    await admin(base, `create role ${role} login password '${PASSWORD.replace(/'/g, "''")}'`);
    await admin(base, `grant all on schema public to ${role}`);
    // No password in the DSN: DB_PWD gives it.
    roleDsn = `postgres://${role}@127.0.0.1:${postgresPort()}${new URL(base).pathname}`;
  });
  after(async () => {
    await services.close();
    await admin(base, `drop owned by ${role}`);
    await admin(base, `drop role if exists ${role}`);
  });
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-refs-'));
    services.requests.length = 0;
    services.parameters.clear();
    services.secrets.clear();
    services.parameters.set('/bigrays/spec/db-password', PASSWORD);
    services.secrets.set('bigrays/spec/db', JSON.stringify({ username: role, password: PASSWORD }));
    await admin(base, 'drop table if exists refs_runs');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function env(extra: Record<string, string>): Record<string, string> {
    return {
      BIGRAYS_DB_DSN: roleDsn,
      BIGRAYS_AWS_ACCESS_KEY_ID: TEST_KEY_ID,
      BIGRAYS_AWS_SECRET_ACCESS_KEY: TEST_SECRET,
      BIGRAYS_AWS_REGION: TEST_REGION,
      BIGRAYS_SSM_ENDPOINT_URL: services.endpoint,
      BIGRAYS_SECRETSMANAGER_ENDPOINT_URL: services.endpoint,
      ...extra,
    };
  }

  async function rows(): Promise<Array<{ who: string }>> {
    return admin<{ who: string }>(base, 'select who from refs_runs order by id');
  }

  async function run(extra: Record<string, string>, ...args: string[]): Promise<CliResult> {
    return spawnCli(['run', JOB, ...args], { env: env(extra) });
  }

  it('should connect with an SSM parameter as DB_PWD, fetched once per run for three tasks, and show it nowhere', async () => {
    const ssm = { BIGRAYS_DB_PWD: 'ssm:/bigrays/spec/db-password' };
    const first = await run(ssm, '--json');
    expect(first.status, first.stderr).to.equal(0);
    expect((JSON.parse(first.stdout) as { tasks: Array<{ status: string }> }).tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok', 'ok']);
    expect(await rows()).to.deep.equal([{ who: role }]);
    expect(services.requests).to.deep.equal([{ target: 'AmazonSSM.GetParameter', name: '/bigrays/spec/db-password', withDecryption: true }]);

    // Run again, with DEBUG on and a --record file: one more row, one more fetch, no password anywhere.
    const record = path.join(dir, 'runs.jsonl');
    const second = await run({ ...ssm, DEBUG: 'bigrays*' }, '--record', record);
    expect(second.status, second.stderr).to.equal(0);
    expect(await rows()).to.deep.equal([{ who: role }, { who: role }]);
    expect(services.requests).to.have.length(2);
    expect(second.stderr).to.include('fetched ssm:/bigrays/spec/db-password (SSM parameter /bigrays/spec/db-password)');
    expectNoPassword(`${first.stdout}\n${first.stderr}\n${second.stdout}\n${second.stderr}\n${readFileSync(record, 'utf8')}`, 'a run that connects');

    // A task that fails with the password in its message: masked in the summary, --json and DEBUG.
    const leaky = await run({ ...ssm, LEAK: '1', DEBUG: 'bigrays*' }, '--json');
    expect(leaky.status, leaky.stderr).to.equal(1);
    const leakyTask = (JSON.parse(leaky.stdout) as { tasks: Array<{ name: string; error?: string }> }).tasks.find((t) => t.name === 'Leaky');
    expect(leakyTask?.error).to.include('login refused for password ***');
    expectNoPassword(`${leaky.stdout}\n${leaky.stderr}`, 'a run whose task leaks the password');
  });

  it('should take a key of a Secrets Manager secret, from a --dotenv file and in a task\'s resourceConfig, fetched once', async () => {
    const reference = 'secretsmanager:bigrays/spec/db#password';
    // Quoted: in an env file, `#` outside quotes starts a comment.
    const envFile = path.join(dir, 'job.env');
    writeFileSync(envFile, `BIGRAYS_DB_PWD="${reference}"\n`);
    const result = await run({ TASK_DB_PWD: reference, DEBUG: 'bigrays*' }, '--json', '--dotenv', envFile);
    expect(result.status, result.stderr).to.equal(0);
    expect(await rows()).to.deep.equal([{ who: role }]);
    expect(services.requests).to.deep.equal([{ target: 'secretsmanager.GetSecretValue', name: 'bigrays/spec/db' }]);
    expectNoPassword(`${result.stdout}\n${result.stderr}`, 'a run with a secret');
  });

  it('should stop before anything runs on a missing parameter, exit 2, naming BIGRAYS_DB_PWD and the parameter', async () => {
    const result = await run({ BIGRAYS_DB_PWD: 'ssm:/bigrays/spec/nope' });
    expect(result.status, result.stderr).to.equal(2);
    expect(result.stderr).to.include('BIGRAYS_DB_PWD = ssm:/bigrays/spec/nope')
      .and.include('SSM parameter /bigrays/spec/nope does not exist')
      .and.include('create it, or correct the reference (or BIGRAYS_AWS_REGION');
    expect(await admin(base, "select to_regclass('refs_runs') as t")).to.deep.equal([{ t: null }]);
  });

  it('should take STATE_URL and JOB_NAME from SSM in runs, a dry run and bigrays state', async () => {
    const stateDir = path.join(dir, 'state');
    services.parameters.set('/bigrays/spec/state-url', stateDir);
    services.parameters.set('/bigrays/spec/job-name', 'nightly-orders');
    const refs = env({ BIGRAYS_STATE_URL: 'ssm:/bigrays/spec/state-url', BIGRAYS_JOB_NAME: 'ssm:/bigrays/spec/job-name' });
    const counter = 'spec/fixtures/jobs/state-counter.ts';
    for (const runs of [1, 2]) {
      const result = await spawnCli(['run', counter], { env: refs });
      expect(result.status, result.stderr).to.equal(0);
      const document = JSON.parse(readFileSync(path.join(stateDir, 'nightly-orders.json'), 'utf8')) as { job: string; tasks: unknown };
      expect(document).to.deep.include({ job: 'nightly-orders', tasks: { Count: { runs, at: 'Count' } } });
    }
    const dry = await spawnCli(['run', counter, '--dry-run'], { env: refs });
    expect(dry.status, dry.stderr).to.equal(0);
    const shown = await spawnCli(['state', 'show', 'nightly-orders', '--json'], { env: refs });
    expect(shown.status, shown.stderr).to.equal(0);
    expect((JSON.parse(shown.stdout) as { tasks: unknown }).tasks).to.deep.equal({ Count: { runs: 2, at: 'Count' } });
  });

  it('should fetch in a dry run too, showing the plan with the value masked', async () => {
    const result = await run({ BIGRAYS_DB_PWD: 'ssm:/bigrays/spec/db-password' }, '--dry-run');
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include('Create').and.include('Count');
    expect(services.requests).to.have.length(1);
    expectNoPassword(`${result.stdout}\n${result.stderr}`, 'a dry run');
    expect(await admin(base, "select to_regclass('refs_runs') as t")).to.deep.equal([{ t: null }]);
  });

  it('should show a reference as it is in bigrays config, fetching nothing', async () => {
    const result = await spawnCli(['config'], { env: env({ BIGRAYS_DB_PWD: 'secretsmanager:bigrays/spec/db#password' }) });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/BIGRAYS_DB_PWD += secretsmanager:bigrays\/spec\/db#password\n/);
    expect(services.requests).to.deep.equal([]);
  });

  it('should fetch once for a warm Lambda handler invoked twice, and again once the value is older than SECRETS_CACHE_MS', async () => {
    services.parameters.set('/bigrays/spec/token', 'lambda-Token-5521');
    const fixtures = path.join(root, 'spec/fixtures/lambda');
    const invoke = async (extra: Record<string, string>): Promise<string[]> => {
      const done = await spawnNode([path.join(fixtures, 'runtime.mjs'), path.join(fixtures, 'references.mjs'), '60000', '{}', '{}'], {
        env: { ...env({ BIGRAYS_API_TOKEN: 'ssm:/bigrays/spec/token' }), EXPECTED_TOKEN: 'lambda-Token-5521', ...extra },
      }).finished;
      expect(done.code, done.stderr).to.equal(0);
      return done.stdout.trim().split('\n').filter((line) => line.startsWith('{'))
        .map((line) => JSON.stringify((JSON.parse(line) as { ok?: { tasks: Array<{ status: string }> } }).ok?.tasks.map((t) => t.status) ?? line));
    };
    expect(await invoke({})).to.deep.equal(['["ok"]', '["ok"]']);
    expect(services.requests).to.have.length(1);
    services.requests.length = 0;
    expect(await invoke({ BIGRAYS_SECRETS_CACHE_MS: '0' })).to.deep.equal(['["ok"]', '["ok"]']);
    expect(services.requests).to.have.length(2);
  });
});
