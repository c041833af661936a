/** `bigrays run --local`: offline, and safe with any S3 key or database a job names. */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root, spawnCli, type CliResult } from '../support/cli';
import { spawnNode } from '../support/spawn';

function local(job: string, cwd: string, ...more: string[]): Promise<CliResult> {
  return spawnCli(['run', path.join(root, 'spec/fixtures/jobs', job), '--local', ...more], { cwd });
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

  it('should mirror every uploaded key inside .bigrays/s3, never outside it, and keep a good run good', async () => {
    const result = await local('local-keys.ts', cwd);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('4 ok, 0 failed, 0 skipped');
    expect(existsSync(path.join(base, 'escaped.txt'))).to.equal(false);
    expect(readFileSync(path.join(cwd, '.bigrays/s3/odd/%2E%2E/%2E%2E/escaped.txt'), 'utf8')).to.equal('object ../../escaped.txt');
    expect(readFileSync(path.join(cwd, '.bigrays/s3/odd/a%252Fb'), 'utf8')).to.equal('object a%2Fb');
    // `x` and `x/y` cannot both be files: one is saved, the other is reported, the run stays ok
    expect(result.stdout).to.match(/s3:\/\/odd\/x(\/y)? was uploaded, but not saved/);
  });

  it('should load mirrored objects back under their own keys', async () => {
    expect((await local('local-keys.ts', cwd)).status).to.equal(0);
    expect(readdirSync(path.join(cwd, '.bigrays/s3/odd')).sort()).to.include.members(['%2E%2E', 'a%252Fb']);
    const again = await local('local-keys-read.ts', cwd);
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/3 objects loaded from \.bigrays\/s3/);
    const keys = JSON.parse(again.stdout.split('\n')[0]) as string[];
    expect(keys).to.include.members(['../../escaped.txt', 'a%2Fb']);
    expect(keys.filter((k) => k === 'x' || k === 'x/y')).to.have.length(1);
  });

  it('should follow copies and deletes in the mirror, with any characters in a key', async () => {
    const first = await local('local-move.ts', cwd);
    expect(first.status, first.stderr).to.equal(0);
    const inbox = path.join(cwd, '.bigrays/s3/landing/inbox/rates 50%25-中.csv');
    expect(readFileSync(inbox, 'utf8')).to.equal('a,b\n1,2\n');
    const second = await local('local-move.ts', cwd, '--set', 'step=2');
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stdout).to.contain('s3://landing/archive/rates 50%-中.csv → .bigrays/s3/landing/archive/rates 50%25-中.csv');
    expect(second.stdout).to.contain('s3://landing/inbox/rates 50%-中.csv was deleted');
    expect(existsSync(inbox)).to.equal(false);
    expect(readFileSync(path.join(cwd, '.bigrays/s3/landing/archive/rates 50%25-中.csv'), 'utf8')).to.equal('a,b\n1,2\n');
  });

  it('should keep a task\'s own database offline even when BIGRAYS_DB_DSN is set', async () => {
    const result = await spawnCli(['run', path.join(root, 'spec/fixtures/jobs/local-other-db.ts'), '--local'], {
      cwd, env: { BIGRAYS_DB_DSN: `sqlite:${path.join(cwd, 'mine.sqlite')}` },
    });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('→ SQLite database .bigrays/local-other-db-2.sqlite');
    expect(existsSync(path.join(cwd, 'mine.sqlite'))).to.equal(true);
  });

  it('should fetch no config reference: let go those of keys it sets itself, refuse any other before anything starts', async () => {
    const job = path.join(root, 'spec/fixtures/jobs/local-sql.ts');
    const ignored = {
      BIGRAYS_DB_DSN: 'ssm:/prod/orders/dsn',
      BIGRAYS_DB_PWD: 'secretsmanager:prod/orders#password',
      BIGRAYS_AWS_SECRET_ACCESS_KEY: 'ssm:/prod/aws-key',
      // Somewhere no request may go: local mode asks nothing of SSM.
      BIGRAYS_SSM_ENDPOINT_URL: 'http://127.0.0.1:9',
    };
    for (const run of [1, 2]) {
      const result = await spawnCli(['run', job, '--local'], { cwd, env: ignored });
      expect(result.status, `run ${run}: ${result.stderr}`).to.equal(0);
      expect(result.stdout).to.contain('SQL: SQLite database .bigrays/local-sql.sqlite');
      rmSync(path.join(cwd, '.bigrays'), { recursive: true, force: true });
    }
    const refused = await spawnCli(['run', job, '--local'], { cwd, env: { ...ignored, BIGRAYS_API_TOKEN: 'ssm:/prod/api-token', BIGRAYS_STATE_URL: 'ssm:/prod/state' } });
    expect(refused.status, refused.stderr).to.equal(2);
    expect(refused.stderr).to.contain('Local mode sends nothing to AWS, so it fetches no config reference')
      .and.contain('BIGRAYS_API_TOKEN = ssm:/prod/api-token').and.contain('BIGRAYS_STATE_URL = ssm:/prod/state')
      .and.not.contain('BIGRAYS_DB_PWD');
    expect(existsSync(path.join(cwd, '.bigrays'))).to.equal(false);
    const state = await spawnCli(['state', 'show', 'local-sql', '--local'], { cwd, env: { BIGRAYS_STATE_URL: 'ssm:/prod/state' } });
    expect(state.status, state.stderr).to.equal(2);
    expect(state.stderr).to.contain('BIGRAYS_STATE_URL = ssm:/prod/state');
  });

  it('should give a task that names another database a SQLite file of its own, offline', async () => {
    const result = await local('local-other-db.ts', cwd);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('SQL: postgres://etl:***@127.0.0.1:1/warehouse (a task\'s resourceConfig) → SQLite database .bigrays/local-other-db-2.sqlite');
    expect(result.stdout + result.stderr).not.to.contain('Warehouse-Secret-1');
    expect(existsSync(path.join(cwd, '.bigrays/local-other-db-2.sqlite'))).to.equal(true);
  });
});

describe('local mode and symbolic links', function () {
  this.timeout(60_000);
  let base: string;
  let cwd: string;
  let outside: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'bigrays-local-'));
    cwd = path.join(base, 'work');
    outside = path.join(base, 'outside');
    mkdirSync(cwd);
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'precious.csv'), 'not yours to change');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('should refuse a symbolic link to a file outside .bigrays before the run, leaving the file as it was', async () => {
    mkdirSync(path.join(cwd, '.bigrays/s3/linked'), { recursive: true });
    symlinkSync(path.join(outside, 'precious.csv'), path.join(cwd, '.bigrays/s3/linked/out.csv'));
    const result = await local('local-link.ts', cwd);
    expect(result.status, result.stdout + result.stderr).to.equal(2);
    expect(result.stderr).to.contain(
      `.bigrays/s3/linked/out.csv is a symbolic link (to ${path.join(outside, 'precious.csv')}): local mode never reads or writes through a link. ` +
        'Replace it with a copy of the file or folder it points to, or remove it.',
    );
    expect(result.stdout).not.to.match(/Upload\s+ok/);
    expect(readFileSync(path.join(outside, 'precious.csv'), 'utf8')).to.equal('not yours to change');
  });

  it('should refuse a bucket folder that is a symbolic link before the run, writing nothing into its target', async () => {
    mkdirSync(path.join(cwd, '.bigrays/s3'), { recursive: true });
    symlinkSync(outside, path.join(cwd, '.bigrays/s3/linked'));
    const result = await local('local-link.ts', cwd);
    expect(result.status, result.stdout + result.stderr).to.equal(2);
    expect(result.stderr).to.contain(`.bigrays/s3/linked is a symbolic link (to ${outside})`);
    expect(readdirSync(outside)).to.deep.equal(['precious.csv']);
  });

  it('should refuse .bigrays itself as a symbolic link', async () => {
    symlinkSync(outside, path.join(cwd, '.bigrays'));
    const result = await local('local-link.ts', cwd);
    expect(result.status, result.stdout + result.stderr).to.equal(2);
    expect(result.stderr).to.contain(`.bigrays is a symbolic link (to ${outside})`);
    expect(readdirSync(outside)).to.deep.equal(['precious.csv']);
  });

  const ranNothing = (result: { stdout: string }) => expect(result.stdout).not.to.match(/\bok\b/);

  for (const [name, make] of [
    ['a dangling link', () => path.join(outside, 'made.sqlite')],
    ['a link to an empty file elsewhere', () => { writeFileSync(path.join(outside, 'empty.sqlite'), ''); return path.join(outside, 'empty.sqlite'); }],
  ] as const) {
    it(`should refuse the SQLite database as ${name} before any task runs, writing nothing at its target (exit 2)`, async () => {
      const target = make();
      mkdirSync(path.join(cwd, '.bigrays'));
      symlinkSync(target, path.join(cwd, '.bigrays/local-sql.sqlite'));
      const result = await local('local-sql.ts', cwd);
      expect(result.status, result.stdout + result.stderr).to.equal(2);
      expect(result.stderr).to.contain(`.bigrays/local-sql.sqlite is a symbolic link (to ${target}): local mode never reads or writes through a link.`);
      expect(result.stderr).to.contain('or remove it');
      ranNothing(result);
      const left = readdirSync(outside).sort();
      expect(left.filter((f) => f !== 'precious.csv' && f !== 'empty.sqlite'), 'created outside .bigrays').to.deep.equal([]);
      if (left.includes('empty.sqlite')) expect(readFileSync(path.join(outside, 'empty.sqlite'))).to.have.length(0);
    });
  }

  it('should not open the SQLite database through a link planted while the job ran, and say so', async () => {
    writeFileSync(path.join(outside, 'empty.sqlite'), '');
    const target = path.join(outside, 'empty.sqlite');
    const result = await spawnCli(['run', path.join(root, 'spec/fixtures/jobs/local-sql-plant.ts'), '--local'], { cwd, env: { PLANT_TARGET: target } });
    expect(result.status, result.stdout + result.stderr).not.to.equal(0);
    expect(result.stdout).to.match(/Plant\s+ok/);
    expect(result.stdout).to.match(/Create\s+failed/);
    expect(result.stdout + result.stderr).to.contain(`.bigrays/local-sql-plant.sqlite is a symbolic link (to ${target})`);
    expect(readFileSync(target)).to.have.length(0);
    expect(readdirSync(outside).sort()).to.deep.equal(['empty.sqlite', 'precious.csv']);
  });

  for (const companion of ['-journal', '-wal', '-shm']) {
    it(`should refuse a symbolic link as the SQLite database's ${companion} file before any task runs (exit 2)`, async () => {
      mkdirSync(path.join(cwd, '.bigrays'));
      symlinkSync(path.join(outside, 'made'), path.join(cwd, `.bigrays/local-sql.sqlite${companion}`));
      const result = await local('local-sql.ts', cwd);
      expect(result.status, result.stdout + result.stderr).to.equal(2);
      expect(result.stderr).to.contain(`.bigrays/local-sql.sqlite${companion} is a symbolic link (to ${path.join(outside, 'made')})`);
      ranNothing(result);
      expect(readdirSync(outside)).to.deep.equal(['precious.csv']);
    });
  }

  it('should refuse the SNS folder or a file in it as a symbolic link before any task runs (exit 2)', async () => {
    mkdirSync(path.join(cwd, '.bigrays'));
    symlinkSync(outside, path.join(cwd, '.bigrays/sns'));
    const folder = await local('local-sql.ts', cwd);
    expect(folder.status, folder.stdout + folder.stderr).to.equal(2);
    expect(folder.stderr).to.contain(`.bigrays/sns is a symbolic link (to ${outside})`);
    ranNothing(folder);
    rmSync(path.join(cwd, '.bigrays/sns'));
    mkdirSync(path.join(cwd, '.bigrays/sns'));
    symlinkSync(path.join(outside, 'precious.csv'), path.join(cwd, '.bigrays/sns/alerts.jsonl'));
    const file = await local('local-sql.ts', cwd);
    expect(file.status, file.stdout + file.stderr).to.equal(2);
    expect(file.stderr).to.contain('.bigrays/sns/alerts.jsonl is a symbolic link');
    ranNothing(file);
    expect(existsSync(path.join(cwd, '.bigrays/local-sql.sqlite'))).to.equal(false);
    expect(readFileSync(path.join(outside, 'precious.csv'), 'utf8')).to.equal('not yours to change');
  });

  it('should refuse .bigrays as a symbolic link to a folder in a dry run too, creating nothing', async () => {
    symlinkSync(outside, path.join(cwd, '.bigrays'));
    const result = await local('local-sql.ts', cwd, '--dry-run');
    expect(result.status, result.stdout + result.stderr).to.equal(2);
    expect(result.stderr).to.contain(`.bigrays is a symbolic link (to ${outside})`);
    expect(readdirSync(outside)).to.deep.equal(['precious.csv']);
  });

  for (const kind of ['file', 'bucket'] as const) {
    it(`should not save an upload through a ${kind === 'file' ? 'file' : 'bucket folder'} linked while the job ran, and say so (exit 1)`, async () => {
      const target = kind === 'file' ? path.join(outside, 'precious.csv') : outside;
      const result = await spawnCli(['run', path.join(root, 'spec/fixtures/jobs/local-link.ts'), '--local'], {
        cwd, env: { PLANT_LINK: kind, PLANT_TARGET: target },
      });
      expect(result.status, result.stdout + result.stderr).to.equal(1);
      expect(result.stdout).to.match(/Upload\s+ok/);
      const link = kind === 'file' ? '.bigrays/s3/linked/out.csv' : '.bigrays/s3/linked';
      expect(result.stderr).to.contain(`s3://linked/out.csv was not saved: ${link} is a symbolic link (to ${target})`);
      expect(readFileSync(path.join(outside, 'precious.csv'), 'utf8')).to.equal('not yours to change');
      expect(readdirSync(outside)).to.deep.equal(['precious.csv']);
    });
  }
});

describe('local mode and large objects', function () {
  this.timeout(300_000);
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-local-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('should take an object over the emulator\'s 11 MiB request limit a run saved back into the next run, byte for byte', async () => {
    const first = await local('local-big-write.ts', cwd);
    expect(first.status, first.stdout + first.stderr).to.equal(0);
    const written = /wrote sha256 ([0-9a-f]{64})/.exec(first.stdout)?.[1];
    expect(sha256(readFileSync(path.join(cwd, '.bigrays/s3/big/blob.bin'))), first.stdout).to.equal(written);
    const second = await local('local-big-read.ts', cwd);
    expect(second.status, second.stdout + second.stderr).to.equal(0);
    expect(second.stdout).to.contain('1 object loaded from .bigrays/s3');
    expect(second.stdout).to.contain(`read ${20 * 1024 * 1024 + 12_345} bytes, sha256 ${written}`);
    expect(second.stdout).to.contain('listed ["blob.bin"]');
  });

  it('should name a mirror file that cannot be loaded, and why, before any task runs (exit 2)', async () => {
    // `%` is the folder of a bucket with an empty name, which S3 has none of.
    mkdirSync(path.join(cwd, '.bigrays/s3/%'), { recursive: true });
    writeFileSync(path.join(cwd, '.bigrays/s3/%/x.csv'), 'no bucket');
    const result = await local('local-sql.ts', cwd);
    expect(result.status, result.stdout + result.stderr).to.equal(2);
    expect(result.stderr).to.match(/could not load \.bigrays\/s3\/%\/x\.csv into the emulator as s3:\/\/\/x\.csv: \S/);
    expect(result.stdout).not.to.match(/\bok\b/);
  });
});

describe('local mode and conditional writes', function () {
  this.timeout(90_000);
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-local-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('should let one of four writers of one key at once succeed, the others told another writer created it', async () => {
    const result = await local('local-race.ts', cwd);
    expect(result.status, result.stderr).to.equal(0); // the job handles the failed calls itself
    const outcomes = JSON.parse(result.stdout.split('\n').find((l) => l.startsWith('['))!) as string[];
    expect(outcomes.filter((o) => o === 'ok')).to.have.length(1);
    for (const o of outcomes.filter((x) => x !== 'ok')) expect(o).to.match(/^toS3: s3:\/\/race\/shared\.txt (was created by another writer|exists already)/);
    const winner = outcomes.indexOf('ok') + 1;
    expect(readFileSync(path.join(cwd, '.bigrays/s3/race/shared.txt'), 'utf8')).to.equal(`writer ${winner}`);
  });

  it('should save an object two local runs created at once only once, leaving the first run\'s file', async () => {
    const barrier = path.join(cwd, 'go');
    const start = (writer: string) => spawnNode([path.join(root, 'dist/cli/main.js'), 'run', path.join(root, 'spec/fixtures/jobs/local-shared.ts'), '--local'], {
      cwd, env: { WRITER: writer, BARRIER: barrier },
    });
    const runs = [start('a'), start('b')];
    await Promise.all(runs.map((run, i) => run.printed(new RegExp(`uploaded by ${'ab'[i]}`))));
    writeFileSync(barrier, '');
    const ended = await Promise.all(runs.map((run) => run.finished));
    expect(ended.map((e) => e.code).sort(), ended.map((e) => e.stderr).join('\n')).to.deep.equal([0, 1]);
    const loser = ended.findIndex((e) => e.code === 1);
    const winner = 'ab'[1 - loser];
    expect(ended[loser].stderr).to.contain('s3://shared/report.txt was not saved: another run saved .bigrays/s3/shared/report.txt while this one ran, and it is left as that run wrote it');
    expect(readFileSync(path.join(cwd, '.bigrays/s3/shared/report.txt'), 'utf8')).to.equal(`from ${winner}`);
    expect(readdirSync(path.join(cwd, '.bigrays/s3/shared'))).to.deep.equal(['report.txt']);
  });
});
