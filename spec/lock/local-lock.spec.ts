/** `bigrays run --local --lock`: the lease lives in the local folder's state store, under .bigrays/. */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../support/cli';
import { spawnNode } from '../support/spawn';
import { sqliteLoads } from '../support/sql-hooks';

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
});
