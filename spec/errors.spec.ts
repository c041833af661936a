import { expect } from 'chai';
import { BaseTask, bigraysRun, BigraysConfig, BigraysError, ConfigurationError, LockedError, register, ResourceError, TaskError, TaskInterfaceError } from '../lib';
import { ReportedError } from '../lib/cli/parent';
import { EXIT_CODES, exitCodeOf, kindOf, UsageError, type ErrorKind } from '../lib/errors';
import { sendableError } from '../lib/job/messages';
import { failure } from './helpers';

describe('the error tree', () => {
  it('should make TaskInterfaceError a kind of TaskError, as in the original', () => {
    const error = new TaskInterfaceError('Upload must define `bucket`', { attributes: { Upload: ['bucket'] } });
    expect(error).to.be.instanceOf(TaskError).and.to.be.instanceOf(BigraysError);
    expect(error.name).to.equal('TaskInterfaceError');
    expect(error.attributes).to.deep.equal({ Upload: ['bucket'] });
  });

  it('should let `catch (e) { if (e instanceof TaskError) … }` see a missing attribute', async () => {
    abstract class Upload extends BaseTask<void> {
      static override requiredAttributes = ['bucket'];
      bucket?: string;
      run() {}
    }
    @register class NoBucket extends Upload {}
    let seen: string | undefined;
    try {
      await bigraysRun();
    } catch (e) {
      if (e instanceof TaskError) seen = `${e.name}: ${e.message}`;
    }
    expect(seen).to.match(/^TaskInterfaceError: .*NoBucket must define `bucket`/s);
    expect(NoBucket).to.be.a('function');
  });
});

describe('error kinds and exit codes', () => {
  it('should give each kind its exit code: 2 for what was found before anything ran, 1 for a failure, 75 for a job whose run lock another run holds', () => {
    expect(EXIT_CODES).to.deep.equal({ usage: 2, refused: 2, failed: 1, crash: 1, locked: 75 });
  });

  it('should tell a usage error, an error found before the run, a failed run and the job\'s own error apart', async () => {
    @register class Broken extends BaseTask<void> {
      run(): void {
        throw new Error('boom');
      }
    }
    const failed = await failure(bigraysRun());
    const cases: Array<[unknown, ErrorKind, number]> = [
      [new UsageError('unknown option --nope'), 'usage', 2],
      [new ConfigurationError('BIGRAYS_DB_DSN is not set', { missing: ['BIGRAYS_DB_DSN'] }), 'refused', 2],
      [new TaskInterfaceError('Upload must define `bucket`'), 'refused', 2],
      [new ResourceError('could not open s3'), 'refused', 2],
      [failed, 'failed', 1],
      [new LockedError('job orders is locked'), 'locked', 75],
      [new TypeError('x is not a function'), 'crash', 1],
      ['a thrown string', 'crash', 1],
    ];
    for (const [error, kind, code] of cases) {
      expect(kindOf(error), String(error)).to.equal(kind);
      expect(exitCodeOf(error), String(error)).to.equal(code);
      if (error instanceof BigraysError) expect(error.exitCode, String(error)).to.equal(code);
    }
    expect(new UsageError('x')).to.be.instanceOf(BigraysError).and.include({ name: 'UsageError' });
  });

  it('should take the kind the caller says for an error that is not bigrays\' own', () => {
    expect(exitCodeOf(new Error('could not start'), 'refused')).to.equal(2);
    expect(exitCodeOf(new UsageError('x'), 'crash')).to.equal(2);
  });

  it('should keep an error\'s kind, name and text as it crosses from the job to the command', async () => {
    @register class Broken extends BaseTask<void> {
      run(): void {
        throw new Error('boom');
      }
    }
    const failed = await failure(bigraysRun());
    const errors: unknown[] = [new UsageError('--only and --from pick registered tasks'), new ConfigurationError('BIGRAYS_DB_DSN is not set'), failed, new LockedError('job orders is locked'), new RangeError('job code broke')];
    for (const error of errors) {
      // what the command gets is what went through the IPC channel: JSON
      const received = new ReportedError(JSON.parse(JSON.stringify(sendableError(error))));
      expect(received.kind, String(error)).to.equal(kindOf(error));
      expect(received.exitCode, String(error)).to.equal(exitCodeOf(error));
      expect(received.name).to.equal((error as Error).name);
      expect(received.message).to.equal((error as Error).message);
    }
  });

  it('should read the exit code a job on an earlier version sends instead of a kind', () => {
    expect(new ReportedError({ name: 'UsageError', message: 'x', exitCode: 2, bigrays: true }).kind).to.equal('refused');
    expect(new ReportedError({ name: 'TaskError', message: 'x', exitCode: 1, bigrays: true }).kind).to.equal('failed');
    expect(new ReportedError({ name: 'TypeError', message: 'x', exitCode: 1 }).kind).to.equal('crash');
  });

  it('should mask a secret in an error\'s message and stack before it crosses to the command', () => {
    BigraysConfig.DB_PWD = 'hunter2-secret';
    const sent = sendableError(new ConfigurationError('could not log in with hunter2-secret'));
    expect(sent.message).to.equal('could not log in with ***');
    expect(sent.stack).not.to.contain('hunter2-secret');
  });
});
