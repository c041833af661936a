/** writeEmpty = false on ToCSV: no rows, no file, whatever the rows come from; what the output then says. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigraysRun, BigraysConfig, outputOf, register, SQLQuery, SQLStream, ToCSV } from '../../lib';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';

describe('writeEmpty', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bigrays-write-empty-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("should write no file for an SQLStream's rows when there are none, and every row when there are", async () => {
    BigraysConfig.DB_DSN = await freshPostgresDsn();
    let where = 'false';
    @register class Rows extends SQLStream { query = `select n as id from generate_series(1, 3) n where ${where}`; }
    @register class Save extends ToCSV { input = Rows.output; filename = join(dir, 'rows.csv'); writeEmpty = false; }
    const empty = await bigraysRun();
    expect(empty.tasks.find((t) => t.name === 'Save')).to.include({ status: 'skipped', reason: 'no rows' });
    expect(empty.tasks.find((t) => t.name === 'Rows')?.unread).to.equal(undefined);
    expect(existsSync(join(dir, 'rows.csv'))).to.equal(false);
    expect(outputOf(Save)).to.include({ written: false, bytes: 0 });
    where = 'true';
    const full = await bigraysRun();
    expect(full.tasks.find((t) => t.name === 'Save')).to.include({ status: 'ok', rows: 3 });
    expect(readFileSync(join(dir, 'rows.csv'), 'utf8')).to.equal('id\n1\n2\n3\n');
  });

  it('should write no file for an async iterable of rows when it yields none, and every row when it does', async () => {
    let rows: Record<string, unknown>[] = [];
    @register class Save extends ToCSV {
      input = (async function* () {
        yield* rows;
      })();
      filename = join(dir, 'gen.csv');
      writeEmpty = false;
    }
    const empty = await bigraysRun();
    expect(empty.tasks[0]).to.include({ status: 'skipped', reason: 'no rows' });
    expect(existsSync(join(dir, 'gen.csv'))).to.equal(false);
    rows = [{ id: 1, v: 'a' }, { id: 2, v: 'b' }];
    await bigraysRun();
    expect(readFileSync(join(dir, 'gen.csv'), 'utf8')).to.equal('id,v\n1,a\n2,b\n');
  });

  it("should say that nothing was written when an incremental query has nothing new, leaving yesterday's file as it is", async () => {
    BigraysConfig.STATE_URL = join(dir, 'state');
    BigraysConfig.DB_DSN = freshSqliteDsn();
    @register class Orders extends SQLQuery { query = 'select 1 as id where {since} < 0'; incremental = { column: 'id', initial: 5 }; }
    const file = join(dir, 'orders.csv');
    writeFileSync(file, 'id\n4\n');
    @register class Save extends ToCSV { input = Orders.output; filename = file; override overwriteIfExists = true; }
    const report = await bigraysRun();
    expect(report.tasks.find((t) => t.name === 'Save')).to.include({ status: 'skipped', reason: 'no new rows since 5' });
    expect(outputOf(Save)).to.include({ written: false, rows: 0 });
    expect(readFileSync(file, 'utf8')).to.equal('id\n4\n');
  });
});
