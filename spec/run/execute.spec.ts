import { expect } from 'chai';
import { Readable } from 'node:stream';
import {
  bigraysRun, BigraysError, register, Task, TaskError, TaskInterfaceError, updateFormatKws, type RunReport,
} from '../../lib';
import { defaultRuntime } from '../../lib/runtime';

async function failure(promise: Promise<unknown>): Promise<BigraysError> {
  try {
    await promise;
  } catch (error) {
    return error as BigraysError;
  }
  throw new Error('expected the run to fail');
}

describe('bigraysRun', () => {
  it('should resolve to a report with every task, its status and duration', async () => {
    @register class Quick extends Task { run() { return 1; } }
    @register class Slow extends Task { async run() { await new Promise((r) => setTimeout(r, 30)); } }
    const report: RunReport = await bigraysRun();
    expect(report.tasks.map(({ name, status }) => ({ name, status }))).to.deep.equal([
      { name: 'Quick', status: 'ok' },
      { name: 'Slow', status: 'ok' },
    ]);
    expect(report.tasks[1].durationMs).to.be.at.least(25);
  });

  it('should skip the tasks after a failure, and reject naming the failed task', async () => {
    const ran: string[] = [];
    @register class Extract extends Task { run() { ran.push('Extract'); } }
    @register class Transform extends Task { run(): void { throw new RangeError('bad row 7'); } }
    @register class Load extends Task { run() { ran.push('Load'); } }
    const error = await failure(bigraysRun());
    expect(ran).to.deep.equal(['Extract']);
    expect(error).to.be.instanceOf(BigraysError);
    expect(error.message).to.match(/task Transform failed/).and.to.match(/bad row 7/);
    expect(error.report!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'failed', 'skipped']);
    expect(error.report!.tasks[1].error).to.match(/bad row 7/);
    expect(Extract && Load).to.be.a('function');
  });

  it('should close a stream given to a task that is skipped or fails before reading it', async () => {
    const skippedInput = Readable.from(['never read']);
    const failedInput = Readable.from(['never read either']);
    @register class Breaks extends Task { run(): void { throw new Error('down'); } }
    @register class Upload extends Task { input = skippedInput; run() {} }
    @register class Archive extends Task { runWithExceptions = true; input = failedInput; run(): void { throw new Error('no room'); } }
    await bigraysRun().catch(() => undefined);
    expect([skippedInput.destroyed, failedInput.destroyed]).to.deep.equal([true, true]);
    expect(Breaks && Upload && Archive).to.be.a('function');
  });

  it('should keep each failed task\'s original error and stack as the cause', async () => {
    @register class Breaks extends Task { run(): void { throw new TypeError('x is not a function'); } }
    const error = await failure(bigraysRun());
    expect(error.errors).to.have.length(1);
    const taskError = error.errors[0] as TaskError;
    expect(taskError).to.be.instanceOf(TaskError);
    expect(taskError.taskName).to.equal('Breaks');
    expect(taskError.cause).to.be.instanceOf(TypeError);
    expect((taskError.cause as Error).stack).to.match(/x is not a function/).and.to.match(/execute\.spec\.ts/);
    expect(Breaks).to.be.a('function');
  });

  it('should run runWithExceptions tasks after failures at two places', async () => {
    const ran: string[] = [];
    @register class Step1 extends Task { run() { ran.push('Step1'); } }
    @register class Fails1 extends Task { run(): void { throw new Error('first failure'); } }
    @register class Skipped1 extends Task { run() { ran.push('Skipped1'); } }
    @register class Cleanup extends Task {
      runWithExceptions = true;
      run(): void { ran.push('Cleanup'); throw new Error('second failure'); }
    }
    @register class Skipped2 extends Task { run() { ran.push('Skipped2'); } }
    @register class Notify extends Task { runWithExceptions = true; run() { ran.push('Notify'); } }
    @register class Archive extends Task { runWithExceptions = true; run() { ran.push('Archive'); } }
    const error = await failure(bigraysRun());
    expect(ran).to.deep.equal(['Step1', 'Cleanup', 'Notify', 'Archive']);
    expect(error.report!.tasks.map((t) => `${t.name}:${t.status}`)).to.deep.equal([
      'Step1:ok', 'Fails1:failed', 'Skipped1:skipped', 'Cleanup:failed', 'Skipped2:skipped', 'Notify:ok', 'Archive:ok',
    ]);
    expect(error.message).to.match(/tasks Fails1, Cleanup failed/);
    expect(error.message).to.match(/first failure/).and.to.match(/second failure/);
    expect(error.errors.map((e) => (e as TaskError).taskName)).to.deep.equal(['Fails1', 'Cleanup']);
  });

  it('should reject a rejected promise from an async run() like a throw', async () => {
    @register class AsyncFail extends Task { async run(): Promise<void> { await Promise.resolve(); throw new Error('async boom'); } }
    await expect(bigraysRun()).to.be.rejectedWith(BigraysError, /AsyncFail[\s\S]*async boom/);
    expect(AsyncFail).to.be.a('function');
  });

  it('should refuse arguments that are not task classes', async () => {
    await expect(bigraysRun('Extract' as never)).to.be.rejectedWith(TaskInterfaceError, /takes task classes/);
  });

  it('should fill templated attributes from keywords before run(), with the task\'s formatKws winning', async () => {
    updateFormatKws({ begin: '2026-01-01', end: '2026-03-01', table: 'global' });
    let seen: string[] = [];
    @register class Reads extends Task {
      key = 'predictions/{begin}-{end}.csv';
      tablename = 'stage_{table}';
      formatKws = { table: 'local' };
      filename = 'plain-{{braces}}';
      run() { seen = [this.key, this.tablename, this.filename]; }
    }
    await bigraysRun();
    expect(seen).to.deep.equal(['predictions/2026-01-01-2026-03-01.csv', 'stage_local', 'plain-{braces}']);
    expect(Reads).to.be.a('function');
  });

  it('should let pinned keywords (the command\'s --set) win over a task\'s formatKws', async () => {
    updateFormatKws({ day: 'global' });
    defaultRuntime.keywords.pin({ day: 'pinned' });
    @register class Own extends Task<string> { formatKws = { day: 'own' }; key = 'k-{day}'; run() { return this.key; } }
    await bigraysRun();
    expect(Own.output).to.equal('k-pinned');
  });

  it('should let format() fill any template from the task\'s keywords', async () => {
    updateFormatKws({ who: 'team' });
    @register class Greets extends Task<string> { run() { return this.render('hello {who}'); } }
    await bigraysRun();
    expect(Greets.output).to.equal('hello team');
  });

  it('should let an earlier task change a declared keyword for later tasks', async () => {
    updateFormatKws({ day: undefined });
    let key = '';
    @register class ComputeDay extends Task { run() { updateFormatKws({ day: '2026-11-21' }); } }
    @register class UsesDay extends Task { key = 'out/{day}.csv'; run() { key = this.key; } }
    await bigraysRun();
    expect(key).to.equal('out/2026-11-21.csv');
    expect(ComputeDay && UsesDay).to.be.a('function');
  });

  it('should fail the task, naming task, attribute and keyword, when a declared keyword is still unset at run time', async () => {
    updateFormatKws({ day: undefined });
    @register class NeverSet extends Task { key = 'out/{day}.csv'; run() {} }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    expect((error.errors[0] as Error).message).to.match(/NeverSet.key: missing format keyword `day`/);
    expect(NeverSet).to.be.a('function');
  });
});
