/** Progress lines: on a terminal for a person, elsewhere as timestamped log lines; sampled, not per row. */
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { logLine, printerFor, progressInterval, progressObserver, terminalLine, type ProgressEvent } from '../lib/progress';
import { metricsSoFar, trackMetrics } from '../lib/live-metrics';
import { Task } from '../lib/task';

const at = '2026-11-22T06:30:01.234Z';
const start: ProgressEvent = { kind: 'start', task: 'Load', at };
const running: ProgressEvent = { kind: 'progress', task: 'Load', at, elapsedMs: 10_250, rows: 1234, bytes: 5 * 1024 * 1024 };
const ok: ProgressEvent = { kind: 'end', task: 'Load', at, status: 'ok', durationMs: 6020, rows: 1, bytes: 709, attempts: 2 };
const failed: ProgressEvent = { kind: 'end', task: 'Load', at, status: 'failed', durationMs: 12, attempts: 1 };
const skipped: ProgressEvent = { kind: 'end', task: 'Load', at, status: 'skipped', durationMs: 0 };

class Steps extends Task<void> {
  step(rows: number): void {
    this.recordMetrics({ rows });
  }
  run(): void {}
}

describe('progress lines', () => {
  it('should write log lines with a UTC timestamp to the second', () => {
    expect([start, running, ok, failed, skipped].map(logLine)).to.deep.equal([
      '2026-11-22T06:30:01Z bigrays: Load started',
      '2026-11-22T06:30:01Z bigrays: Load running for 10.3 s: 1234 rows, 5.0 MiB so far',
      '2026-11-22T06:30:01Z bigrays: Load ok in 6.02 s, 1 row, 709 B, 2 attempts',
      '2026-11-22T06:30:01Z bigrays: Load failed in 12 ms',
      '2026-11-22T06:30:01Z bigrays: Load skipped',
    ]);
  });

  it('should write terminal lines with a mark for each state', () => {
    expect([start, running, ok, failed, skipped].map(terminalLine)).to.deep.equal([
      '▸ Load started',
      '  … Load running for 10.3 s: 1234 rows, 5.0 MiB so far',
      '✓ Load ok in 6.02 s, 1 row, 709 B, 2 attempts',
      '✗ Load failed in 12 ms',
      '– Load skipped',
    ]);
    expect(terminalLine({ kind: 'progress', task: 'Wait', at, elapsedMs: 5000 })).to.equal('  … Wait running for 5.00 s');
  });

  it('should pick terminal lines for a TTY and log lines for anything else', () => {
    const collect = (tty: boolean): string => {
      const stream = Object.assign(new PassThrough(), { isTTY: tty });
      printerFor(stream).print(start);
      return String(stream.read());
    };
    expect(collect(true)).to.equal('▸ Load started\n');
    expect(collect(false)).to.equal('2026-11-22T06:30:01Z bigrays: Load started\n');
  });

  it('should take BIGRAYS_PROGRESS_INTERVAL_MS, and 5 s when it is unset or not a usable number', () => {
    expect(progressInterval({ BIGRAYS_PROGRESS_INTERVAL_MS: '750' })).to.equal(750);
    expect(progressInterval({})).to.equal(5000);
    expect(progressInterval({ BIGRAYS_PROGRESS_INTERVAL_MS: 'soon' })).to.equal(5000);
    expect(progressInterval({ BIGRAYS_PROGRESS_INTERVAL_MS: '0' })).to.equal(5000);
  });
});

describe('progressObserver', () => {
  it('should sample a running task\'s figures on its timer, and stop when the task ends', async () => {
    const events: ProgressEvent[] = [];
    const observer = progressObserver((e) => events.push(e), 100);
    const task = new Steps();
    let bytes = 0;
    trackMetrics(task, () => ({ bytes }));
    const started = Date.now();
    observer.taskStarted!('Steps', new Date().toISOString(), () => metricsSoFar(task));
    for (let i = 1; i <= 3; i++) {
      task.step(i * 10);
      bytes = i * 100;
      // Each step is seen by a sample of its own, however late a busy machine fires the timer.
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.kind === 'progress' && e.rows === i * 10) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const elapsed = Date.now() - started;
    observer.taskEnded!({ name: 'Steps', status: 'ok', durationMs: elapsed, rows: 30, bytes: 300, attempts: 1 });
    const count = events.length;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(events.length, 'no sample after the end').to.equal(count);
    expect(events[0]).to.include({ kind: 'start', task: 'Steps' });
    expect(events.at(-1)).to.include({ kind: 'end', status: 'ok', rows: 30, bytes: 300 });
    const samples = events.filter((e): e is Extract<ProgressEvent, { kind: 'progress' }> => e.kind === 'progress');
    expect(samples.map((e) => e.rows)).to.include.members([10, 20, 30]);
    // On its timer, not faster: at most one sample per 100 ms.
    expect(samples.length).to.be.at.most(Math.floor(elapsed / 100) + 1);
    for (const sample of samples) expect(sample.bytes).to.equal(sample.rows! * 10);
    expect(samples.at(-1)!.rows).to.be.above(samples[0].rows!);
  });
});
