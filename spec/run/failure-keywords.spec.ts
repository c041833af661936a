/** The run's own keywords: `{job}` and `{runId}` for every task, `{failedTask}` and `{error}` after a failure. */
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, outputOf, register, SQLExecute, SQLQuery, Task, TaskError, updateFormatKws } from '../../lib';
import { asRows } from '../../lib/data/frame';
import { failure } from '../helpers';
import { freshSqliteDsn, sqliteLoads } from '../support/sql-hooks';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('run keywords', () => {
  beforeEach(() => {
    BigraysConfig.JOB_NAME = 'nightly';
  });

  it('should give every task {job} and {runId}, and {failedTask} and {error} (first line) to the tasks that run after a failure', async () => {
    const ran: string[] = [];
    @register class Extract extends Task<string> { run() { return this.render('{job}|{runId}|{failedTask}|{error}'); } }
    @register class Load extends Task<void> { run(): void { throw new RangeError('row 7 has no id\n  while reading orders.csv'); } }
    @register class Archive extends Task<void> { run() { ran.push('Archive'); } }
    @register class Alert extends Task<string> { runWithExceptions = true; run() { return this.render('{job}|{runId}|{failedTask}|{error}'); } }
    @register class Audit extends Task<unknown> {
      runWithExceptions = true;
      run() {
        const { job, runId, failedTask, error } = this.keywords;
        return { job, runId, failedTask, error, listed: Object.keys(this.keywords) };
      }
    }

    const error = await failure(bigraysRun());
    expect(error.message).to.contain('task Load failed');
    const [job, runId, failedTask, message] = outputOf(Alert).split('|');
    expect({ job, failedTask, message }).to.deep.equal({ job: 'nightly', failedTask: 'Load', message: 'Load failed: row 7 has no id' });
    expect(runId).to.match(UUID);
    expect(outputOf(Extract)).to.equal(`nightly|${runId}||`);
    expect(outputOf(Audit)).to.deep.equal({ job: 'nightly', runId, failedTask: 'Load', error: 'Load failed: row 7 has no id', listed: [] });
    expect(ran).to.deep.equal([]);

    await failure(bigraysRun());
    expect(outputOf(Alert).split('|')[1], 'a new run, a new id').to.match(UUID).and.not.equal(runId);
    expect(Archive).to.be.a('function');
  });

  it('should mask a secret the failed task\'s message carries in {error}', async () => {
    BigraysConfig.DB_PWD = 'pw-Hunter-2-secret';
    @register class Load extends Task<void> { run(): void { throw new Error('login refused for password pw-Hunter-2-secret'); } }
    @register class Alert extends Task<string> { runWithExceptions = true; run() { return this.render('{error}'); } }
    await failure(bigraysRun());
    expect(outputOf(Alert)).to.equal('Load failed: login refused for password ***');
    expect(Load).to.be.a('function');
  });

  it("should let the job's own keywords win over the run's", async () => {
    updateFormatKws({ job: 'orders-eu' });
    @register class Load extends Task<void> { run(): void { throw new Error('boom'); } }
    @register class Alert extends Task<string> {
      runWithExceptions = true;
      formatKws = { error: 'see the log' };
      run() { return this.render('{job}: {failedTask}: {error}'); }
    }
    await failure(bigraysRun());
    expect(outputOf(Alert)).to.equal('orders-eu: Load: see the log');
    expect(Load).to.be.a('function');
  });

  describe('in SQL text', function () {
    before(function () {
      if (!sqliteLoads()) this.skip();
    });

    it('should refuse a plain {error} before the run, naming the task and the quoted form', async () => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
      let ran = false;
      @register class First extends Task<void> { run() { ran = true; } }
      @register class Log extends SQLExecute { runWithExceptions = true; statement = 'insert into log values ({failedTask!q}, {error})'; }
      const error = await failure<TaskError>(bigraysRun());
      expect(error).to.be.instanceOf(TaskError);
      expect(error.message).to.contain('Log.statement').and.contain('{error!q}');
      expect(error.message).not.to.contain('failedTask');
      expect(ran).to.equal(false);
      expect(First && Log).to.be.a('function');
    });

    it('should fill {job}, {failedTask} and {error} as quoted literals after a failure, and as empty strings before one', async () => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
      @register class Setup extends SQLExecute { statement = 'create table log (job text, run_id text, task text, error text)'; }
      @register class Before extends SQLExecute { statement = 'insert into log values ({job!q}, {runId!q}, {failedTask!q}, {error!q})'; }
      @register class Parse extends Task<void> { run(): void { throw new Error("can't parse row 7; drop table log; --"); } }
      @register class Log extends SQLExecute { runWithExceptions = true; statement = 'insert into log values ({job!q}, {runId!q}, {failedTask!q}, {error!q})'; }
      @register class Read extends SQLQuery { runWithExceptions = true; query = 'select * from log order by task'; }
      await failure(bigraysRun());
      const rows = asRows(outputOf(Read))!;
      expect(rows).to.have.length(2);
      expect(rows[0]).to.include({ job: 'nightly', task: '', error: '' });
      expect(rows[1]).to.include({ job: 'nightly', run_id: rows[0].run_id, task: 'Parse', error: "Parse failed: can't parse row 7; drop table log; --" });
      expect(Setup && Before && Log).to.be.a('function');
    });
  });
});
