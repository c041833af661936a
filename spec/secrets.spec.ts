import { expect } from 'chai';
import createDebug from 'debug';
import { format } from 'node:util';
import { bigraysRun, BigraysConfig, BigraysError, register, Task } from '../lib';
import { displayValue, maskDsn, scrub } from '../lib/secrets';
import { RecordingResource } from './helpers';

/** Captures what bigrays logs while `fn` runs, with DEBUG=bigrays* on. */
async function captureLogs(fn: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const originalLog = createDebug.log;
  createDebug.enable('bigrays*');
  createDebug.log = (...args: unknown[]) => { lines.push(format(...args)); };
  try {
    await fn();
  } catch {
    /* the run's failure is part of what is logged */
  } finally {
    createDebug.disable();
    createDebug.log = originalLog;
  }
  return lines.join('\n');
}

describe('secrets and logging', () => {
  it('should mask the password of a DSN', () => {
    expect(maskDsn('postgres://etl:s3cr%40t@db:5432/x')).to.equal('postgres://etl:***@db:5432/x');
    expect(maskDsn('mssql://sa@db/x?password=hunter22&encrypt=true')).to.equal('mssql://sa@db/x?password=***&encrypt=true');
  });

  it('should mask a DSN password holding /, @, # or ?', () => {
    for (const password of ['s3cr/et+Pw', 'a@b#c?d', 'p:q']) {
      const text = maskDsn(`connect to postgres://bob:${password}@db.example:5432/x?sslmode=require now`);
      expect(text).to.equal('connect to postgres://bob:***@db.example:5432/x?sslmode=require now');
    }
  });

  it('should keep a task\'s own resourceConfig secrets out of its logs and of a thrown string', async () => {
    const secret = 'TaskLevel-Secret-42';
    @register class Own extends Task {
      resourceConfig = { DB_PWD: secret };
      run(): void {
        this.log('connecting with %s', secret);
        throw `could not log in with ${secret}`; // eslint-disable-line no-throw-literal
      }
    }
    let error: BigraysError | undefined;
    const logs = await captureLogs(() => bigraysRun().catch((e: BigraysError) => { error = e; throw e; }));
    expect(logs).to.contain('connecting with ***');
    for (const text of [logs, error!.message, JSON.stringify(error!.report), (error!.errors[0] as Error).message]) {
      expect(text).not.to.contain(secret);
    }
    expect(Own).to.be.a('function');
  });

  it('should scrub configured secrets from any text', () => {
    BigraysConfig.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG';
    BigraysConfig.DB_DSN = 'postgres://etl:pa55word@db/x';
    expect(scrub('key wJalrXUtnFEMI/K7MDENG and pa55word')).to.equal('key *** and ***');
    expect(scrub('token abc-Secret', { MY_TOKEN: 'abc-Secret' })).to.equal('token ***');
  });

  it('should leave values shorter than 6 characters alone when masking by value, and still mask them by name', () => {
    BigraysConfig.DB_PWD = 'prod';
    BigraysConfig.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG';
    expect(scrub('uploading s3://prod/exports/day.csv failed')).to.equal('uploading s3://prod/exports/day.csv failed');
    expect(scrub('signed with wJalrXUtnFEMI/K7MDENG')).to.equal('signed with ***');
    expect(scrub('token abcdef', { MY_TOKEN: 'abcdef' })).to.equal('token ***');
    expect(displayValue('DB_PWD', 'prod')).to.equal('***');
    // A DSN password is masked where it stands, whatever its length.
    expect(maskDsn('postgres://etl:prod@db/x')).to.equal('postgres://etl:***@db/x');
  });

  it('should keep a bucket named like a short secret readable in a failed run\'s messages', async () => {
    BigraysConfig.DB_PWD = 'prod';
    BigraysConfig.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG';
    @register class Upload extends Task {
      run(): void { throw new Error('s3://prod/exports/day.csv: access denied for wJalrXUtnFEMI/K7MDENG'); }
    }
    const error = (await bigraysRun().catch((e: unknown) => e)) as BigraysError;
    expect((error.errors[0] as Error).message).to.equal('Upload failed: s3://prod/exports/day.csv: access denied for ***');
    expect(Upload).to.be.a('function');
  });

  it('should mask all that may be the password of a DSN the URL reading finds ambiguous', () => {
    const text = maskDsn('connecting to postgres://postgres:Qz7k@Vx9m/w#rd?x@127.0.0.1:55432/probe failed');
    expect(text).to.equal('connecting to postgres://postgres:***@127.0.0.1:55432/probe failed');
    BigraysConfig.DB_DSN = 'postgres://postgres:Qz7k@Vx9m/w#rd?x@127.0.0.1:55432/probe';
    expect(scrub('the password is Qz7k@Vx9m/w#rd?x')).to.equal('the password is ***');
  });

  it('should be silent by default', async () => {
    const lines: string[] = [];
    const originalLog = createDebug.log;
    createDebug.log = (...args: unknown[]) => { lines.push(format(...args)); };
    try {
      @register class Quiet extends Task { run() {} }
      await bigraysRun();
      expect(Quiet).to.be.a('function');
    } finally {
      createDebug.log = originalLog;
    }
    expect(lines).to.deep.equal([]);
  });

  it('should log which task runs, which resource opens and closes, and durations', async () => {
    const db = new RecordingResource('db', []);
    @register class LoggedQuery extends Task { requiredResource = db; run() {} }
    const logs = await captureLogs(() => bigraysRun());
    expect(logs).to.match(/bigrays:run running LoggedQuery/);
    expect(logs).to.match(/bigrays:resource opening RecordingResource for LoggedQuery/);
    expect(logs).to.match(/bigrays:run LoggedQuery finished in \d+ms/);
    expect(logs).to.match(/bigrays:resource closing RecordingResource/);
    expect(LoggedQuery).to.be.a('function');
  });

  it('should keep secrets out of log lines, error messages and the report', async () => {
    const password = 'Tr0ub4dor&3';
    BigraysConfig.DB_PWD = password;
    const db = new RecordingResource('db', []);
    @register class Leaky extends Task {
      requiredResource = db;
      resourceConfig = { DB_DSN: `postgres://etl:${encodeURIComponent('other-Secret9')}@db/x` };
      run(): void { throw new Error(`login failed for postgres://etl:other-Secret9@db/x using ${password}`); }
    }
    let error: BigraysError | undefined;
    const logs = await captureLogs(() => bigraysRun().catch((e: BigraysError) => { error = e; throw e; }));
    expect(error).to.be.instanceOf(BigraysError);
    const texts = [
      logs,
      error!.message,
      String(error!.stack),
      JSON.stringify(error!.report),
      ...error!.errors.map((e) => `${(e as Error).message} ${(e as Error).stack} ${((e as Error).cause as Error).message}`),
    ];
    for (const text of texts) {
      expect(text).not.to.contain(password);
      expect(text).not.to.contain('other-Secret9');
    }
    expect(error!.message).to.contain('login failed for postgres://etl:***@db/x using ***');
    expect(Leaky).to.be.a('function');
  });
});
