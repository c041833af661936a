/** `bigrays run --local`: offline, and safe with any S3 key or database a job names. */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root, runCli } from '../support/cli';

function local(job: string, cwd: string, ...more: string[]) {
  return runCli(['run', path.join(root, 'spec/fixtures/jobs', job), '--local', ...more], { cwd });
}

describe('local mode', function () {
  this.timeout(60_000);
  let base: string;
  let cwd: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'bigrays-local-'));
    cwd = path.join(base, 'a', 'b');
    mkdirSync(cwd, { recursive: true });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('should mirror every uploaded key inside .bigrays/s3, never outside it, and keep a good run good', () => {
    const result = local('local-keys.ts', cwd);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('4 ok, 0 failed, 0 skipped');
    expect(existsSync(path.join(base, 'escaped.txt'))).to.equal(false);
    expect(readFileSync(path.join(cwd, '.bigrays/s3/odd/%2E%2E/%2E%2E/escaped.txt'), 'utf8')).to.equal('object ../../escaped.txt');
    expect(readFileSync(path.join(cwd, '.bigrays/s3/odd/a%252Fb'), 'utf8')).to.equal('object a%2Fb');
    // `x` and `x/y` cannot both be files: one is saved, the other is reported, the run stays ok
    expect(result.stdout).to.match(/s3:\/\/odd\/x(\/y)? was uploaded, but not saved/);
  });

  it('should load mirrored objects back under their own keys', () => {
    expect(local('local-keys.ts', cwd).status).to.equal(0);
    expect(readdirSync(path.join(cwd, '.bigrays/s3/odd')).sort()).to.include.members(['%2E%2E', 'a%252Fb']);
    const again = local('local-keys-read.ts', cwd);
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/3 objects loaded from \.bigrays\/s3/);
    const keys = JSON.parse(again.stdout.split('\n')[0]) as string[];
    expect(keys).to.include.members(['../../escaped.txt', 'a%2Fb']);
    expect(keys.filter((k) => k === 'x' || k === 'x/y')).to.have.length(1);
  });

  it('should follow copies and deletes in the mirror, with any characters in a key', () => {
    const first = local('local-move.ts', cwd);
    expect(first.status, first.stderr).to.equal(0);
    const inbox = path.join(cwd, '.bigrays/s3/landing/inbox/rates 50%25-中.csv');
    expect(readFileSync(inbox, 'utf8')).to.equal('a,b\n1,2\n');
    const second = local('local-move.ts', cwd, '--set', 'step=2');
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stdout).to.contain('s3://landing/archive/rates 50%-中.csv → .bigrays/s3/landing/archive/rates 50%25-中.csv');
    expect(second.stdout).to.contain('s3://landing/inbox/rates 50%-中.csv was deleted');
    expect(existsSync(inbox)).to.equal(false);
    expect(readFileSync(path.join(cwd, '.bigrays/s3/landing/archive/rates 50%25-中.csv'), 'utf8')).to.equal('a,b\n1,2\n');
  });

  it('should keep a task\'s own database offline even when BIGRAYS_DB_DSN is set', () => {
    const result = runCli(['run', path.join(root, 'spec/fixtures/jobs/local-other-db.ts'), '--local'], {
      cwd, env: { BIGRAYS_DB_DSN: `sqlite:${path.join(cwd, 'mine.sqlite')}` },
    });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('→ SQLite database .bigrays/local-other-db-2.sqlite');
    expect(existsSync(path.join(cwd, 'mine.sqlite'))).to.equal(true);
  });

  it('should give a task that names another database a SQLite file of its own, offline', () => {
    const result = local('local-other-db.ts', cwd);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('SQL: postgres://etl:***@127.0.0.1:1/warehouse (a task\'s resourceConfig) → SQLite database .bigrays/local-other-db-2.sqlite');
    expect(result.stdout + result.stderr).not.to.contain('Warehouse-Secret-1');
    expect(existsSync(path.join(cwd, '.bigrays/local-other-db-2.sqlite'))).to.equal(true);
  });
});
