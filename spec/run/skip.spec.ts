/** A task that skips itself: `this.skip(reason)` in `run()`, reported skipped with the reason, its output kept. */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { bigraysRun, outputOf, register, Task, TaskError } from '../../lib';
import { logLine, progressObserver, terminalLine, type ProgressEvent } from '../../lib/progress';
import { runTasks } from '../../lib/run';
import { summary } from '../../lib/summary';
import { failure } from '../helpers';

describe('this.skip(reason)', () => {
  it('should report the task skipped with its reason, keep its output for later tasks, and not fail the run', async () => {
    const seen: unknown[] = [];
    @register class Extract extends Task<{ rows: number }> {
      run() {
        this.skip('no new rows since 2026-12-05');
        return { rows: 0 };
      }
    }
    @register class Load extends Task { run() { seen.push(outputOf(Extract)); } }
    const report = await bigraysRun();
    expect(report.tasks.map((t) => [t.name, t.status, t.reason])).to.deep.equal([
      ['Extract', 'skipped', 'no new rows since 2026-12-05'], ['Load', 'ok', undefined],
    ]);
    expect(report.tasks[0].startedAt).to.be.a('string');
    expect(seen).to.deep.equal([{ rows: 0 }]);
    expect(Load).to.be.a('function');
  });

  it('should show the reason in the summary and in the progress lines', async () => {
    class Export extends Task { run() { this.skip('s3://b/k exists'); } }
    const events: ProgressEvent[] = [];
    const report = await runTasks([Export], { observer: progressObserver((e) => events.push(e), 60_000) });
    const end = events.find((e) => e.kind === 'end')!;
    expect(end).to.include({ status: 'skipped', reason: 's3://b/k exists' });
    expect(logLine(end)).to.match(/Z bigrays: Export skipped \(s3:\/\/b\/k exists\)$/);
    expect(terminalLine(end)).to.equal('– Export skipped (s3://b/k exists)');
    const lines = summary(report, 5).split('\n');
    expect(lines[1]).to.match(/^Export {2}skipped \(s3:\/\/b\/k exists\) +\d+ ms$/);
    expect(lines.at(-1)).to.equal('0 ok, 0 failed, 1 skipped in 5 ms');
  });

  it('should let go of a stream the task was given, unless the task passes it on as its output', async () => {
    const given = Readable.from(['a']);
    const passed = Readable.from(['b']);
    class Given extends Task { input = given; run() { this.skip('nothing to do'); } }
    class Passes extends Task { input = passed; run() { this.skip('nothing to do'); return this.input; } }
    await runTasks([Given, Passes]);
    expect([given.destroyed, passed.destroyed]).to.deep.equal([true, false]);
  });

  it('should count only the attempt that ran last: a retried task that went on to write is ok', async () => {
    let attempts = 0;
    class Flaky extends Task {
      override retries = 1;
      override retryDelayMs = 1;
      run() {
        attempts += 1;
        if (attempts === 1) {
          this.skip('looked done');
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        }
        return 'written';
      }
    }
    const report = await runTasks([Flaky]);
    expect(report.tasks[0]).to.include({ status: 'ok', attempts: 2 }).and.not.have.property('reason');
  });

  it('should report a task that skipped itself and then failed as failed', async () => {
    @register class Half extends Task {
      run(): void {
        this.skip('nothing new');
        throw new RangeError('but the check broke');
      }
    }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    expect(error.report?.tasks[0]).to.include({ status: 'failed' }).and.not.have.property('reason');
    expect(Half).to.be.a('function');
  });
});
