/** A nightly incremental export run by `bigrays run`: each good run exports the rows past the last good run's cursor. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createBucket, emulatorEnv, useEmulator } from '../support/aws-hooks';
import { root, spawnCli, type CliResult } from '../support/cli';
import { objectExists, objectText } from '../support/s3-objects';
import { freshPostgresDsn } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';


describe('bigrays run: an incremental export', function () {
  this.timeout(240_000);
  const emulator = useEmulator();
  let cwd: string;
  let dsn: string;
  let bucket: string;
  before(async () => {
    dsn = await freshPostgresDsn();
  });
  beforeEach(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-nightly-'));
    bucket = await createBucket('nightly');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const night = (n: string, more: Record<string, string> = {}, ...args: string[]): Promise<CliResult> =>
    spawnCli(['run', path.join(root, 'spec/fixtures/jobs/incremental-export.ts'), '--set', `night=${n}`, ...args], {
      cwd,
      env: {
        BIGRAYS_DB_DSN: dsn,
        ...emulatorEnv(emulator().endpoint),
        EXPORT_BUCKET: bucket,
        ...more,
      },
    });
  const cursor = (): unknown => {
    const file = path.join(cwd, '.bigrays/state/incremental-export.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { tasks: Record<string, unknown> }).tasks.ExtractOrders : undefined;
  };
  const ids = async (key: string): Promise<number[]> => {
    const lines = (await objectText(emulator(), bucket, key)).trim().split('\n');
    expect(lines[0]).to.equal('id,amount');
    return lines.slice(1).map((line) => Number(line.split(',')[0]));
  };
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('should export every row, then only the new ones, nothing when nothing is new, and the same ones again after a failed run', async () => {
    await execute(dsn, 'drop table if exists orders; create table orders (id int primary key, amount numeric(10,2)); insert into orders select n, n / 100.0 from generate_series(1, 25000) n;');

    const plan = await night('0', {}, '--dry-run');
    expect(plan.status, plan.stderr).to.equal(0);
    expect(plan.stdout).to.contain('select id, amount from orders');
    expect(cursor()).to.equal(undefined);
    const wrong = await night('0', { EXPORT_COLUMN: '' }, '--dry-run');
    expect(wrong.status).to.equal(2);
    expect(wrong.stderr).to.contain('ExtractOrders incremental.column must name the column');

    const first = await night('1');
    expect(first.status, first.stderr).to.equal(0);
    expect(await ids('orders/1.csv')).to.deep.equal(range(1, 25000));
    expect(cursor()).to.deep.equal({ cursor: 25000, column: 'id' });

    await execute(dsn, 'insert into orders select n, n / 100.0 from generate_series(25001, 25010) n;');
    const failed = await night('2', { EXPORT_FAIL: '1' });
    expect(failed.status).to.equal(1);
    expect(failed.stdout + failed.stderr).to.contain('the publish step is down');
    expect(await ids('orders/2.csv')).to.deep.equal(range(25001, 25010));
    expect(cursor()).to.deep.equal({ cursor: 25000, column: 'id' });

    const second = await night('3');
    expect(second.status, second.stderr).to.equal(0);
    expect(await ids('orders/3.csv')).to.deep.equal(range(25001, 25010));
    expect(cursor()).to.deep.equal({ cursor: 25010, column: 'id' });

    const idle = await night('4');
    expect(idle.status, idle.stderr).to.equal(0);
    expect(await objectExists(emulator(), bucket, 'orders/4.csv')).to.equal(false);
    expect(idle.stdout).to.match(/^Upload\s+skipped \(no new rows since 25010\)/m);
    const header = await night('4', { EXPORT_WRITE_EMPTY: 'true' });
    expect(header.status, header.stderr).to.equal(0);
    expect(await objectText(emulator(), bucket, 'orders/4.csv')).to.equal('id,amount\n');
    expect(cursor()).to.deep.equal({ cursor: 25010, column: 'id' });
  });
});
