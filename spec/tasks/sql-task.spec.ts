import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  bigraysRun, BigraysConfig, outputOf, register, ResourceError, SQLExecute, SQLQuery, SQLTask, SQLWrite, Task, TaskError, ToCSV, toCSV, type DataFrame, type TableStream,
} from '../../lib';
import { RecordingResource } from '../helpers';
import { DIALECTS } from '../sql/dialects';
import { failureOf, select } from '../support/sql-probe';

/** A temp folder for one spec, removed after the suite. */
const scratchDirs: string[] = [];
after(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratchDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-stream-'));
  scratchDirs.push(dir);
  return dir;
}

/** Runs one query on the configured database, outside of the job under test. */
for (const dialect of DIALECTS) {
  describe(`SQL tasks on ${dialect.name}`, function () {
    this.timeout(60_000);
    let dsn: string | undefined;

    before(async function () {
      dsn = await dialect.freshDsn();
      if (!dsn) this.skip(); // SQL Server: set BIGRAYS_TEST_MSSQL_DSN to run these
    });

    beforeEach(() => {
      BigraysConfig.DB_DSN = dsn;
    });

    it('should output a DataFrame with the rows and columns, and report the row count', async () => {
      @register class Setup extends SQLExecute {
        statement = "create table people (id integer, name varchar(50)); insert into people values (1, 'Ada'); insert into people values (2, 'Grace')";
      }
      @register class Read extends SQLQuery { query = 'select id, name from people order by id'; }
      const report = await bigraysRun();
      const frame = outputOf(Read);
      expect(frame.columns).to.deep.equal(['id', 'name']);
      expect(frame.values).to.deep.equal([[1, 'Ada'], [2, 'Grace']]);
      expect(report.tasks[1]).to.include({ name: 'Read', status: 'ok', rows: 2 });
      expect(Setup).to.be.a('function');
    });

    it('should keep the column names of an empty result', async () => {
      @register class Setup extends SQLExecute { statement = 'create table empty_t (a integer, b varchar(10), c integer)'; }
      @register class Read extends SQLQuery { query = 'select a, b, c from empty_t'; }
      await bigraysRun();
      expect(outputOf(Read).columns).to.deep.equal(['a', 'b', 'c']);
      expect(outputOf(Read).shape).to.deep.equal([0, 3]);
      expect(Setup).to.be.a('function');
    });

    it('should bind params, never splice them, so a hostile string is only data', async () => {
      const hostile = "Robert'); drop table students; --";
      @register class Setup extends SQLExecute { statement = 'create table students (name varchar(100))'; }
      @register class Insert extends SQLExecute { statement = 'insert into students (name) values (:name)'; params = { name: hostile }; }
      @register class Read extends SQLQuery { query = 'select name from students where name = :name'; params = { name: hostile }; }
      @register class Count extends SQLQuery { query = 'select count(*) as n from students'; }
      await bigraysRun();
      expect(outputOf(Read).values).to.deep.equal([[hostile]]);
      expect(outputOf(Count).values).to.deep.equal([[1]]);
      expect(Setup && Insert).to.be.a('function');
    });

    it('should fill {keywords} in the SQL and bind positional params', async () => {
      @register class Read extends SQLQuery {
        formatKws = { table: 'kw_t' };
        query = 'select x from {table} where x > ? order by x';
        params = [1];
      }
      await bigraysRun(
        class Setup extends SQLExecute { statement = 'create table kw_t (x integer); insert into kw_t values (1); insert into kw_t values (2)'; },
        Read,
      );
      expect(outputOf(Read).values).to.deep.equal([[2]]);
    });

    it('should keep a temp table across consecutive SQL tasks and across a task that needs no resource', async () => {
      const temp = dialect.name === 'mssql' ? '#scratch' : 'scratch';
      const create = dialect.name === 'mssql'
        ? 'create table #scratch (v integer)'
        : 'create temporary table scratch (v integer)';
      @register class MakeTemp extends SQLExecute { statement = `${create}; insert into ${temp} values (42)`; }
      @register class Think extends Task { run() { return 'no resource here'; } }
      @register class ReadTemp extends SQLQuery { query = `select v from ${temp}`; }
      await bigraysRun();
      expect(outputOf(ReadTemp).values).to.deep.equal([[42]]);
      expect(MakeTemp && Think).to.be.a('function');
    });

    it('should reopen the session after a different resource, so temp tables are gone but data stays', async () => {
      const events: string[] = [];
      const temp = dialect.name === 'mssql' ? '#gone' : 'gone';
      const create = dialect.name === 'mssql' ? 'create table #gone (v integer)' : 'create temporary table gone (v integer)';
      @register class MakeBoth extends SQLExecute { statement = `${create}; create table kept (v integer); insert into kept values (7)`; }
      @register class Elsewhere extends Task { requiredResource = new RecordingResource('other', events); run() {} }
      @register class ReadKept extends SQLQuery { query = 'select v from kept'; }
      @register class ReadGone extends SQLQuery { query = `select v from ${temp}`; }
      const error = await failureOf(bigraysRun());
      expect(outputOf(ReadKept).values).to.deep.equal([[7]]);
      expect(error.report!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok', 'ok', 'failed']);
      expect(events).to.deep.equal(['open other', 'close other']);
      expect(MakeBoth && Elsewhere && ReadGone).to.be.a('function');
    });

    it('should open its own session for a task with another database in resourceConfig', async () => {
      const other = await dialect.freshDsn();
      @register class Here extends SQLExecute { statement = 'create table only_here (v integer)'; }
      @register class There extends SQLQuery {
        resourceConfig = { DB_DSN: other };
        query = dialect.name === 'sqlite'
          ? "select count(*) as n from sqlite_master where name = 'only_here'"
          : "select count(*) as n from information_schema.tables where table_name = 'only_here'" +
            (dialect.name === 'mysql' ? ' and table_schema = database()' : ''); // one server holds every MySQL database
      }
      await bigraysRun();
      expect(outputOf(There).values).to.deep.equal([[0]]);
      expect(Here).to.be.a('function');
    });

    it('should roll back a SQLExecute batch that fails half-way', async () => {
      @register class Setup extends SQLExecute { statement = 'create table ledger (v integer)'; }
      @register class Batch extends SQLExecute {
        statement = 'insert into ledger values (1); insert into ledger values (2); insert into no_such_table values (3)';
      }
      const error = await failureOf(bigraysRun());
      expect(error.errors[0]).to.be.instanceOf(TaskError);
      expect((error.errors[0] as TaskError).taskName).to.equal('Batch');
      expect((await select('select count(*) as n from ledger')).values).to.deep.equal([[0]]);
      expect(Setup).to.be.a('function');
    });

    it('should create a table from row objects and report the rows written', async () => {
      @register class Save extends SQLWrite {
        tablename = 'scores';
        input = [
          { player: 'ada', points: 10, ratio: 0.5, active: true },
          { player: 'bob', points: 7, ratio: 1.25, active: false },
          { player: null, points: null, ratio: null, active: null },
        ];
      }
      @register class Read extends SQLQuery { query = 'select player, points, ratio, active from scores order by points'; }
      const report = await bigraysRun();
      expect(report.tasks[0]).to.include({ status: 'ok', rows: 3 });
      const values = outputOf(Read).values as unknown[][];
      expect(values.map((r) => r.slice(0, 3))).to.deep.include.members([['ada', 10, 0.5], ['bob', 7, 1.25], [null, null, null]]);
      expect(values.find((r) => r[0] === 'ada')![3]).to.be.oneOf([true, 1]);
      expect(Save).to.be.a('function');
    });

    it('should write a DataFrame from a SQLQuery back to a new table unchanged', async () => {
      @register class Setup extends SQLExecute {
        statement = "create table src (id integer, label varchar(20)); insert into src values (1, 'one'); insert into src values (2, '')";
      }
      @register class Read extends SQLQuery { query = 'select id, label from src order by id'; }
      @register class Copy extends SQLWrite { tablename = 'dst'; input = Read.output; }
      @register class Check extends SQLQuery { query = 'select id, label from dst order by id'; }
      await bigraysRun();
      expect(outputOf(Check).values).to.deep.equal([[1, 'one'], [2, '']]);
      expect(Setup && Copy).to.be.a('function');
    });

    it('should write all or nothing: a bad row at the end of 3000 rows leaves the table as it was', async () => {
      @register class Setup extends SQLExecute {
        statement = `create table accounts (id integer primary key, name ${dialect.textType} not null); insert into accounts values (0, 'existing')`;
      }
      const rows = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, name: i === 2999 ? null : `user ${i + 1}` }));
      @register class Load extends SQLWrite { tablename = 'accounts'; ifExists = 'append' as const; input = rows; }
      const error = await failureOf(bigraysRun());
      expect(error.report!.tasks[1].status).to.equal('failed');
      const message = (error.errors[0] as Error).message;
      expect(message).to.match(/^Load: writing to accounts failed at row 3000 of 3000, so none was written: .*null/i);
      expect(message, 'the data itself stays out of the message').not.to.contain('user 1');
      expect(message.length).to.be.below(400);
      expect((await select('select id, name from accounts')).values).to.deep.equal([[0, 'existing']]);
      expect(Setup && Load).to.be.a('function');
    });

    it('should refuse an existing table with ifExists fail (the default), changing nothing', async () => {
      @register class Setup extends SQLExecute { statement = "create table keep_me (v integer); insert into keep_me values (1)"; }
      @register class Clobber extends SQLWrite { tablename = 'keep_me'; input = [{ v: 2 }]; }
      const error = await failureOf(bigraysRun());
      expect((error.errors[0] as Error).message).to.equal(
        "Clobber: the table keep_me exists already; set ifExists = 'append' to add rows or 'replace' to replace it",
      );
      expect((await select('select v from keep_me')).values).to.deep.equal([[1]]);
      expect(Setup).to.be.a('function');
    });

    it('should append with ifExists append and replace the table with ifExists replace', async () => {
      @register class Setup extends SQLExecute { statement = "create table modes (v integer); insert into modes values (1)"; }
      @register class Append extends SQLWrite { tablename = 'modes'; ifExists = 'append' as const; input = [{ v: 2 }]; }
      @register class AfterAppend extends SQLQuery { query = 'select v from modes order by v'; }
      @register class Replace extends SQLWrite { tablename = 'modes'; ifExists = 'replace' as const; input = [{ v: 'text now' }]; }
      @register class AfterReplace extends SQLQuery { query = 'select v from modes'; }
      await bigraysRun();
      expect(outputOf(AfterAppend).values).to.deep.equal([[1], [2]]);
      expect(outputOf(AfterReplace).values).to.deep.equal([['text now']]);
      expect(Setup && Append && Replace).to.be.a('function');
    });

    it('should keep the old table when a replace fails half-way', async () => {
      @register class Setup extends SQLExecute { statement = 'create table precious (v integer); insert into precious values (1)'; }
      @register class Replace extends SQLWrite {
        tablename = 'precious';
        ifExists = 'replace' as const;
        input = [{ v: 2 }, { v: 2n ** 70n }]; // beyond any 64-bit integer column: the insert fails after the drop
      }
      const error = await failureOf(bigraysRun());
      expect(error.report!.tasks[1].status).to.equal('failed');
      expect((await select('select v from precious')).values).to.deep.equal([[1]]);
      expect(Setup && Replace).to.be.a('function');
    });

    it('should give SQLTask the open session and query/execute/write helpers', async () => {
      @register class Custom extends SQLTask<number> {
        async run() {
          await this.execute('create table helper_t (n integer)');
          await this.write('helper_t', [{ n: 1 }, { n: 2 }], { ifExists: 'append' });
          await this.execute('insert into helper_t values (:n)', { n: 3 });
          const frame = await this.query('select sum(n) as total from helper_t');
          const viaKnex = await this.knex('helper_t').count({ c: '*' });
          return Number((frame.values as unknown[][])[0][0]) + Number(viaKnex[0].c);
        }
      }
      await bigraysRun();
      expect(outputOf(Custom)).to.equal(6 + 3);
    });

    it('should stream a large result to CSV a batch at a time, with the same bytes as the whole result', async () => {
      const file = path.join(scratchDir(), 'numbers.csv');
      const wholeFile = `${file}.whole`;
      const rows = Array.from({ length: 12_345 }, (_, i) => ({ n: i, label: i % 7 === 0 ? null : i % 5 === 0 ? '' : `row, ${i}` }));
      @register class Load extends SQLWrite { tablename = 'numbers'; input = rows; }
      @register class Export extends SQLTask<{ rows?: number }> {
        async run() {
          const stream = await this.stream('select n, label from numbers where n >= :from order by n', { from: 0 }, { batchSize: 1000 });
          expect(stream.columns).to.deep.equal(['n', 'label']);
          return toCSV({ input: stream, filename: file });
        }
      }
      @register class AfterwardsToo extends SQLQuery { query = 'select count(*) as n from numbers'; }
      @register class Whole extends SQLQuery { query = 'select n, label from numbers order by n'; }
      @register class SaveWhole extends ToCSV { input = Whole.output; filename = wholeFile; }
      await bigraysRun();
      expect(outputOf(Export).rows).to.equal(12_345);
      expect(outputOf(AfterwardsToo).values).to.deep.equal([[12_345]]);
      const streamed = readFileSync(file, 'utf8');
      expect(streamed).to.equal(readFileSync(wholeFile, 'utf8'));
      expect(streamed.split('\n').slice(0, 4)).to.deep.equal(['n,label', '0,', '1,"row, 1"', '2,"row, 2"']);
      expect(Load && SaveWhole).to.be.a('function');
    });

    it('should keep the header of an empty streamed result', async () => {
      const file = path.join(scratchDir(), 'none.csv');
      @register class Setup extends SQLExecute { statement = 'create table nothing_here (a integer, b varchar(5))'; }
      @register class Export extends SQLTask {
        async run() { return toCSV({ input: await this.stream('select a, b from nothing_here'), filename: file }); }
      }
      await bigraysRun();
      expect(readFileSync(file, 'utf8')).to.equal('a,b\n');
      expect(Setup && Export).to.be.a('function');
    });

    it('should fail, never write a truncated file, when a stream outlives its session', async () => {
      const file = path.join(scratchDir(), 'late.csv');
      @register class Setup extends SQLExecute { statement = 'create table late_t (v integer); insert into late_t values (1); insert into late_t values (2)'; }
      @register class Export extends SQLTask<TableStream> { run() { return this.stream('select v from late_t'); } }
      @register class Elsewhere extends Task { requiredResource = new RecordingResource('other', []); run() {} }
      @register class Save extends ToCSV { input = Export.output; filename = file; }
      const error = await failureOf(bigraysRun());
      expect(error.report!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok', 'ok', 'failed']);
      expect((error.errors[0] as Error).message).to.match(/closed before it was read to the end .*read it in the task that opened it/);
      expect(existsSync(file)).to.equal(false);
      expect(Setup && Elsewhere).to.be.a('function');
    });

    it('should refuse, not hang, when a stream left unread still holds the session', async () => {
      @register class Setup extends SQLExecute { statement = 'create table busy_t (v integer); insert into busy_t values (1)'; }
      @register class Forgets extends SQLTask<string> {
        async run() {
          await this.stream('select v from busy_t');
          try {
            await this.query('select v from busy_t');
            return 'no error';
          } catch (error) {
            return (error as Error).message;
          }
        }
      }
      @register class Later extends SQLQuery { resourceConfig = { OTHER: 'reopen' }; query = 'select v from busy_t'; }
      await bigraysRun();
      expect(outputOf(Forgets)).to.match(/busy with a stream that was not read to the end/);
      expect(outputOf(Later).values).to.deep.equal([[1]]); // closing the session released the stream
      expect(Setup).to.be.a('function');
    });

    it('should refuse an input that is not rows, naming the task', async () => {
      @register class Bad extends SQLWrite { tablename = 'never'; input = 'not rows' as never; }
      const error = await failureOf(bigraysRun());
      expect((error.errors[0] as Error).message).to.match(/^Bad: input must be a DataFrame, an array of row objects or \{ columns, rows \} \(e.g. SqlRows\), got string/);
      expect(Bad).to.be.a('function');
    });
  });
}

describe('SQL session errors', () => {
  it('should refuse an unknown scheme before any task runs, quoting the DSN with its password masked', async () => {
    BigraysConfig.DB_DSN = 'oracle://scott:tiger-Secret@db/orcl';
    let ran = false;
    @register class First extends Task { run() { ran = true; } }
    @register class Read extends SQLQuery { query = 'select 1'; }
    const error = await bigraysRun().then(() => undefined, (e: unknown) => e as Error);
    expect(error?.name).to.equal('ConfigurationError');
    expect(error?.message).to.contain('BIGRAYS_DB_DSN is not a valid database URL (oracle://scott:***@db/orcl): unknown scheme `oracle:`');
    expect(error?.message).not.to.contain('tiger-Secret');
    expect(ran).to.equal(false);
    expect(First && Read).to.be.a('function');
  });

  it('should fail the task with a ResourceError when the database cannot be reached', async () => {
    BigraysConfig.DB_DSN = 'postgres://etl:unreachable-Secret@127.0.0.1:1/nowhere';
    @register class Read extends SQLQuery { query = 'select 1'; }
    const error = await failureOf(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(ResourceError);
    expect((error.errors[0] as Error).message).to.match(/^Read: could not open SQLSession: could not connect to 127\.0\.0\.1:1\/nowhere \(postgres:\/\/etl:\*\*\*@127\.0\.0\.1:1\/nowhere\): connection refused/);
    expect(JSON.stringify(error.report) + error.message).not.to.contain('unreachable-Secret');
    expect(Read).to.be.a('function');
  });
});
