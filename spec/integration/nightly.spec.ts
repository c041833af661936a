/**
 * The README's nightly job, run as a user runs it, night after night in one folder:
 * `bigrays run examples/nightly.ts --local`, with the state, the table and the exports checked
 * between runs.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root, spawnCli } from '../support/cli';
import { sqliteLoads } from '../support/sql-hooks';

const job = path.join(root, 'examples/nightly.ts');

/** The rows `sql` selects from the SQLite file `file`. */
function sqliteRows(file: string, sql: string): Array<Record<string, unknown>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as new (file: string, options: { readonly: boolean }) => { prepare(sql: string): { all(): unknown[] }; close(): void };
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe('a nightly job run night after night (examples/nightly.ts --local)', function () {
  this.timeout(240_000);
  let cwd: string;
  const state = () => JSON.parse(readFileSync(path.join(cwd, '.bigrays/state/nightly.json'), 'utf8')) as { tasks: Record<string, { cursor: unknown }> };
  const rows = () => sqliteRows(path.join(cwd, '.bigrays/nightly.sqlite'), 'select id, customer from orders_report order by id');
  const run = (...args: string[]) => spawnCli(['run', job, '--local', '--quiet', '--set', 'day=2026-12-05', ...args], { cwd });

  before(function () {
    if (!sqliteLoads()) this.skip();
    cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-nightly-'));
  });
  after(() => cwd && rmSync(cwd, { recursive: true, force: true }));

  it('should take every order the first night, and store where it stopped', async () => {
    const first = await run('--json');
    expect(first.status, first.stderr).to.equal(0);
    const report = JSON.parse(first.stdout) as { state: { job: string; committed: boolean } };
    expect(report.state).to.include({ job: 'nightly', committed: true });
    expect(state().tasks.NewOrders.cursor).to.equal(2);
    expect(rows()).to.have.length(2);
  });

  it('should take only the new orders the next night, and leave the day\'s export as it was', async () => {
    const object = path.join(cwd, '.bigrays/s3/nightly-reports/orders/2026-12-05.csv');
    const before = statSync(object).mtimeMs;
    const second = await run();
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stdout).to.match(/^ExportReport\s+skipped.*exists/m);
    expect(state().tasks.NewOrders.cursor).to.equal(4);
    expect(rows().map((r) => r.id)).to.deep.equal([1, 2, 3, 4]);
    expect(statSync(object).mtimeMs).to.equal(before);
  });

  it('should alert with the failed task and keep the cursor when a night fails, and take the same orders again the next', async () => {
    const failed = await run('--set', 'fail=yes');
    expect(failed.status).to.equal(1);
    expect(state().tasks.NewOrders.cursor).to.equal(4);
    const mail = readFileSync(path.join(cwd, '.bigrays/sns/data-team.jsonl'), 'utf8');
    expect(mail).to.contain('CheckTotals').and.to.contain('do not match');
    const again = await run();
    expect(again.status, again.stderr).to.equal(0);
    // the failed night's two orders and this night's two, none twice
    expect(rows().map((r) => r.id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(state().tasks.NewOrders.cursor).to.equal(8);
  });
});
