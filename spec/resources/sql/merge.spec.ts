/**
 * SQLWrite ifExists = 'merge' on every engine here (PostgreSQL, SQLite, MariaDB; SQL Server with
 * BIGRAYS_TEST_MSSQL_DSN): rows whose keys exist are updated, the others inserted, in one
 * transaction; a NULL key, a key twice, a bad row change nothing.
 */
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, SQLExecute, SQLStream, SQLWrite, TaskInterfaceError, type Row, type SqlRows } from '../../../lib';
import { failure } from '../../helpers';
import { DIALECTS } from '../../sql/dialects';
import { failureOf, select } from '../../support/sql-probe';

type Input = Row[] | SqlRows | { columns: string[]; rows: AsyncIterable<unknown[]> };

async function* streamed(rows: unknown[][]): AsyncGenerator<unknown[]> {
  for (const row of rows) yield row;
}

async function exec(statement: string): Promise<void> {
  class Setup extends SQLExecute { statement = statement; }
  await bigraysRun(Setup);
}

/** Merges `input` into `table` with `attrs`; resolves to the task's report entry. */
async function merge(table: string, input: Input, attrs: Partial<SQLWrite> = {}, before: Array<typeof SQLStream> = []): Promise<{ rows?: number }> {
  class Merge extends SQLWrite {
    tablename = table;
    input = input;
    ifExists = 'merge' as const;
    mergeKeys = ['id'];
    constructor() {
      super();
      Object.assign(this, attrs);
    }
  }
  const report = await bigraysRun(...before, Merge);
  return report.tasks[before.length] as { rows?: number };
}

/** The message of the task error a run fails with. */
async function taskError(run: Promise<unknown>): Promise<string> {
  const error = await failureOf(run);
  return ((error.errors?.[0] as Error | undefined) ?? error).message;
}

async function rows(sql: string): Promise<unknown[][]> {
  return ((await select(sql)).values as unknown[][]).map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}

const PEOPLE = [{ id: 1, name: 'ann', score: 10 }, { id: 2, name: 'bob', score: 20 }];

for (const dialect of DIALECTS) {
  describe(`SQLWrite merge on ${dialect.name}`, function () {
    this.timeout(120_000);
    let dsn: string | undefined;
    before(async function () {
      dsn = await dialect.freshDsn();
      if (!dsn) this.skip();
    });
    beforeEach(() => {
      BigraysConfig.DB_DSN = dsn!;
    });
    const text = dialect.textType;

    it('should create a missing table with a primary key on mergeKeys, then update the rows whose keys exist and insert the others', async () => {
      expect(await merge('people', PEOPLE)).to.include({ rows: 2 });
      expect(await merge('people', [{ id: 2, name: 'bea', score: 21 }, { id: 3, name: 'cy', score: 30 }])).to.include({ rows: 2 });
      expect(await rows('select id, name, score from people order by id')).to.deep.equal([[1, 'ann', 10], [2, 'bea', 21], [3, 'cy', 30]]);
      // The primary key the merge made refuses a second row of a key.
      await failureOf(bigraysRun(class Twice extends SQLWrite { tablename = 'people'; input = [{ id: 1, name: 'x', score: 0 }]; ifExists = 'append' as const; }));
    });

    it('should merge a streamed input on composite keys into a table without a unique index, and a second run changes nothing more', async () => {
      await exec(`create table sales (region ${text}, id integer, amount integer, note ${text})`);
      await exec("insert into sales (region, id, amount, note) values ('eu', 1, 5, 'old'), ('us', 1, 6, 'old')");
      const load = () => ({ columns: ['region', 'id', 'amount'], rows: streamed([['eu', 1, 50], ['eu', 2, 70], ['us', 2, 80]]) });
      for (let run = 0; run < 2; run++) {
        await merge('sales', load(), { mergeKeys: ['region', 'id'] });
        expect(await rows('select region, id, amount, note from sales order by region, id')).to.deep.equal([
          ['eu', 1, 50, 'old'], ['eu', 2, 70, null], ['us', 1, 6, 'old'], ['us', 2, 80, null],
        ]);
      }
    });

    it('should merge the rows of an SQLStream of the same database on the server', async () => {
      await merge('target_q', [{ id: 1, v: 'old' }, { id: 2, v: 'kept' }]);
      await exec(`create table source_q (id integer, v ${text})`);
      await exec("insert into source_q (id, v) values (1, 'new'), (3, 'added')");
      class Source extends SQLStream { query = 'select id, v from source_q'; }
      expect(await merge('target_q', Source.output, {}, [Source])).to.include({ rows: 2 });
      expect(await rows('select id, v from target_q order by id')).to.deep.equal([[1, 'new'], [2, 'kept'], [3, 'added']]);
    });

    it('should refuse keys that come twice, naming them and their count, and change nothing; dedupe = last keeps the last row of each', async () => {
      await merge('dupes', [{ id: 1, v: 'kept' }]);
      const input = [{ id: 5, v: 'a' }, { id: 1, v: 'b' }, { id: 5, v: 'c' }, { id: 7, v: 'd' }, { id: 5, v: 'e' }, { id: 1, v: 'f' }];
      const error = await taskError(merge('dupes', input));
      expect(error).to.equal(
        "Merge: 2 keys come more than once in the input, so nothing was written to dupes: id=5 (3 rows), id=1 (2 rows); set dedupe = 'last' to keep the last row of each key",
      );
      expect(await rows('select id, v from dupes order by id')).to.deep.equal([[1, 'kept']]);
      expect(await merge('dupes', input, { dedupe: 'last' })).to.include({ rows: 3 });
      expect(await rows('select id, v from dupes order by id')).to.deep.equal([[1, 'f'], [5, 'e'], [7, 'd']]);
    });

    it('should refuse a NULL key, naming the column and the row, and change nothing', async () => {
      await merge('nulls', [{ id: 1, v: 'kept' }]);
      const error = await taskError(merge('nulls', { columns: ['id', 'v'], rows: streamed([[1, 'new'], [2, 'x'], [null, 'y']]) }));
      expect(error).to.equal(
        'Merge: the merge key `id` is NULL at row 3, so nothing was written to nulls: every row needs a value in each of mergeKeys',
      );
      expect(await rows('select id, v from nulls order by id')).to.deep.equal([[1, 'kept']]);
      const composite = { columns: ['id', 'k', 'v'], rows: streamed([[1, 'a', 'x'], [null, 'b', 'y'], [2, null, 'z']]) };
      expect(await taskError(merge('nulls2', composite, { mergeKeys: ['k', 'id'] }))).to.match(/^Merge: the merge key `id` is NULL at row 2, so nothing was written to nulls2/);
    });

    it('should leave the table as it was when a row holds a value its column refuses, naming the task, the table and the row', async () => {
      // SQLite takes any text as a date: there, the CHECK refuses it, once the rows are staged (no row known).
      await exec(`create table strict_t (id integer primary key, d date${dialect.name === 'sqlite' ? " check (d < '2026-13')" : ''})`);
      await exec("insert into strict_t (id, d) values (1, '2026-01-01')");
      const input = { columns: ['id', 'd'], rows: streamed([[1, '2026-02-02'], [2, '2026-02-03'], [3, '2026-13-45']]) };
      const error = await taskError(merge('strict_t', input));
      expect(error).to.match(dialect.name === 'sqlite' ? /^Merge: writing to strict_t failed, so none was written: CHECK constraint failed/ : /^Merge: writing to strict_t failed at row 3, so none was written: /);
      expect(await rows("select id, d from strict_t order by id")).to.have.length(1);
    });

    it('should add the input\'s new columns with addColumns, and without it name them', async () => {
      await merge('grown', [{ id: 1, a: 'x' }]);
      const input = [{ id: 1, a: 'y', b: 5 }, { id: 2, a: 'z', b: 6 }];
      const error = await taskError(merge('grown', input));
      expect(error).to.equal('Merge: the table grown has no column `b`, which the input has; set addColumns = true to add it, or leave it out of the input');
      if (dialect.name === 'mysql') {
        const refused = await taskError(merge('grown', input, { addColumns: true }));
        expect(refused).to.match(/^Merge: addColumns cannot add `b` to grown on MySQL: ALTER TABLE commits at once there/);
        return;
      }
      await merge('grown', input, { addColumns: true });
      expect(await rows('select id, a, b from grown order by id')).to.deep.equal([[1, 'y', 5], [2, 'z', 6]]);
    });

    it('should refuse a column whose type the input no longer fits, naming both types, before anything is written', async () => {
      await exec('create table typed (id integer primary key, n integer)');
      await exec('insert into typed (id, n) values (1, 1)');
      const error = await taskError(merge('typed', [{ id: 1, n: 2 }, { id: 2, n: 'many' }]));
      expect(error).to.match(/^Merge: the column `n` of typed is (integer|INTEGER|int\(11\)|int), and the input's is text \(row 2\), which it does not take, so nothing was written/);
      expect(await rows('select id, n from typed')).to.deep.equal([[1, 1]]);
    });

    it('should leave no table behind when a merge into a missing table fails', async () => {
      await taskError(merge('never_made', [{ id: 1, v: 'a' }, { id: 1, v: 'b' }]));
      await taskError(merge('never_made', [{ id: 1, v: 'a' }, { id: null, v: 'b' }]));
      const probe = await taskError(bigraysRun(class Probe extends SQLExecute { statement = 'select * from never_made'; }));
      expect(probe).to.match(/never_made/);
    });

    it('should refuse ifExists = merge without mergeKeys before the run', async () => {
      class NoKeys extends SQLWrite { tablename = 'never'; input = PEOPLE; ifExists = 'merge' as const; }
      const error = await failure<TaskInterfaceError>(bigraysRun(NoKeys));
      expect(error).to.be.instanceOf(TaskInterfaceError);
      expect(error.message).to.contain("NoKeys mergeKeys must name the columns that identify a row when ifExists = 'merge', such as ['id'], got undefined");
      class Unknown extends SQLWrite { tablename = 'never'; input = PEOPLE; ifExists = 'merge' as const; mergeKeys = ['uid']; }
      expect((await failure(bigraysRun(Unknown))).message).to.contain('Unknown mergeKeys names `uid`, which the input lacks (its columns: id, name, score)');
    });
  });
}
