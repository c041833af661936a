/** Local mode on the job's side: every task's config kept on the emulator and SQLite. */
import { expect } from 'chai';
import { AwsResource, ConfigurationError, Resource, S3Resource, sqlExecute, SQLQuery, sqlSession, Task, ToS3, type AwsClientSettings } from '../../lib';
import { freshSqliteDsn, sqliteLoads } from '../support/sql-hooks';
import { CommandDriver } from '../../lib/job/command-driver';
import { LocalOverlay } from '../../lib/job/local-overlay';
import type { JobMessage, RunMessage } from '../../lib/job/messages';
import { runOn } from '../../lib/run';
import { Runtime } from '../../lib/runtime';

const env = {
  BIGRAYS_AWS_ENDPOINT_URL: 'http://127.0.0.1:4999',
  BIGRAYS_AWS_ACCESS_KEY_ID: 'k',
  BIGRAYS_AWS_SECRET_ACCESS_KEY: 's',
  BIGRAYS_AWS_REGION: 'us-east-1',
  BIGRAYS_DB_DSN: 'sqlite:.bigrays/job.sqlite',
};

describe('the local overlay', () => {
  it('should keep an AWS task on the emulator, whatever its resourceConfig says', () => {
    const overlay = new LocalOverlay('/jobs/job.ts', () => undefined, env);
    class Up extends ToS3 { bucket = 'b'; key = 'k'; input = 'x'; resourceConfig = { AWS_ENDPOINT_URL: 'https://s3.amazonaws.com', AWS_SESSION_TOKEN: 'tok' }; }
    const task = new Up();
    expect(task.requiredResource).to.be.instanceOf(S3Resource);
    overlay.apply(task);
    expect(task.resourceConfig).to.include({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4999', AWS_ACCESS_KEY_ID: 'k', AWS_SESSION_TOKEN: '' });
  });

  it('should give another database a SQLite file of its own, once, with a note', () => {
    const notes: string[] = [];
    const overlay = new LocalOverlay('/jobs/job.ts', (n) => notes.push(n), env);
    class Main extends SQLQuery { query = 'select 1'; }
    class Other extends SQLQuery { query = 'select 1'; resourceConfig = { DB_DSN: 'postgres://etl:Pw-Secret-9@db/w' }; }
    const main = new Main();
    overlay.apply(main);
    expect(main.resourceConfig ?? {}).not.to.have.property('DB_DSN');
    const first = new Other();
    const second = new Other();
    overlay.apply(first);
    overlay.apply(second);
    expect(first.resourceConfig).to.include({ DB_DSN: 'sqlite:.bigrays/job-2.sqlite', DB_PWD: '' });
    expect(second.resourceConfig).to.deep.equal(first.resourceConfig);
    expect(notes).to.deep.equal(["SQL: postgres://etl:***@db/w (a task's resourceConfig) → SQLite database .bigrays/job-2.sqlite"]);
  });
});

/** A resource of the job's own that reaches a service through a setting, with no local form. */
class CacheClient extends Resource<string> {
  override requiredConfigs = ['CACHE_URL'];
  open(): string {
    return 'connected';
  }
}

/** A runtime driven by the command in local mode, its messages kept in a list. */
function localJob(): { run: (tasks: Array<typeof Task<unknown>>) => ReturnType<typeof runOn>; sent: JobMessage[] } {
  const sent: JobMessage[] = [];
  const send = async (message: JobMessage): Promise<void> => void sent.push(message);
  const runtime = new Runtime();
  new CommandDriver({ job: '/jobs/job.ts', set: {}, only: [], dryRun: false, local: true }, runtime, send, () => undefined).install();
  return { run: (tasks) => runOn(runtime, tasks), sent };
}

describe('the local overlay and what a resource is', () => {
  it('should refuse, before any task runs, a task whose resource has no local form, naming the task, the resource and its setting but not its value', async () => {
    const ran: string[] = [];
    const cache = new CacheClient();
    class First extends Task<number> { run() { ran.push('First'); return 1; } }
    class Warm extends Task<void> {
      requiredResource = cache;
      resourceConfig = { CACHE_URL: 'redis://:Cache-Secret-7@cache.example.com:6379' };
      run() { ran.push('Warm'); }
    }
    const { run, sent } = localJob();
    const error = await run([First, Warm]).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).to.match(/^Warm: its resource CacheClient has no local form, so under --local it would reach the real service \(it needs BIGRAYS_CACHE_URL\)/);
    expect(message).to.include('run the job without --local');
    expect(message).not.to.include('Cache-Secret-7');
    expect(ran, 'no task ran').to.deep.equal([]);
    const report = sent.find((m): m is RunMessage => m.bigrays === 'run');
    expect(report?.error).to.include({ exitCode: 2 });
  });

  it('should refuse a resource whose local form local mode does not know', () => {
    class Odd extends CacheClient { override localForm() { return 'ftp-server' as never; } }
    class Fetch extends Task<void> { requiredResource = new Odd(); run() {} }
    const overlay = new LocalOverlay('/jobs/job.ts', () => undefined, env);
    expect(() => overlay.apply(new Fetch())).to.throw(ConfigurationError, /Fetch: its resource Odd has local form "ftp-server", which local mode does not know/);
  });

  it('should run a task whose resource has no local form but needs no config', async () => {
    class Scratch extends Resource<string> { open(): string { return '/tmp/scratch'; } }
    const scratch = new Scratch();
    class Use extends Task<string> { requiredResource = scratch; run() { return this.requiredResource.handle as string; } }
    const { run } = localJob();
    const report = await run([Use]);
    expect(report.tasks[0]).to.include({ name: 'Use', status: 'ok' });
  });

  it("should keep a job's own AWS client on the emulator: it is one by what it is, not by its class's name", () => {
    class QueueClient extends AwsResource<{ destroy(): void; endpoint?: string }> {
      protected createClient(settings: AwsClientSettings) { return { destroy() {}, endpoint: settings.endpoint }; }
    }
    class Enqueue extends Task<void> { requiredResource = new QueueClient(); resourceConfig = { AWS_ENDPOINT_URL: 'https://sqs.eu-west-1.amazonaws.com' }; run() {} }
    const overlay = new LocalOverlay('/jobs/job.ts', () => undefined, env);
    const task = new Enqueue();
    overlay.apply(task);
    expect(task.resourceConfig).to.include({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4999', AWS_ACCESS_KEY_ID: 'k' });
  });
});

describe('a functional call inside a task under --local', () => {
  const saved = process.env.BIGRAYS_DB_DSN;
  afterEach(() => {
    if (saved === undefined) delete process.env.BIGRAYS_DB_DSN;
    else process.env.BIGRAYS_DB_DSN = saved;
  });

  it('should share the task\'s SQL session, as it does without --local: a temp table the task made is there', async function () {
    if (!sqliteLoads()) this.skip();
    process.env.BIGRAYS_DB_DSN = freshSqliteDsn();
    const { run } = localJob();
    class Build extends Task<unknown> {
      requiredResource = sqlSession;
      async run() {
        await this.requiredResource.handle.execute('create temp table picked (x integer)');
        await sqlExecute({ statement: 'insert into picked values (1), (2)' });
        return (await this.requiredResource.handle.query('select count(*) as n from picked')).rows[0][0];
      }
    }
    const report = await run([Build]);
    expect(report.tasks[0]).to.include({ name: 'Build', status: 'ok' });
  });
});
