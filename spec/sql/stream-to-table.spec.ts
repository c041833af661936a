/**
 * SQLStream → SQLWrite: the rows of a query written to a table. On the same database they are
 * written on the server (`INSERT … SELECT`), moving no data; rows a session reads otherwise are
 * loaded as they are read. Memory stays bounded whatever the number of rows: the big cases run
 * as their own process, in a small heap, and report their peak RSS.
 */
import { expect } from 'chai';
import {
  bigraysRun, BigraysConfig, register, SQLExecute, SQLQuery, SQLStream, SQLWrite, sqlWrite, outputOf, Task, type BigraysError, type SqlRows,
} from '../../lib';
import { admin } from '../support/pg-admin';
import { showExit, startJob, type JobResult } from '../support/job';
import { freshPostgresDsn, freshSqliteDsn, PG_PASSWORD } from '../support/sql-hooks';
import { failure } from '../helpers';

/** A table of `rows` rows with text, NULL, exact decimals and timestamps with microseconds. */
function sourceSql(rows: number): string {
  return `create table source as select
      g::bigint * 1000003 as id,
      (g % 100000)::int as n,
      case when g % 10 = 0 then null when g % 10 = 1 then '' else 'memo, "quoted" ' || g end as memo,
      (g % 1000000 * 1.01)::numeric(12,2) as amount,
      timestamptz '2026-01-01 00:00:00+00' + g * interval '1.000001 second' as at,
      g % 3 = 0 as flag
    from generate_series(1, ${rows}) g`;
}

/** The rows of a table in one figure: their count and the sum of a hash of each row's text. */
async function checksum(dsn: string, table: string): Promise<string> {
  const [row] = await admin<{ v: string }>(dsn, `select count(*) || ' ' || coalesce(sum(hashtext(t::text)::numeric), 0) as v from ${table} t`);
  return row.v;
}

/** The peak RSS the job printed, in MB. */
function peakMb(result: JobResult): number {
  const match = /peak (\d+) kB/.exec(result.stdout);
  expect(match, result.stdout + result.stderr).to.not.equal(null);
  return Number(match![1]) / 1024;
}

/** Runs the stream-to-table job in a 448 MB heap (or `heapMb`); asserts it ended well and under 250 MB. */
async function runJob(env: Record<string, string>, heapMb = 448): Promise<JobResult> {
  const job = startJob('stream-to-table', env, 280_000, [`--max-old-space-size=${heapMb}`]);
  const result = await job.exited;
  showExit(result);
  console.log(`      (peak RSS ${peakMb(result).toFixed(0)} MB)`);
  expect(result.code, `${result.stdout}\n${result.stderr}`).to.equal(0);
  expect(result.stdout + result.stderr).not.to.contain(PG_PASSWORD);
  expect(peakMb(result)).to.be.at.most(250);
  return result;
}

describe('SQLStream → SQLWrite', function () {
  this.timeout(60_000);

  describe('on PostgreSQL, as its own process', function () {
    this.timeout(300_000);

    it('should write 3M rows to a table of the same database on the server, in a 448 MB heap, peak RSS ≤ 250 MB', async () => {
      const dsn = await freshPostgresDsn();
      await admin(dsn, sourceSql(3_000_000));
      const result = await runJob({ BIGRAYS_DB_DSN: dsn });
      expect(result.stdout).to.match(/rows -,3000000\n/);
      expect(await checksum(dsn, 'target')).to.equal(await checksum(dsn, 'source'));
    });

    it('should load the rows read on a session of another config as they are read, in a 64 MB heap', async () => {
      const dsn = await freshPostgresDsn();
      await admin(dsn, sourceSql(300_000));
      const result = await runJob({ BIGRAYS_DB_DSN: dsn, STREAM_MODE: 'other', OTHER_DSN: `${dsn}?application_name=reader` }, 64);
      expect(result.stdout).to.match(/rows -,300000\n/);
      expect(await checksum(dsn, 'target')).to.equal(await checksum(dsn, 'source'));
    });

    it('should load the rest of rows a custom task began to read on a second session, in a 64 MB heap', async () => {
      const dsn = await freshPostgresDsn();
      await admin(dsn, sourceSql(300_000));
      await runJob({ BIGRAYS_DB_DSN: dsn, STREAM_MODE: 'partly', STREAM_QUERY: 'select * from source order by id' }, 64);
      // The first 3 rows (in id order) were read by the task itself.
      const [{ n, low }] = await admin<{ n: number; low: number }>(dsn, 'select count(*)::int as n, min(id)::int / 1000003 as low from target');
      expect([n, low]).to.deep.equal([299_997, 4]);
      const rest = await checksum(dsn, '(select * from source where id > 3 * 1000003) as');
      expect(await checksum(dsn, 'target')).to.equal(rest);
    });
  });

  describe('on PostgreSQL, on the server', () => {
    let dsn: string;
    before(async () => {
      dsn = await freshPostgresDsn();
      await admin(dsn, sourceSql(1000));
    });
    beforeEach(() => {
      BigraysConfig.DB_DSN = dsn;
    });

    /** The columns of `table` and their types, as PostgreSQL writes them. */
    async function columnsOf(table: string): Promise<string[]> {
      const rows = await admin<{ c: string }>(
        dsn,
        "select attname || ' ' || format_type(atttypid, atttypmod) as c from pg_attribute where attrelid = ?::regclass and attnum > 0 order by attnum",
        [table],
      );
      return rows.map((r) => r.c);
    }

    it('should create the table with the query\'s own column types, columnTypes winning, and report the rows', async () => {
      @register class Events extends SQLStream { query = 'select id, amount, at, memo, flag, n from source where id <= :max * 1000003;'; params = { max: 250 }; }
      @register class Load extends SQLWrite { tablename = 'typed'; input = Events.output; columnTypes = { n: 'bigint' }; }
      const report = await bigraysRun();
      expect(report.tasks.find((t) => t.name === 'Load')?.rows).to.equal(250);
      expect(await columnsOf('typed')).to.deep.equal([
        'id bigint', 'amount numeric(12,2)', 'at timestamp with time zone', 'memo text', 'flag boolean', 'n bigint',
      ]);
      expect(await checksum(dsn, '(select id, amount, at, memo, flag, n::bigint from source where id <= 250 * 1000003) as'))
        .to.equal(await checksum(dsn, 'typed'));
    });

    it("should refuse an existing table with ifExists 'fail', add with 'append' (columns by name), replace with 'replace'", async () => {
      await admin(dsn, 'create table kept (flag boolean, id bigint)');
      await admin(dsn, 'insert into kept values (true, -1)');
      @register class Events extends SQLStream { query = 'select id, flag from source where id <= 10 * 1000003'; }
      @register class Fail extends SQLWrite { tablename = 'kept'; input = Events.output; }
      const refused = await failure(bigraysRun());
      expect((refused.errors[0] as Error).message).to.equal(
        "Fail: the table kept exists already; set ifExists = 'append' to add rows or 'replace' to replace it",
      );
      expect(await admin(dsn, 'select count(*)::int as n from kept')).to.deep.equal([{ n: 1 }]);

      class Again extends SQLStream { query = 'select id, flag from source where id <= 10 * 1000003'; }
      class Append extends SQLWrite { tablename = 'kept'; input = Again.output; ifExists = 'append' as const; }
      expect((await bigraysRun(Again, Append)).tasks[1].rows).to.equal(10);
      expect(await admin(dsn, 'select count(*)::int as n, sum(id)::bigint as s from kept where flag')).to.deep.equal([{ n: 4, s: -1 + 1000003 * (3 + 6 + 9) }]);

      class Third extends SQLStream { query = 'select id from source where id <= 2 * 1000003'; }
      class Replace extends SQLWrite { tablename = 'kept'; input = Third.output; ifExists = 'replace' as const; }
      expect((await bigraysRun(Third, Replace)).tasks[1].rows).to.equal(2);
      expect(await columnsOf('kept')).to.deep.equal(['id bigint']);
    });

    it('should leave the table as it was when the query fails half-way (division by zero at row 500) or a type does not fit', async () => {
      await admin(dsn, 'create table half (id bigint, q int)');
      await admin(dsn, 'insert into half values (7, 7)');
      const query = 'select id, 1000 / (500 - id / 1000003)::int as q from source order by id';
      class Append extends SQLStream { query = query; }
      class Load extends SQLWrite { tablename = 'half'; input = Append.output; ifExists = 'append' as const; }
      const appended = await failure(bigraysRun(Append, Load));
      expect((appended.errors[0] as Error).message).to.equal('Load: writing to half failed, so none was written: division by zero');
      class Replace extends SQLStream { query = query; }
      class Swap extends SQLWrite { tablename = 'half'; input = Replace.output; ifExists = 'replace' as const; }
      await failure(bigraysRun(Replace, Swap));
      class Create extends SQLStream { query = query; }
      class Fresh extends SQLWrite { tablename = 'half_new'; input = Create.output; }
      await failure(bigraysRun(Create, Fresh));
      class Texts extends SQLStream { query = "select id, 'many' as q from source"; }
      class Mistyped extends SQLWrite { tablename = 'half'; input = Texts.output; ifExists = 'append' as const; }
      const mistyped = await failure(bigraysRun(Texts, Mistyped));
      expect((mistyped.errors[0] as Error).message).to.equal(
        'Mistyped: writing to half failed, so none was written: invalid input syntax for type integer: "many"',
      );
      expect(await admin(dsn, 'select id::int, q from half')).to.deep.equal([{ id: 7, q: 7 }]);
      expect(await admin(dsn, "select to_regclass('half_new') is null as gone")).to.deep.equal([{ gone: true }]);
    });

    it("should replace a table with the distinct rows of a query that reads it (ifExists 'replace')", async () => {
      await admin(dsn, 'create table events (id int, kind text)');
      await admin(dsn, "insert into events values (1, 'a'), (1, 'a'), (2, 'b'), (2, 'b'), (2, 'b'), (3, null)");
      @register class Distinct extends SQLStream { query = 'select distinct * from events'; }
      @register class Dedup extends SQLWrite { tablename = 'events'; input = Distinct.output; ifExists = 'replace' as const; }
      const report = await bigraysRun();
      expect(report.tasks.find((t) => t.name === 'Dedup')?.rows).to.equal(3);
      expect(await admin(dsn, 'select id, kind from events order by id')).to.deep.equal([
        { id: 1, kind: 'a' }, { id: 2, kind: 'b' }, { id: 3, kind: null },
      ]);
      expect(await admin(dsn, "select count(*)::int as n from pg_class where relname like 'bigrays_staging%'")).to.deep.equal([{ n: 0 }]);
    });

    it('should load the rows of a query that is not a SELECT (delete … returning) as they are read', async () => {
      await admin(dsn, 'create table doomed as select id from source where id <= 4 * 1000003');
      @register class Purge extends SQLStream { query = '/* purge */ delete from doomed returning id'; }
      @register class Keep extends SQLWrite { tablename = 'purged'; input = Purge.output; }
      const report = await bigraysRun();
      expect(report.tasks.find((t) => t.name === 'Keep')?.rows).to.equal(4);
      expect(await admin(dsn, 'select (select count(*)::int from purged) as kept, (select count(*)::int from doomed) as left')).to.deep.equal([
        { kept: 4, left: 0 },
      ]);
    });

    it("should refuse to load rows the session reads into its temp table on a second session, which cannot see it", async () => {
      @register class Temp extends SQLExecute { statement = 'create temp table scratch (id bigint)'; }
      class ReadSome extends Task {
        async run() {
          const { columns, rows } = await (Events.output as SqlRows).open();
          const iterator = rows[Symbol.asyncIterator]();
          await iterator.next();
          return sqlWrite({ tablename: 'scratch', ifExists: 'append', input: { columns, rows: { [Symbol.asyncIterator]: () => iterator } } });
        }
      }
      @register class Events extends SQLStream { query = 'select id from source where id <= 5 * 1000003'; }
      register(ReadSome);
      @register class After extends SQLQuery { query = 'select count(*)::int as n from scratch'; }
      const error = await failure(bigraysRun());
      expect((error.errors[0] as Error).message).to.match(
        /^sqlWrite: the SQL session is busy with a stream that was not read to the end, and its rows cannot be loaded on a second session: a temp table named scratch exists, which only the session that made it sees\. /,
      );
      expect(await admin(dsn, "select to_regclass('public.scratch') is null as none")).to.deep.equal([{ none: true }]);
      expect(Temp && After).to.be.a('function');
    });

    it('should refuse, not wait on its lock, to replace on a second session the table the session is reading', async () => {
      BigraysConfig.DB_STATEMENT_TIMEOUT_MS = '5000';
      await admin(dsn, 'create table relocked as select g as id from generate_series(1, 100000) g');
      @register class Events extends SQLStream { query = 'select id from relocked'; }
      @register class ReadSome extends Task {
        async run() {
          const { columns, rows } = await (Events.output as SqlRows).open();
          const iterator = rows[Symbol.asyncIterator]();
          await iterator.next();
          return sqlWrite({ tablename: 'relocked', ifExists: 'replace', input: { columns, rows: { [Symbol.asyncIterator]: () => iterator } } });
        }
      }
      const error = await failure(bigraysRun());
      expect((error.errors[0] as Error).message).to.match(
        /^sqlWrite: the SQL session is busy with a stream that was not read to the end, and its rows cannot be loaded on a second session: relocked is read by the session's open stream, and replacing it on another session would wait for that read to end\. /,
      );
      expect(await admin(dsn, 'select count(*)::int as n from relocked')).to.deep.equal([{ n: 100000 }]);
      expect(ReadSome).to.be.a('function');
    });

    it("should see the session's temp tables", async () => {
      @register class Temp extends SQLExecute { statement = 'create temp table recent as select * from source where id <= 5 * 1000003'; }
      @register class Events extends SQLStream { query = 'select * from recent'; }
      @register class Load extends SQLWrite { tablename = 'recent_copy'; input = Events.output; }
      const report = await bigraysRun();
      expect(report.tasks.find((t) => t.name === 'Load')?.rows).to.equal(5);
      expect(await checksum(dsn, 'recent_copy')).to.equal(await checksum(dsn, '(select * from source where id <= 5 * 1000003) as'));
    });

    it('should name a bad query the way a read of it would, leaving nothing behind', async () => {
      @register class Events extends SQLStream { query = 'select nope from source'; }
      @register class Load extends SQLWrite { tablename = 'never'; input = Events.output; }
      const error: BigraysError = await failure(bigraysRun());
      expect((error.errors[0] as Error).message).to.match(/column "nope" does not exist/);
      expect(await admin(dsn, "select to_regclass('never') is null as gone")).to.deep.equal([{ gone: true }]);
    });
  });

  describe('on SQLite, the same file', () => {
    beforeEach(() => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
    });

    it('should write on the file (INSERT … SELECT): declared types kept, expressions typed from their values, ifExists applied', async () => {
      @register class Setup extends SQLExecute {
        statement = `create table source (id integer, memo text, at timestamptz);
          insert into source values (1, 'a', '2026-01-01T00:00:00Z'), (2, null, null), (3, '', '2026-01-03T00:00:00Z')`;
      }
      @register class Events extends SQLStream { query = 'select id, memo, at, id * 1.5 as half from source where id >= ?'; params = [2]; }
      @register class Load extends SQLWrite { tablename = 'target'; input = Events.output; }
      @register class Columns extends SQLQuery { query = "select name, type from pragma_table_info('target') order by cid"; }
      @register class Rows extends SQLQuery { query = 'select * from target order by id'; }
      @register class Again extends SQLStream { query = 'select id from source'; }
      @register class Refused extends SQLWrite { tablename = 'target'; input = Again.output; }
      const error = await failure(bigraysRun());
      expect((error.errors[0] as Error).message).to.equal(
        "Refused: the table target exists already; set ifExists = 'append' to add rows or 'replace' to replace it",
      );
      expect(outputOf(Load)).to.equal(2);
      expect(outputOf(Columns).values).to.deep.equal([['id', 'INTEGER'], ['memo', 'TEXT'], ['at', 'timestamptz'], ['half', 'REAL']]);
      expect(outputOf(Rows).values).to.deep.equal([[2, null, null, 3], [3, '', '2026-01-03T00:00:00Z', 4.5]]);
    });

    it("should replace a table with the distinct rows of a query that reads it (ifExists 'replace')", async () => {
      @register class Setup extends SQLExecute { statement = "create table events (id integer, kind text); insert into events values (1, 'a'), (1, 'a'), (2, 'b')"; }
      @register class Distinct extends SQLStream { query = 'select distinct * from events'; }
      @register class Dedup extends SQLWrite { tablename = 'events'; input = Distinct.output; ifExists = 'replace' as const; }
      @register class Rows extends SQLQuery { query = "select id, kind, (select count(*) from sqlite_master where name like 'bigrays_staging%') as staged from events order by id"; }
      await bigraysRun();
      expect(outputOf(Dedup)).to.equal(2);
      expect(outputOf(Rows).values).to.deep.equal([[1, 'a', 0], [2, 'b', 0]]);
      expect(Setup).to.be.a('function');
    });

    it('should say rows were released unread, not ask for their columns, while the session reads other rows', async () => {
      @register class Setup extends SQLExecute { statement = 'create table source (id integer); insert into source values (1), (2)'; }
      @register class Events extends SQLStream { query = 'select id from source'; }
      @register class Dropped extends SQLStream { query = 'select id from source'; }
      @register class ReadSome extends Task {
        async run() {
          const { rows } = await (Events.output as SqlRows).open();
          await rows[Symbol.asyncIterator]().next();
          const dropped = Dropped.output as SqlRows;
          await dropped.release();
          try {
            return await sqlWrite({ tablename: 'target', input: dropped });
          } catch (error) {
            return (error as Error).message;
          }
        }
      }
      await bigraysRun();
      expect(outputOf(ReadSome)).to.equal('sqlWrite: Dropped.output was released unread (its reader failed or was skipped)');
      expect(Setup).to.be.a('function');
    });
  });

  describe('on SQLite in memory (sqlite::memory:)', () => {
    it('should refuse to load rows the session reads on a second session, a new empty database, and release them', async () => {
      BigraysConfig.DB_DSN = 'sqlite::memory:';
      @register class Setup extends SQLExecute { statement = 'create table source (id integer); insert into source values (1), (2), (3)'; }
      @register class Events extends SQLStream { query = 'select id from source'; }
      @register class ReadSome extends Task {
        async run() {
          const { columns, rows } = await (Events.output as SqlRows).open();
          const iterator = rows[Symbol.asyncIterator]();
          await iterator.next();
          try {
            return await sqlWrite({ tablename: 'target', input: { columns, rows: { [Symbol.asyncIterator]: () => iterator } } });
          } catch (error) {
            return (error as Error).message;
          }
        }
      }
      @register class After extends SQLQuery { query = "select count(*) as n from sqlite_master where name = 'target'"; }
      await bigraysRun();
      expect(outputOf(ReadSome)).to.match(
        /^sqlWrite: the SQL session is busy with a stream that was not read to the end, and its rows cannot be loaded on a second session: the database is in memory \(sqlite::memory:\), and a second session would open a new, empty one\. /,
      );
      // The rows were let go of: the session runs the next task.
      expect(outputOf(After).values).to.deep.equal([[0]]);
      expect(Setup).to.be.a('function');
    });
  });
});
