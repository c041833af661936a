/** `incremental` on SQLStream and SQLQuery: each run reads the rows past the cursor the last good run kept. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bigraysRun, BigraysConfig, outputOf, register, SQLQuery, SQLStream, SQLWrite, sqlQuery, Task, TaskError, TaskInterfaceError, ToCSV,
  updateFormatKws, type SqlRows,
} from '../../lib';
import { useMysql } from '../support/mariadb';
import { freshPostgresDsn, freshSqliteDsn, sqliteLoads } from '../support/sql-hooks';
import { failure } from '../helpers';
import { execute } from '../support/sql-sessions';


describe('incremental reads', function () {
  this.timeout(60_000);
  let dir: string;
  const state = (): { tasks: Record<string, unknown> } => JSON.parse(readFileSync(join(dir, 'state', 'incr.json'), 'utf8')) as { tasks: Record<string, unknown> };
  const csv = (name: string): string[] => readFileSync(join(dir, name), 'utf8').trim().split('\n');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bigrays-incremental-'));
    BigraysConfig.STATE_URL = join(dir, 'state');
    BigraysConfig.JOB_NAME = 'incr';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('on PostgreSQL', () => {
    let dsn: string;
    before(async () => {
      dsn = await freshPostgresDsn();
    });
    beforeEach(() => {
      BigraysConfig.DB_DSN = dsn;
    });

    it('should read past a timestamptz cursor, lookbackMs earlier, and keep the largest value read exactly', async () => {
      await execute(dsn, `
        drop table if exists events;
        create table events (id int, updated_at timestamptz);
        insert into events values (1, '2026-12-01 10:00:00.000001+00'), (2, '2026-12-01 10:00:05.5+00'), (3, '2026-12-01 10:00:09.999999+00');`);
      @register class Events extends SQLStream { query = 'select id, updated_at from events'; incremental = { column: 'updated_at', lookbackMs: 5000 }; }
      let n = 0;
      @register class Save extends ToCSV { input = Events.output; filename = join(dir, `events-${n}.csv`); override overwriteIfExists = true; }
      await bigraysRun();
      expect(csv('events-0.csv')).to.deep.equal(['id,updated_at', '1,2026-12-01T10:00:00.000001Z', '2,2026-12-01T10:00:05.5Z', '3,2026-12-01T10:00:09.999999Z']);
      expect(state().tasks.Events).to.deep.equal({ cursor: '2026-12-01T10:00:09.999999Z', column: 'updated_at' });
      // A late row 4 s before the cursor, and a new one: both read (5 s lookback), the cursor moves to the newest.
      await execute(dsn, "insert into events values (4, '2026-12-01 10:00:05.999999+00'), (5, '2026-12-01 10:00:10+00'), (6, '2026-12-01 10:00:04.999998+00')");
      n = 1;
      await bigraysRun();
      expect(csv('events-1.csv')).to.deep.equal(['id,updated_at', '2,2026-12-01T10:00:05.5Z', '4,2026-12-01T10:00:05.999999Z', '3,2026-12-01T10:00:09.999999Z', '5,2026-12-01T10:00:10Z']);
      expect(state().tasks.Events).to.deep.equal({ cursor: '2026-12-01T10:00:10Z', column: 'updated_at' });
    });

    it('should fill {since} as a literal of the cursor\'s type, which a keyword of the job cannot change, and refuse a first run with neither cursor nor initial', async () => {
      await execute(dsn, `
        drop table if exists orders; create table orders (id int, at timestamptz);
        insert into orders values (1, '2026-12-01 10:00:00+00'), (2, '2026-12-02 10:00:00+00');`);
      updateFormatKws({ since: '2999-01-01' });
      let initial: string | undefined;
      @register class Orders extends SQLStream { query = 'select id, at from orders where at > {since} order by at'; incremental = { column: 'at', initial }; }
      @register class Save extends ToCSV { input = Orders.output; filename = join(dir, 'orders.csv'); override overwriteIfExists = true; }
      const refused = await failure<TaskError>(bigraysRun());
      expect(refused.message).to.contain('Orders.incremental.initial').and.contain('no cursor yet');
      expect(existsSync(join(dir, 'orders.csv'))).to.equal(false);

      initial = '2026-12-01T12:00:00Z';
      await bigraysRun();
      expect(csv('orders.csv')).to.deep.equal(['id,at', '2,2026-12-02T10:00:00Z']);
      expect(state().tasks.Orders).to.deep.equal({ cursor: '2026-12-02T10:00:00Z', column: 'at' });
      await execute(dsn, "insert into orders values (3, '2026-12-02 10:00:00.000001+00'), (4, '2026-12-01 11:00:00+00')");
      await bigraysRun();
      expect(csv('orders.csv')).to.deep.equal(['id,at', '3,2026-12-02T10:00:00.000001Z']);
      expect(state().tasks.Orders).to.deep.equal({ cursor: '2026-12-02T10:00:00.000001Z', column: 'at' });
    });

    it('should keep a bigint cursor beyond 2^53 exact, and bind it exactly in the wrapped query', async () => {
      await execute(dsn, `
        drop table if exists big; create table big (id bigint, note text);
        insert into big values (9007199254740993, 'a'), (9007199254740994, 'b');`);
      let lookback = 0;
      @register class Big extends SQLStream { query = 'select id, note from big'; incremental = { column: 'id', initial: '9007199254740992', lookback }; }
      @register class Save extends ToCSV { input = Big.output; filename = join(dir, 'big.csv'); override overwriteIfExists = true; }
      await bigraysRun();
      expect(csv('big.csv')).to.deep.equal(['id,note', '9007199254740993,a', '9007199254740994,b']);
      expect(state().tasks.Big).to.deep.equal({ cursor: '9007199254740994', column: 'id' });
      // 2^53 + 4 and + 5 differ by one: only the new one is read.
      await execute(dsn, "insert into big values (9007199254740995, 'c')");
      await bigraysRun();
      expect(csv('big.csv')).to.deep.equal(['id,note', '9007199254740995,c']);
      expect(state().tasks.Big).to.deep.equal({ cursor: '9007199254740995', column: 'id' });
      // 2^53 + 3 less 2, exactly: the two rows above 2^53 + 1 again.
      lookback = 2;
      await bigraysRun();
      expect(csv('big.csv')).to.deep.equal(['id,note', '9007199254740994,b', '9007199254740995,c']);
      expect(state().tasks.Big).to.deep.equal({ cursor: '9007199254740995', column: 'id' });
    });

    it('should read past the cursor less lookback, and never move the cursor back', async () => {
      await execute(dsn, 'drop table if exists nums; create table nums (id int); insert into nums select generate_series(1, 10);');
      @register class Nums extends SQLQuery { query = 'select id from nums where id <> :skip'; params = { skip: 0 }; incremental = { column: 'id', lookback: 3 }; }
      const seen: number[][] = [];
      @register class Look extends Task { run() { seen.push((Nums.output as { id: { values: number[] } })['id'].values); } }
      await bigraysRun();
      await bigraysRun();
      expect(seen).to.deep.equal([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [8, 9, 10]]);
      await execute(dsn, 'delete from nums where id > 8');
      await bigraysRun();
      expect(seen[2]).to.deep.equal([8]);
      expect(state().tasks.Nums).to.deep.equal({ cursor: 10, column: 'id' });
    });

    it('should keep the cursor of rows an SQLWrite loads into a table of the same database', async () => {
      await execute(dsn, 'drop table if exists src, dst; create table src (id int, v text); insert into src values (1, \'a\'), (2, \'b\');');
      @register class Source extends SQLStream { query = 'select id, v from src'; incremental = { column: 'id' }; }
      @register class Load extends SQLWrite { tablename = 'dst'; input = Source.output; override ifExists = 'append' as const; }
      @register class Count extends SQLQuery { query = 'select id from dst order by id'; }
      await bigraysRun();
      await execute(dsn, "insert into src values (3, 'c')");
      await bigraysRun();
      expect((outputOf(Count) as unknown as { id: { values: number[] } })['id'].values).to.deep.equal([1, 2, 3]);
      expect(state().tasks.Source).to.deep.equal({ cursor: 3, column: 'id' });
    });

    it('should wrap a query holding ? (a string literal, the jsonb ? operator) on every run, the cursor written as a literal', async () => {
      await execute(dsn, `
        drop table if exists docs; create table docs (id int, body jsonb);
        insert into docs values (1, '{"a": 1}'), (2, '{"b": 1}');`);
      @register class Docs extends SQLStream { query = "select id, case when body ? 'a' then 'yes' else 'no' end as has_a, '?' as mark from docs"; incremental = { column: 'id' }; }
      @register class Save extends ToCSV { input = Docs.output; filename = join(dir, 'docs.csv'); override overwriteIfExists = true; }
      await bigraysRun();
      expect(csv('docs.csv')).to.deep.equal(['id,has_a,mark', '1,yes,?', '2,no,?']);
      await execute(dsn, `insert into docs values (3, '{"a": 2}')`);
      await bigraysRun();
      expect(csv('docs.csv')).to.deep.equal(['id,has_a,mark', '3,yes,?']);
      expect(state().tasks.Docs).to.deep.equal({ cursor: 3, column: 'id' });
    });

    it('should move no cursor for a stream read only in part, nor for one whose writer left its file as it is', async () => {
      await execute(dsn, 'drop table if exists feed; create table feed (id int); insert into feed select generate_series(1, 5);');
      @register class Feed extends SQLStream { query = 'select id from feed'; override batchSize = 2; incremental = { column: 'id' }; }
      @register class Peek extends Task {
        async run() {
          for await (const row of Feed.output as SqlRows) {
            void row;
            break;
          }
        }
      }
      await bigraysRun(Feed, Peek);
      expect(existsSync(join(dir, 'state', 'incr.json'))).to.equal(false);

      const file = join(dir, 'feed.csv');
      writeFileSync(file, 'id\n');
      @register class Save extends ToCSV { input = Feed.output; filename = file; ifExists = 'skip' as const; }
      const skipped = await bigraysRun(Feed, Save);
      expect(skipped.tasks.find((t) => t.name === 'Save')).to.include({ status: 'skipped', reason: `${file} exists` });
      expect(skipped.tasks.find((t) => t.name === 'Feed')?.unread).to.equal(undefined);
      expect(existsSync(join(dir, 'state', 'incr.json'))).to.equal(false);
      // A query's rows are read before their writer skips: the cursor they staged is taken back.
      @register class Frame extends SQLQuery { query = 'select id from feed'; incremental = { column: 'id' }; }
      @register class SaveFrame extends ToCSV { input = Frame.output; filename = file; ifExists = 'skip' as const; }
      const frameSkipped = await bigraysRun(Frame, SaveFrame);
      expect(frameSkipped.tasks.find((t) => t.name === 'SaveFrame')).to.include({ status: 'skipped', reason: `${file} exists` });
      expect(existsSync(join(dir, 'state', 'incr.json'))).to.equal(false);

      rmSync(file);
      await bigraysRun(Feed, Save);
      expect(csv('feed.csv')).to.deep.equal(['id', '1', '2', '3', '4', '5']);
      expect(state().tasks.Feed).to.deep.equal({ cursor: 5, column: 'id' });
    });

    it('should name the column and the result\'s columns when the column is not in the result', async () => {
      await execute(dsn, 'drop table if exists nums2; create table nums2 (id int); insert into nums2 values (1);');
      @register class Nums extends SQLQuery { query = 'select id as n from nums2 where id > {since}'; incremental = { column: 'id', initial: 0 }; }
      const error = await failure<TaskError>(bigraysRun());
      expect(error.message).to.contain('Nums.incremental.column').and.contain('"id" is not a column').and.contain('"n"');
      expect(existsSync(join(dir, 'state', 'incr.json'))).to.equal(false);
      // Wrapped, the database refuses the column first: the message still names the result's columns.
      @register class Wrapped extends SQLStream { query = 'select id as n, 2 as m from nums2'; incremental = { column: 'id' }; }
      @register class Save extends ToCSV { input = Wrapped.output; filename = join(dir, 'wrapped.csv'); }
      const wrapped = await failure<TaskError>(bigraysRun(Wrapped, Save));
      expect(wrapped.message).to.contain('Wrapped.incremental.column').and.contain('"id" is not a column').and.contain('"n", "m"');
      expect(existsSync(join(dir, 'wrapped.csv'))).to.equal(false);
    });
  });

  describe('on SQLite', () => {
    before(function () {
      if (!sqliteLoads()) this.skip();
    });

    it('should fill {since} on SQLite, and give a DataFrame (SQLQuery) whose writer writes nothing when nothing is new, and read again what lookbackMs covers', async () => {
      const dsn = freshSqliteDsn();
      BigraysConfig.DB_DSN = dsn;
      await execute(dsn, "create table orders (id integer, at text); insert into orders values (1, '2026-12-01 10:00:00'), (2, '2026-12-02 10:00:00');");
      let lookbackMs = 0;
      @register class Orders extends SQLQuery { query = 'select id, at from orders where at > {since} order by at'; incremental = { column: 'at', initial: '2026-12-01 00:00:00', lookbackMs }; }
      let writeEmpty: boolean | undefined;
      @register class Save extends ToCSV { input = Orders.output; filename = join(dir, 'orders.csv'); override overwriteIfExists = true; writeEmpty = writeEmpty; }
      const first = await bigraysRun();
      expect(csv('orders.csv')).to.deep.equal(['id,at', '1,2026-12-01 10:00:00', '2,2026-12-02 10:00:00']);
      expect(state().tasks.Orders).to.deep.equal({ cursor: '2026-12-02 10:00:00', column: 'at' });
      expect(first.tasks.find((t) => t.name === 'Save')).to.include({ rows: 2 });
      rmSync(join(dir, 'orders.csv'));
      const second = await bigraysRun();
      expect(existsSync(join(dir, 'orders.csv'))).to.equal(false);
      expect(second.tasks.find((t) => t.name === 'Save')).to.include({ status: 'skipped', reason: 'no new rows since 2026-12-02 10:00:00' });
      writeEmpty = true;
      await bigraysRun();
      expect(csv('orders.csv')).to.deep.equal(['id,at']);
      // A row that came late, 30 s before the cursor: a minute's lookback, written as SQLite holds the text, reads it.
      await execute(dsn, "insert into orders values (3, '2026-12-02 09:59:30'), (4, '2026-12-02 09:58:59')");
      lookbackMs = 60_000;
      await bigraysRun();
      expect(csv('orders.csv')).to.deep.equal(['id,at', '3,2026-12-02 09:59:30', '2,2026-12-02 10:00:00']);
      expect(state().tasks.Orders).to.deep.equal({ cursor: '2026-12-02 10:00:00', column: 'at' });
    });

    it('should wrap a query without {since} and order it by the column, with the task\'s own ? params', async () => {
      const dsn = freshSqliteDsn();
      BigraysConfig.DB_DSN = dsn;
      await execute(dsn, 'create table t (id integer, kind text); insert into t values (3, \'x\'), (1, \'x\'), (2, \'y\'), (4, \'x\');');
      @register class Rows extends SQLStream { query = 'select * from t where kind = ?;'; params = ['x']; incremental = { column: 'id' }; }
      @register class Save extends ToCSV { input = Rows.output; filename = join(dir, 't.csv'); override overwriteIfExists = true; }
      await bigraysRun();
      expect(csv('t.csv')).to.deep.equal(['id,kind', '1,x', '3,x', '4,x']);
      await execute(dsn, "insert into t values (5, 'x'), (6, 'y'), (0, 'x')");
      await bigraysRun();
      expect(csv('t.csv')).to.deep.equal(['id,kind', '5,x']);
      expect(state().tasks.Rows).to.deep.equal({ cursor: 5, column: 'id' });
    });
  });

  describe('on MySQL', () => {
    const mysql = useMysql();

    it('should wrap a query on a bigint past 2^53 and fill {since} with a datetime(6), quoted for MySQL', async () => {
      await execute(mysql.dsn, `
        create table feed (id bigint, at datetime(6));
        insert into feed values (9007199254740993, '2026-12-01 10:00:00.000001'), (9007199254740994, '2026-12-01 10:00:00.000002');`);
      @register class Ids extends SQLStream { query = 'select id from feed'; incremental = { column: 'id', initial: '9007199254740993' }; }
      @register class SaveIds extends ToCSV { input = Ids.output; filename = join(dir, 'ids.csv'); override overwriteIfExists = true; }
      @register class Times extends SQLQuery { query = 'select id, at from feed where at > {since} order by at'; incremental = { column: 'at', initial: '2026-12-01T10:00:00.000001' }; }
      @register class SaveTimes extends ToCSV { input = Times.output; filename = join(dir, 'times.csv'); override overwriteIfExists = true; }
      await bigraysRun();
      expect(csv('ids.csv')).to.deep.equal(['id', '9007199254740994']);
      expect(csv('times.csv')).to.deep.equal(['id,at', '9007199254740994,2026-12-01T10:00:00.000002']);
      expect(state().tasks).to.deep.equal({
        Ids: { cursor: '9007199254740994', column: 'id' },
        Times: { cursor: '2026-12-01T10:00:00.000002', column: 'at' },
      });
      await execute(mysql.dsn, "insert into feed values (9007199254740995, '2026-12-01 10:00:00.000003')");
      await bigraysRun();
      expect(csv('ids.csv')).to.deep.equal(['id', '9007199254740995']);
      expect(csv('times.csv')).to.deep.equal(['id,at', '9007199254740995,2026-12-01T10:00:00.000003']);
    });
  });

  describe('before the run', () => {
    it('should refuse a quoted {since}, a limit on a wrapped query and a fractional lookback on an integer cursor, before any task runs', async () => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
      let ran = false;
      @register class First extends Task { run() { ran = true; } }
      @register class Quoted extends SQLQuery { query = "select 1 as id where '2' > '{since}'"; incremental = { column: 'id', initial: 0 }; }
      @register class Limited extends SQLStream { query = 'select id from t order by id limit 100'; incremental = { column: 'id', initial: 0, lookback: 1.5 }; }
      const error = await failure<TaskError>(bigraysRun());
      expect(ran).to.equal(false);
      expect(error.message)
        .to.contain("Quoted query writes '{since}'").and.contain('write {since} bare')
        .and.contain('Limited incremental.lookback must be a whole number for an integer cursor')
        .and.contain('query holds LIMIT: a wrapped incremental query cannot limit its rows').and.contain('write {since} in the query');
      void First;
    });

    it('should refuse incremental on a functional call, and two incremental tasks of one name in a run', async () => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
      const functional = await failure<TaskInterfaceError>(sqlQuery({ query: 'select 1 as id', incremental: { column: 'id' } } as Parameters<typeof sqlQuery>[0]));
      expect(functional).to.be.instanceOf(TaskInterfaceError);
      expect(functional.message).to.contain('sqlQuery() takes no incremental').and.contain('class ExtractOrders extends SQLQuery');
      const make = () => class Extract extends SQLQuery { query = 'select 1 as id'; incremental = { column: 'id' }; };
      const twice = await failure<TaskError>(bigraysRun(make(), make()));
      expect(twice.message).to.contain('another incremental task named Extract read its cursor in this run');
      expect(existsSync(join(dir, 'state', 'incr.json'))).to.equal(false);
    });


    it('should refuse a wrong incremental, naming the task and the attribute, before any task runs', async () => {
      BigraysConfig.DB_DSN = 'sqlite::memory:';
      let ran = false;
      @register class First extends Task { run() { ran = true; } }
      @register class Bad extends SQLStream {
        query = 'select 1 as id where 1 > {since!q}';
        incremental = { column: '', initial: 'yesterday', lookback: -1 } as unknown as { column: string };
      }
      const error = await failure<TaskError>(bigraysRun());
      expect(ran).to.equal(false);
      expect(error.message)
        .to.contain('Bad incremental.column must name the column')
        .and.contain('incremental.initial must be a number, a string of digits, an ISO date/time')
        .and.contain('incremental.lookback must be a number ≥ 0, got -1')
        .and.contain('query writes {since!q}');
      void First;
    });
  });
});
