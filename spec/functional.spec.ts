import { expect } from 'chai';
import {
  bigraysRun, BigraysConfig, outputOf, register, sqlExecute, sqlQuery, SQLTask, sqlWrite, Task, TaskError, TaskInterfaceError,
  updateFormatKws, wrapTask,
} from '../lib';
import { RecordingResource } from './helpers';
import { freshSqliteDsn } from './support/sql-hooks';

describe('functional interface', () => {
  beforeEach(() => {
    BigraysConfig.DB_DSN = freshSqliteDsn();
  });

  it('should run SQL tasks right away and resolve to their outputs', async () => {
    await sqlWrite({ tablename: 'fruit', input: [{ name: 'apple', n: 3 }, { name: 'pear', n: 5 }] });
    expect(await sqlExecute({ statement: 'update fruit set n = n + 1 where name = :name', params: { name: 'pear' } })).to.equal(1);
    const frame = await sqlQuery({ query: 'select name, n from fruit order by name' });
    expect(frame.values).to.deep.equal([['apple', 3], ['pear', 6]]);
  });

  it('should fill keywords, with formatKws over the global ones', async () => {
    updateFormatKws({ table: 'global_t' });
    await sqlExecute({ statement: 'create table {table} (v integer)', formatKws: { table: 'local_t' } });
    const frame = await sqlQuery({ query: "select name from sqlite_master where name = '{table}'", formatKws: { table: 'local_t' } });
    expect(frame.values).to.deep.equal([['local_t']]);
  });

  it('should throw TaskInterfaceError naming the missing attribute', async () => {
    await expect(sqlQuery({} as never)).to.be.rejectedWith(TaskInterfaceError, /sqlQuery must define `query`/);
    await expect(sqlWrite({ tablename: 't' } as never)).to.be.rejectedWith(TaskInterfaceError, /sqlWrite must define `input`/);
  });

  it('should name attributes that are not an object by what they are: null, an array', async () => {
    await expect(sqlQuery(null as never)).to.be.rejectedWith(TaskInterfaceError, /^sqlQuery\(\) takes an object of task attributes, got null$/);
    await expect(sqlQuery([] as never)).to.be.rejectedWith(TaskInterfaceError, /^sqlQuery\(\) takes an object of task attributes, got an array$/);
  });

  it('should reject with the task\'s own error, not a run summary', async () => {
    await expect(sqlQuery({ query: 'select * from no_such_table' })).to.be.rejectedWith(TaskError, /^sqlQuery failed: .*no such table/);
  });

  it('should open and close its own resource each call', async () => {
    const events: string[] = [];
    const db = new RecordingResource('db', events);
    class UsesDb extends Task<number> { requiredResource = db; value = 0; run() { return this.value * 2; } }
    const double = wrapTask('double', UsesDb);
    expect(await double({ value: 4 })).to.equal(8);
    expect(await double({ value: 5 })).to.equal(10);
    expect(events).to.deep.equal(['open db', 'close db', 'open db', 'close db']);
  });

  it('should work inside a running task, reading earlier outputs, without disturbing the run', async () => {
    @register class Numbers extends Task<number[]> { run() { return [1, 2, 3]; } }
    @register class Store extends Task<unknown> {
      async run() {
        await sqlWrite({ tablename: 'nums', input: outputOf(Numbers).map((n) => ({ n })) });
        return (await sqlQuery({ query: 'select sum(n) as total from nums' })).values;
      }
    }
    await bigraysRun();
    expect(outputOf(Store)).to.deep.equal([[6]]);
  });

  it('should share the calling SQL task\'s open session, temp tables included', async () => {
    @register class Mixed extends SQLTask<unknown> {
      async run() {
        await this.execute('create temp table scratch (v integer)');
        await sqlExecute({ statement: 'insert into scratch values (41)' });
        const viaFunction = await sqlQuery({ query: 'select v + 1 as v from scratch' });
        const viaTask = await this.query('select count(*) as n from scratch');
        return [viaFunction.values, viaTask.values];
      }
    }
    await bigraysRun();
    expect(outputOf(Mixed)).to.deep.equal([[[42]], [[1]]]);
  });

  it('should keep two concurrent runs\' sessions apart', async () => {
    const dsnA = freshSqliteDsn();
    const dsnB = freshSqliteDsn();
    const seen: Record<string, unknown> = {};
    class Slow extends SQLTask<unknown> {
      resourceConfig = { DB_DSN: dsnA };
      async run() {
        await this.execute('create table a_only (v integer)');
        await new Promise((r) => setTimeout(r, 50));
        seen.slow = (await this.query("select count(*) as n from sqlite_master where name = 'a_only'")).values;
      }
    }
    class Quick extends SQLTask<unknown> {
      resourceConfig = { DB_DSN: dsnB };
      async run() { seen.quick = (await this.query("select count(*) as n from sqlite_master where name = 'a_only'")).values; }
    }
    const [a, b] = await Promise.all([bigraysRun(Slow), bigraysRun(Quick)]);
    expect([a.tasks[0].status, b.tasks[0].status]).to.deep.equal(['ok', 'ok']);
    expect(seen).to.deep.equal({ slow: [[1]], quick: [[0]] });
  });

  it('should not borrow the session of a run going on beside it', async () => {
    const events: string[] = [];
    class MakeTemp extends SQLTask { async run() { await this.execute('create temp table only_in_run (v integer)'); await new Promise((r) => setTimeout(r, 30)); } }
    class Switch extends Task { requiredResource = new RecordingResource('other', events); run() {} }
    const call = (async () => {
      await new Promise((r) => setTimeout(r, 10));
      return sqlQuery({ query: "select count(*) as n from sqlite_temp_master where name = 'only_in_run'" });
    })();
    const [report, frame] = await Promise.all([bigraysRun(MakeTemp, Switch), call]);
    expect(report.tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok']);
    expect(frame.values).to.deep.equal([[0]]);
  });

  it('should read the last run\'s outputs in a call made after it', async () => {
    class Numbers extends Task<Array<{ n: number }>> { run() { return [{ n: 1 }, { n: 2 }]; } }
    await bigraysRun(Numbers);
    expect(await sqlWrite({ tablename: 'later', input: Numbers.output })).to.equal(2);
  });

  it('should refuse to wrap something that is not a task class', () => {
    expect(() => wrapTask('nope', (() => 1) as never)).to.throw(TaskInterfaceError, /wrapTask\(\) takes a task class/);
  });
});
