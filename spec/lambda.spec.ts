/**
 * `bigrays/lambda`: a job's module exports `lambdaHandler()`, and the Lambda runtime (played here
 * by spec/fixtures/lambda/runtime.mjs, in a process of its own, warm between invocations) calls
 * it once per event.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { admin } from './support/pg-admin';
import { freshPostgresDsn } from './support/sql-hooks';
import { spawnNode } from './support/spawn';

const fixtures = path.join(__dirname, 'fixtures/lambda');

interface Outcome {
  ok?: { tasks: Array<{ name: string; status: string; error?: string }> };
  errorType?: string;
  errorMessage?: string;
  ms: number;
}

async function invoke(env: Record<string, string>, timeoutMs: number, ...events: unknown[]): Promise<Outcome[]> {
  const run = spawnNode([path.join(fixtures, 'runtime.mjs'), path.join(fixtures, 'job.mjs'), String(timeoutMs), ...events.map((e) => JSON.stringify(e))], { env });
  const done = await run.finished;
  expect(done.code, done.stderr).to.equal(0);
  return done.stdout.trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Outcome);
}

describe('bigrays/lambda', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-lambda-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should run the job once per invocation, the event\'s fields as keywords of that invocation only, and return the report', async () => {
    const [first, second] = await invoke({ OUT_DIR: dir }, 60_000, { day: '2026-03-01', n: 7, nested: { x: 1 } }, { day: '2026-03-02' });
    expect(first.ok!.tasks.map((t) => `${t.name}:${t.status}`)).to.deep.equal(['Pick:ok', 'Save:ok']);
    expect(second.ok!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok']);
    expect(readdirSync(dir).sort()).to.deep.equal(['2026-03-01.csv', '2026-03-02.csv']);
    expect(readFileSync(path.join(dir, '2026-03-01.csv'), 'utf8')).to.equal('day,n\n2026-03-01,7\n');
    // The second invocation does not see the first one's `n`.
    expect(readFileSync(path.join(dir, '2026-03-02.csv'), 'utf8')).to.equal('day,n\n2026-03-02,none\n');
  });

  it('should throw the run\'s error, naming the task, when a task fails', async () => {
    const [failed, after] = await invoke({ OUT_DIR: dir }, 60_000, { day: 'x', fail: true }, { day: 'y' });
    expect(failed.errorType).to.equal('BigraysError');
    expect(failed.errorMessage).to.match(/task Pick failed/).and.match(/asked to fail/);
    expect(after.ok!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok']);
    expect(readdirSync(dir)).to.deep.equal(['y.csv']);
  });

  it('should say to add a keyword the job uses to the event when an invocation lacks it, before any task runs', async () => {
    const [missing, after] = await invoke({ OUT_DIR: dir }, 60_000, { n: 1 }, { day: 'z' });
    expect(missing.errorType).to.equal('TaskError');
    expect(missing.errorMessage).to.contain('Save.filename uses the keyword `day`, which is not set: add it to the invocation\'s event: { "day": … }');
    expect(missing.errorMessage).not.to.contain('updateFormatKws');
    expect(after.ok!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok']);
    expect(readdirSync(dir)).to.deep.equal(['z.csv']);
  });

  it('should refuse an event keyword that would rewrite the SQL, deleting nothing, and take a number', async () => {
    const dsn = await freshPostgresDsn();
    await admin(dsn, 'create table lambda_items (id int)');
    await admin(dsn, 'insert into lambda_items values (1), (2), (3)');
    const [refused, fine] = await invoke({ OUT_DIR: dir, WITH_PURGE: '1', BIGRAYS_DB_DSN: dsn }, 60_000, { day: 'a', id: '1 or 1=1' }, { day: 'b', id: 2 });
    expect(refused.errorType).to.equal('TaskError');
    expect(refused.errorMessage).to.contain('Purge.statement: the keyword `id` holds a space');
    expect(refused.errorMessage).to.contain('{id!q}');
    expect(fine.ok!.tasks.map((t) => `${t.name}:${t.status}`)).to.deep.equal(['Pick:ok', 'Save:ok', 'Purge:ok']);
    expect(await admin(dsn, 'select id from lambda_items order by id')).to.deep.equal([{ id: 1 }, { id: 3 }]);
  });

  it('should stop the run before Lambda\'s time is up, cancelling the running query on the server', async () => {
    const dsn = await freshPostgresDsn();
    const [outcome] = await invoke({ OUT_DIR: dir, WITH_SLEEP: '1', BIGRAYS_DB_DSN: dsn, STOP_BEFORE_MS: '3000' }, 6000, { day: 'slow' });
    expect(outcome.errorType).to.equal('BigraysError');
    expect(outcome.errorMessage).to.match(/Sleep/).and.match(/time was nearly up/);
    // Stopped 3 s before the 6 s limit (the 3 s leave room for a busy machine), not after pg_sleep's 30 s.
    expect(outcome.ms).to.be.within(3000, 6000);
    const left = await admin(dsn, "select pid from pg_stat_activity where query like '%lambda-sleep%' and pid <> pg_backend_pid()");
    expect(left).to.deep.equal([]);
  });
});
