/**
 * A job's state as a user sees it: a custom task keeps a count with this.state, run by
 * `bigrays run` again and again, the store read between runs; committed only when the whole
 * run succeeded; two overlapping runs never lose an update; `bigrays state` shows and changes it.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root, spawnCli, type CliResult } from '../support/cli';
import { freshPostgresDsn, freshSqliteDsn, PG_PASSWORD, sqliteLoads } from '../support/sql-hooks';
import { spawnNode } from '../support/spawn';

const JOB = path.join(root, 'spec/fixtures/jobs/state-counter.ts');
const cli = path.join(root, 'dist/cli/main.js');

describe('job state through bigrays run', function () {
  this.timeout(120_000);
  let dir: string;
  const stateFile = (): string => path.join(dir, '.bigrays/state/state-counter.json');
  const stored = (): { job: string; runId?: string; updatedAt?: string; tasks: Record<string, unknown> } => JSON.parse(readFileSync(stateFile(), 'utf8'));
  const run = (args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> => spawnCli(['run', JOB, '-q', ...args], { cwd: dir, env });
  const state = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => spawnCli(['state', ...args], { cwd: dir, env });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-job-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should commit what a task set once the run succeeded, and give it back to the next run', async () => {
    const first = await run();
    expect(first.status, first.stderr).to.equal(0);
    const after1 = stored();
    expect(after1.job).to.equal('state-counter');
    expect(after1.tasks).to.deep.equal({ Count: { runs: 1, at: 'Count' } });
    expect(after1.runId).to.match(/^[0-9a-f-]{36}$/);
    const record = path.join(dir, 'runs.jsonl');
    const second = await run(['--json', '--record', record]);
    expect(second.status, second.stderr).to.equal(0);
    expect(JSON.parse(readFileSync(record, 'utf8')).state).to.deep.equal({ job: 'state-counter', committed: true });
    expect(stored().tasks).to.deep.equal({ Count: { runs: 2, at: 'Count' } });
    expect(stored().runId).not.to.equal(after1.runId);
    const report = JSON.parse(second.stdout) as { ok: boolean; state: unknown };
    expect(report.state).to.deep.equal({ job: 'state-counter', committed: true, tasks: { Count: { runs: 2, at: 'Count' } } });
  });

  it('should leave the state as it was when a later task fails, and say so in the report', async () => {
    expect((await run()).status).to.equal(0);
    const before = readFileSync(stateFile(), 'utf8');
    const failed = await run(['--json'], { FAIL_THEN: '1' });
    expect(failed.status).to.equal(1);
    expect(readFileSync(stateFile(), 'utf8')).to.equal(before);
    const report = JSON.parse(failed.stdout) as { ok: boolean; state: unknown };
    expect(report.ok).to.equal(false);
    expect(report.state).to.deep.equal({ job: 'state-counter', committed: false, tasks: { Count: { runs: 1, at: 'Count' } } });
    // The next good run goes on from the committed count.
    expect((await run()).status).to.equal(0);
    expect(stored().tasks).to.deep.equal({ Count: { runs: 2, at: 'Count' } });
  });

  it('should leave the state as it was when the run is stopped by SIGTERM', async () => {
    expect((await run()).status).to.equal(0);
    const before = readFileSync(stateFile(), 'utf8');
    const running = spawnNode([cli, 'run', JOB, '-q'], { cwd: dir, env: { WAIT_THEN: '1' }, limitMs: 60_000 });
    await running.printed(/then waiting/, 60_000);
    running.child.kill('SIGTERM');
    const ended = await running.finished;
    expect(ended.code, ended.stderr).to.equal(143);
    expect(readFileSync(stateFile(), 'utf8')).to.equal(before);
  });

  it('should fail the run that commits second when two runs overlap, naming the job and --lock, and keep the first one\'s state', async () => {
    const go = path.join(dir, 'go');
    // The first run reads the state (none yet), then holds until the second has run and committed.
    const held = spawnNode([cli, 'run', JOB, '-q'], { cwd: dir, env: { HOLD: go }, limitMs: 90_000 });
    await held.printed(/count staged 1/, 60_000);
    const second = await run();
    expect(second.status, second.stderr).to.equal(0);
    const committed = readFileSync(stateFile(), 'utf8');
    writeFileSync(go, '');
    const first = await held.finished;
    expect(first.code, first.stderr).to.equal(1);
    expect(first.stderr).to.contain('the state of job state-counter was changed by another run while this one ran')
      .and.contain('--lock');
    expect(readFileSync(stateFile(), 'utf8')).to.equal(committed);
  });

  it('should show, set and reset a job\'s state with bigrays state, which the next run reads', async () => {
    const none = await state(['show', 'state-counter']);
    expect(none.status).to.equal(0);
    expect(none.stdout).to.contain('no state for job state-counter in');
    expect(existsSync(stateFile())).to.equal(false);

    expect((await run()).status).to.equal(0);
    const shown = await state(['show', 'state-counter']);
    expect(shown.status, shown.stderr).to.equal(0);
    expect(JSON.parse(shown.stdout)).to.deep.equal(stored());
    const compact = await state(['show', 'state-counter', '--json']);
    expect(compact.stdout.trim().split('\n')).to.have.length(1);
    expect(JSON.parse(compact.stdout)).to.deep.equal(stored());

    const set = await state(['set', 'state-counter', 'Count.runs', '41']);
    expect(set.status, set.stderr).to.equal(0);
    expect(stored().tasks.Count).to.deep.equal({ runs: 41, at: 'Count' });
    expect((await state(['set', 'state-counter', 'Other.note', 'not json'])).status).to.equal(0);
    expect(stored().tasks.Other).to.deep.equal({ note: 'not json' });

    expect((await run()).status).to.equal(0);
    expect(stored().tasks.Count).to.deep.equal({ runs: 42, at: 'Count' });

    expect((await state(['reset', 'state-counter', 'Other'])).status).to.equal(0);
    expect(Object.keys(stored().tasks)).to.deep.equal(['Count']);
    const reset = await state(['reset', 'state-counter']);
    expect(reset.status).to.equal(0);
    expect(existsSync(stateFile())).to.equal(false);
    expect((await run()).status).to.equal(0);
    expect(stored().tasks.Count).to.deep.equal({ runs: 1, at: 'Count' });
  });

  it('should keep an integer too large for a JSON number as its digits, as a cursor is kept', async () => {
    const set = await state(['set', 'state-counter', 'Extract.cursor', '9007199254740995']);
    expect(set.status, set.stderr).to.equal(0);
    expect(stored().tasks.Extract).to.deep.equal({ cursor: '9007199254740995' });
    const nested = await state(['set', 'state-counter', 'Load', '{"cursor":-90071992547409951,"safe":9007199254740991,"ratio":12.5,"big":1e300,"id":"12345678901234567890","list":[18446744073709551615]}']);
    expect(nested.status, nested.stderr).to.equal(0);
    expect(stored().tasks.Load).to.deep.equal({
      cursor: '-90071992547409951', safe: 9007199254740991, ratio: 12.5, big: 1e300, id: '12345678901234567890', list: ['18446744073709551615'],
    });
  });

  it('should refuse to set the state of a name ending in .lock, which is a run lock\'s lease', async () => {
    const lease = await state(['set', 'orders.lock', 'Count', '1']);
    expect(lease.status).to.equal(2);
    expect(lease.stderr).to.contain('not ending in `.lock`').and.contain('at most 190');
    const long = await state(['show', 'j'.repeat(191)]);
    expect(long.status).to.equal(2);
    expect(long.stderr).to.contain('at most 190');
    expect(existsSync(path.join(dir, '.bigrays'))).to.equal(false);
  });

  it('should refuse a bad state command with what to write, and an unknown store kind naming BIGRAYS_STATE_URL', async () => {
    const noJob = await state(['show']);
    expect(noJob.status).to.equal(2);
    expect(noJob.stderr).to.contain('name the job');
    const action = await state(['sho', 'x']);
    expect(action.status).to.equal(2);
    expect(action.stderr).to.contain('did you mean `show`');
    const badName = await state(['show', 'a/b']);
    expect(badName.status).to.equal(2);
    const kind = await state(['show', 'x'], { BIGRAYS_STATE_URL: 'ftp://etl:Hunter2-secret@host/x' });
    expect(kind.status).to.equal(2);
    expect(kind.stderr).to.contain('BIGRAYS_STATE_URL must be').and.not.contain('Hunter2-secret');
  });

  it('should keep the state in a database named by BIGRAYS_STATE_URL, for runs and for bigrays state', async function () {
    if (!sqliteLoads()) return this.skip();
    const env = { BIGRAYS_STATE_URL: freshSqliteDsn() };
    expect((await run([], env)).status).to.equal(0);
    expect((await run([], env)).status).to.equal(0);
    const shown = await state(['show', 'state-counter', '--json'], env);
    expect(shown.status, shown.stderr).to.equal(0);
    expect((JSON.parse(shown.stdout) as { tasks: unknown }).tasks).to.deep.equal({ Count: { runs: 2, at: 'Count' } });
    expect(existsSync(path.join(dir, '.bigrays'))).to.equal(false);
  });

  it('should never show a database URL\'s password', async () => {
    const env = { BIGRAYS_STATE_URL: await freshPostgresDsn() };
    const none = await state(['show', 'state-counter'], env);
    expect(none.status, none.stderr).to.equal(0);
    expect(none.stdout).to.contain('no state for job state-counter in postgres://').and.not.contain(PG_PASSWORD);
    const set = await state(['set', 'state-counter', 'Count', '{"runs":5}'], env);
    expect(set.stdout).to.contain('set Count of job state-counter in postgres://').and.not.contain(PG_PASSWORD);
    const run2 = await run(['--json'], env);
    expect(run2.status, run2.stderr).to.equal(0);
    expect((JSON.parse(run2.stdout) as { state: { tasks: unknown } }).state.tasks).to.deep.equal({ Count: { runs: 6, at: 'Count' } });
  });

  it('should keep the state of --local runs under .bigrays/state, and bigrays state --local reads it', async () => {
    const custom = path.join(dir, 'custom-state');
    const local = await spawnCli(['run', JOB, '-q', '--local'], { cwd: dir });
    expect(local.status, local.stderr).to.equal(0);
    expect(stored().tasks.Count).to.deep.equal({ runs: 1, at: 'Count' });
    const shown = await state(['show', 'state-counter', '--local', '--json']);
    expect((JSON.parse(shown.stdout) as { tasks: unknown }).tasks).to.deep.equal({ Count: { runs: 1, at: 'Count' } });
    // A store the user names wins.
    const named = await spawnCli(['run', JOB, '-q', '--local'], { cwd: dir, env: { BIGRAYS_STATE_URL: custom } });
    expect(named.status, named.stderr).to.equal(0);
    expect(JSON.parse(readFileSync(path.join(custom, 'state-counter.json'), 'utf8')).tasks.Count).to.deep.equal({ runs: 1, at: 'Count' });
  });
});
