/**
 * `bigrays run --local --lock`: the lease lives in the local folder's state store, under
 * .bigrays/, and so does the state, whatever database or store the job names in code.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../support/cli';
import { spawnNode } from '../support/spawn';
import { admin } from '../support/pg-admin';
import { freshPostgresDsn, PG_PASSWORD, sqliteLoads } from '../support/sql-hooks';

const cli = path.join(root, 'dist/cli/main.js');
const job = path.join(root, 'spec/fixtures/jobs/lock-holds.ts');

/** The lease files under `dir`, as paths relative to it. */
function leases(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.lock.json'));
}

describe('bigrays run --local --lock', function () {
  this.timeout(120_000);
  let cwd: string;
  before(function () {
    if (!sqliteLoads()) this.skip();
  });
  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-lock-local-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('should keep the lease in the local folder and refuse a second local run while the first holds it', async () => {
    const run = (tag: string) => spawnNode([cli, 'run', job, '--local', '--lock'], { cwd, limitMs: 80_000, env: { LOCK_SPEC_DIR: cwd, LOCK_SPEC_TAG: tag } });
    const first = run('first');
    await first.printed(/Hold started/, 60_000);
    const found = leases(cwd);
    expect(found).to.have.length(1);
    expect(found[0].startsWith(`.bigrays${path.sep}`) && path.basename(found[0]) === 'lock-holds.lock.json', found[0]).to.equal(true);
    const second = await run('second').finished;
    expect(second.code, second.stderr).to.equal(75);
    expect(second.stderr).to.contain('job lock-holds is locked');
    writeFileSync(path.join(cwd, 'release'), '');
    const end = await first.finished;
    expect(end.code, end.stderr).to.equal(0);
    expect(end.stdout).to.match(/^Record\s+ok/m);
    expect(leases(cwd)).to.deep.equal([]);
    const third = await run('third').finished;
    expect(third.code, third.stderr).to.equal(0);
  });

  it('should take no lock on the database the job names in code, and keep the lease and the state under .bigrays/state', async () => {
    const dsn = await freshPostgresDsn();
    const elsewhere = path.join(cwd, 'elsewhere');
    const env = { LOCK_SPEC_DIR: cwd, LOCK_SPEC_TAG: 'local', LOCK_SPEC_STATE: '1', LOCK_SPEC_CODE_DSN: dsn, LOCK_SPEC_CODE_STATE_URL: elsewhere };
    const run = spawnNode([cli, 'run', job, '--local', '--lock'], { cwd, limitMs: 80_000, env });
    await run.printed(/Hold started/, 60_000);
    const held = await admin<{ n: number }>(dsn, "select count(*)::int as n from pg_locks where locktype = 'advisory'");
    const sessions = await admin<{ n: number }>(dsn, "select count(*)::int as n from pg_stat_activity where application_name like 'bigrays lock%'");
    expect(held[0].n, 'advisory locks on the database the job names').to.equal(0);
    expect(sessions[0].n, 'lock sessions on the database the job names').to.equal(0);
    expect(leases(cwd)).to.deep.equal([path.join('.bigrays', 'state', 'lock-holds.lock.json')]);
    writeFileSync(path.join(cwd, 'release'), '');
    const end = await run.finished;
    expect(end.code, end.stderr).to.equal(0);
    expect(end.stderr + end.stdout).not.to.contain(PG_PASSWORD);
    const state = JSON.parse(readFileSync(path.join(cwd, '.bigrays', 'state', 'lock-holds.json'), 'utf8')) as { tasks: unknown };
    expect(state.tasks).to.deep.equal({ Hold: { tag: 'local' } });
    expect(existsSync(elsewhere), 'the state store the job names in code').to.equal(false);
    expect(leases(cwd)).to.deep.equal([]);
  });
});
