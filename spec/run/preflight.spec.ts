import { expect } from 'chai';
import {
  BaseTask, bigraysRun, BigraysConfig, ConfigurationError, register, Task, TaskError, TaskInterfaceError, updateFormatKws,
} from '../../lib';
import { RecordingResource } from '../helpers';

/** A JavaScript-style task type with required attributes, as built-in tasks declare them. */
abstract class Upload extends BaseTask<void> {
  static override requiredAttributes = ['bucket', 'key'];
  bucket?: string;
  key?: string;
  run() {}
}

describe('pre-flight checks', () => {
  it('should name the class and every missing attribute before any task runs', async () => {
    const ran: string[] = [];
    @register class First extends Task { run() { ran.push('First'); } }
    @register class NoKey extends Upload { bucket = 'b'; }
    @register class Nothing extends Upload {}
    const error = await bigraysRun().catch((e: unknown) => e) as TaskInterfaceError;
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain('NoKey must define `key`');
    expect(error.message).to.contain('Nothing must define `bucket`, `key`');
    expect(error.attributes).to.deep.equal({ NoKey: ['key'], Nothing: ['bucket', 'key'] });
    expect(ran).to.deep.equal([]);
    expect(First).to.be.a('function');
  });

  it('should catch a task without run() (a JavaScript user\'s mistake)', async () => {
    // @ts-expect-error: the mistake under test (no run())
    const NoRun = class NoRun extends BaseTask {} as unknown as typeof Task;
    register(NoRun);
    await expect(bigraysRun()).to.be.rejectedWith(TaskInterfaceError, /NoRun must define `run\(\)`/);
  });

  it('should check the types of run-control attributes', async () => {
    @register class Odd extends Task { requiredResource = 'sql' as never; formatKws = ['a'] as never; run() {} }
    await expect(bigraysRun()).to.be.rejectedWith(
      TaskInterfaceError,
      /Odd requiredResource must be a Resource instance, got string; formatKws must be an object, got an array/,
    );
    expect(Odd).to.be.a('function');
  });

  it('should list every missing config key by its env var, with the tasks that need it, before opening anything', async () => {
    const events: string[] = [];
    const db = new RecordingResource('db', events, { required: ['DB_DSN', 'DB_USER'] });
    const s3 = new RecordingResource('s3', events, { required: ['AWS_ACCESS_KEY_ID'] });
    BigraysConfig.DB_USER = 'etl';
    @register class Query extends Task { requiredResource = db; run() { events.push('run'); } }
    @register class Query2 extends Task { requiredResource = db; run() {} }
    @register class Upload2 extends Task { requiredResource = s3; run() {} }
    @register class OtherDb extends Task { requiredResource = db; resourceConfig = { DB_DSN: 'sqlite::memory:' }; run() {} }
    const error = await bigraysRun().catch((e: unknown) => e) as ConfigurationError;
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error.missing).to.deep.equal(['BIGRAYS_DB_DSN', 'BIGRAYS_AWS_ACCESS_KEY_ID']);
    expect(error.message).to.contain('BIGRAYS_DB_DSN (needed by Query, Query2)');
    expect(error.message).to.contain('BIGRAYS_AWS_ACCESS_KEY_ID (needed by Upload2)');
    expect(error.message).not.to.contain('BIGRAYS_DB_USER');
    expect(events).to.deep.equal([]);
    expect(Query && Query2 && Upload2 && OtherDb).to.be.a('function');
  });

  it('should accept config from env vars, code, or a task\'s resourceConfig', async () => {
    const db = new RecordingResource('db', [], { required: ['DB_DSN', 'DB_USER', 'DB_PWD'] });
    process.env.BIGRAYS_DB_DSN = 'sqlite::memory:';
    BigraysConfig.DB_USER = 'etl';
    @register class Query extends Task { requiredResource = db; resourceConfig = { DB_PWD: 'x' }; run() {} }
    await bigraysRun();
    expect(Query).to.be.a('function');
  });

  it('should name the task and the keyword for a missing format keyword, before any task runs', async () => {
    const ran: string[] = [];
    updateFormatKws({ begin: '2026-01-01' });
    @register class Ok extends Task { run() { ran.push('Ok'); } }
    @register class Typo extends Task { key = 'out/{begin}-{ned}.csv'; run() {} }
    @register class Broken extends Task { query = 'select {'; run() {} }
    @register class Json extends Task { statement = `insert into t values ('{"a": 1}')`; run() {} }
    const error = await bigraysRun().catch((e: unknown) => e) as TaskError;
    expect(error).to.be.instanceOf(TaskError);
    expect(error.message).to.contain('Typo.key uses the keyword `ned`, which is not set');
    expect(error.message).to.contain('updateFormatKws({ ned: … })');
    expect(error.message).to.match(/Broken\.query: Single '\{'/);
    expect(error.message).to.contain('Json.statement reads `{"a"}` as a keyword; for literal braces (JSON, arrays) write {{ and }}');
    expect(error.taskName).to.equal('Typo');
    expect(ran).to.deep.equal([]);
    expect(Ok && Broken && Json).to.be.a('function');
  });

  it('should wrap an error thrown while creating a task', async () => {
    @register class Explodes extends Task { input = JSON.parse('{'); run() {} }
    await expect(bigraysRun()).to.be.rejectedWith(TaskInterfaceError, /Explodes could not be created:/);
    expect(Explodes).to.be.a('function');
  });
});
