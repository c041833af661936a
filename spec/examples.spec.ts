/** Every example job runs to success in local mode, as a user runs it: `bigrays run <example> --local`. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root, spawnCli, type CliResult } from './support/cli';
import { pool } from './support/pool';
import { freshMysqlDsn } from './support/mariadb';
import { freshPostgresDsn } from './support/sql-hooks';

function examples(dir = path.join(root, 'examples')): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const file = path.join(dir, name);
      return statSync(file).isDirectory() ? examples(file) : name.endsWith('.ts') ? [file] : [];
    })
    .sort();
}

/** Environment an example needs beyond local mode; undefined when this machine has no such engine. */
const needs: Record<string, () => Promise<Record<string, string> | undefined>> = {
  'postgres-to-s3.ts': async () => ({ BIGRAYS_DB_DSN: await freshPostgresDsn() }),
  'mysql-to-s3.ts': async () => {
    const dsn = await freshMysqlDsn();
    return dsn === undefined ? undefined : { BIGRAYS_DB_DSN: dsn };
  },
};

/** A finished `bigrays` command and the folder it ran in. */
interface Ran extends CliResult {
  cwd: string;
  /** Not run: the engine it needs is not on this machine. */
  skipped?: boolean;
}

/**
 * Each example runs as a user runs it, in a folder of its own: they are independent, so they
 * run a few at a time, each test awaiting its own.
 */
class ExampleRuns {
  private readonly runs = new Map<string, Promise<Ran>>();
  private readonly dirs: string[] = [];
  private readonly queue = pool();

  start(name: string, args: string[], env: () => Promise<Record<string, string> | undefined> = async () => ({})): void {
    const cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-example-run-'));
    this.dirs.push(cwd);
    const ran = this.queue.run(async (): Promise<Ran> => {
      const needed = await env();
      if (needed === undefined) return { status: null, stdout: '', stderr: '', cwd, skipped: true };
      return { ...(await spawnCli(args, { cwd, env: needed })), cwd };
    });
    ran.catch(() => undefined); // awaited by its test
    this.runs.set(name, ran);
  }

  result(name: string): Promise<Ran> {
    return this.runs.get(name)!;
  }

  remove(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

describe('examples', function () {
  this.timeout(120_000);
  const runs = new ExampleRuns();
  const demo = path.join(root, 'examples/demo.ts');
  before(() => {
    for (const file of examples()) {
      // --quiet: no progress lines, so stderr holds only what went wrong (nothing).
      runs.start(file, ['run', file, '--local', '--quiet'], needs[path.basename(file)]);
    }
    runs.start('demo', ['run', demo, '--local']);
    runs.start('failure', ['run', path.join(root, 'examples/failure-email.ts'), '--local', '--set', 'fail=yes']);
    runs.start('dry-run', ['run', demo, '--local', '--dry-run']);
  });
  after(() => runs.remove());

  for (const file of examples()) {
    const name = path.relative(root, file);
    it(`should run ${name} in local mode`, async function () {
      const result = await runs.result(file);
      if (result.skipped) this.skip();
      expect(result.status, `${result.stdout}\n${result.stderr}`).to.equal(0);
      expect(result.stdout).to.match(/\d+ ok, 0 failed, 0 skipped/);
      expect(result.stderr).to.equal('');
    });
  }

  it('should run the demo offline, leaving the CSV in S3, a local copy and the e-mail under .bigrays/', async () => {
    const { cwd, ...result } = await runs.result('demo');
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('8 ok, 0 failed, 0 skipped');
    expect(result.stdout).to.contain('s3://bigrays-demo/predictions/2026-01-01_2026-03-01.csv → .bigrays/s3/bigrays-demo/predictions/2026-01-01_2026-03-01.csv');
    const uploaded = readFileSync(path.join(cwd, '.bigrays/s3/bigrays-demo/predictions/2026-01-01_2026-03-01.csv'), 'utf8');
    const copy = readFileSync(path.join(cwd, '.bigrays/predictions_2026-01-01_2026-03-01.csv'), 'utf8');
    expect(uploaded).to.equal(copy);
    const lines = uploaded.trim().split('\n');
    expect(lines[0]).to.equal('id,day,feature,prediction');
    expect(lines).to.have.length(30); // header + 29 production days in the window
    const email = JSON.parse(readFileSync(path.join(cwd, '.bigrays/sns/team.jsonl'), 'utf8').trim()) as { subject: string };
    expect(email.subject).to.equal('Predictions for 2026-01-01 to 2026-03-01 are finished');
  });

  it('should send the failure e-mail and exit 1 when the load fails', async () => {
    const { cwd, ...result } = await runs.result('failure');
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(/^FetchSales\s+failed/m);
    expect(result.stdout).to.match(/^LoadSales\s+skipped/m);
    expect(result.stdout).to.match(/^NotifyTeam\s+ok/m);
    const email = JSON.parse(readFileSync(path.join(cwd, '.bigrays/sns/data-team.jsonl'), 'utf8').trim()) as { subject: string };
    expect(email.subject).to.equal('Sales load for 2026-03-01: FAILED');
  });

  it('should show the demo\'s plan with --dry-run without creating anything', async () => {
    const { cwd, ...result } = await runs.result('dry-run');
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('6. UploadPredictions\n     bucket: bigrays-demo\n     key: predictions/2026-01-01_2026-03-01.csv');
    expect(result.stdout).to.contain('· close SQLSession (sqlite:.bigrays/demo.sqlite)\n  · open S3Resource');
    expect(existsSync(path.join(cwd, '.bigrays'))).to.equal(false);
  });

  it('should name the demo in `npm run demo`', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).to.equal('node dist/cli/main.js run examples/demo.ts --local');
  });
});
