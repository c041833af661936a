/** The job's side of `bigrays run`, with the IPC channel replaced by a list of messages. */
import { expect } from 'chai';
import { BigraysError, BigraysConfig, getFormatKws, register, Task, TaskError, toCSV } from '../../lib';
import { JobHost } from '../../lib/job/host';
import { sendableError, type JobMessage, type ProgressMessage, type RunMessage } from '../../lib/job/messages';
import { defaultRuntime } from '../../lib/runtime';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function host(options: Partial<ConstructorParameters<typeof JobHost>[0]> = {}) {
  const sent: JobMessage[] = [];
  /** Progress messages, kept apart from the reports. */
  const progress: ProgressMessage[] = [];
  let delivered = 0;
  const send = async (message: JobMessage): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (message.bigrays === 'progress') progress.push(message);
    else sent.push(message);
    delivered += 1;
  };
  const jobHost = new JobHost({ job: '/jobs/job.ts', set: {}, only: [], dryRun: false, local: false, ...options }, send);
  return { jobHost, sent, progress, delivered: () => delivered };
}

describe('the job host', () => {
  it('should send each run\'s report before the run settles', async () => {
    class A extends Task<number> { run() { return 1; } }
    register(A);
    const { jobHost, sent } = host();
    const report = await jobHost.run([]);
    expect(sent).to.have.length(1);
    const message = sent[0] as RunMessage;
    expect(message).to.include({ bigrays: 'run' });
    expect(message.offered).to.deep.equal(['A']);
    expect(message.registered).to.deep.equal(['A']);
    expect(message.report).to.deep.equal(report);
    expect(message.report.tasks[0]).to.include({ name: 'A', status: 'ok' });
  });

  it('should send each task\'s start and end as it happens, the skipped ones too', async () => {
    class First extends Task<number> { run() { return 1; } }
    class Breaks extends Task { run(): void { throw new Error('no rows'); } }
    class Never extends Task { run() {} }
    const { jobHost, progress } = host();
    await jobHost.run([First, Breaks, Never]).catch(() => undefined);
    expect(progress.map((m) => [m.event.kind, m.event.task, m.event.kind === 'end' ? m.event.status : ''])).to.deep.equal([
      ['start', 'First', ''], ['end', 'First', 'ok'], ['start', 'Breaks', ''], ['end', 'Breaks', 'failed'], ['end', 'Never', 'skipped'],
    ]);
  });

  it('should send a failed run\'s report and error, then reject', async () => {
    class Breaks extends Task { run(): void { throw new Error('no rows'); } }
    const { jobHost, sent } = host();
    const failure = await jobHost.run([Breaks]).then(() => undefined, (e: unknown) => e);
    expect(failure).to.be.instanceOf(BigraysError);
    const message = sent[0] as RunMessage;
    expect(message.report.tasks[0]).to.include({ name: 'Breaks', status: 'failed', error: 'Breaks failed: no rows' });
    expect(message.error).to.include({ name: 'BigraysError', exitCode: 1, bigrays: true });
    expect(jobHost.isRunError(failure)).to.equal(true);
  });

  it('should apply --only and pin --set keywords for the job', async () => {
    let seen = '';
    class Skip extends Task { run() { seen += 'skip'; } }
    class Keep extends Task { key = '{day}'; run() { seen += this.key; } }
    const { jobHost } = host({ only: ['Keep'], set: { day: 'pinned' } });
    expect(getFormatKws()).to.deep.equal({ day: 'pinned' });
    const report = await jobHost.run([Skip, Keep]);
    expect(report.tasks.map((t) => t.name)).to.deep.equal(['Keep']);
    expect(seen).to.equal('pinned');
  });

  it('should report a functional call, and refuse one under --only', async () => {
    const { jobHost, sent } = host();
    defaultRuntime.job = jobHost;
    const file = join(tmpdir(), `bigrays-host-${process.pid}.csv`);
    try {
      await toCSV({ input: [{ a: 1 }], filename: file, overwriteIfExists: true });
      expect(sent[0]).to.deep.include({ bigrays: 'call' });
      expect((sent[0] as { report: { name: string; status: string } }).report).to.include({ name: 'toCSV', status: 'ok' });
      defaultRuntime.job = host({ only: ['X'] }).jobHost;
      await expect(toCSV({ input: [{ a: 1 }], filename: file })).to.be.rejectedWith(BigraysError, /--only and --from pick registered tasks/);
    } finally {
      defaultRuntime.job = undefined;
      rmSync(file, { force: true });
    }
  });

  it('should abort the running task\'s signal on SIGINT, and skip the rest', async () => {
    // Only the run's own handler hears this SIGINT (mocha's would end the whole spec run).
    const others = new Set(process.listeners('SIGINT'));
    class Waits extends Task {
      run() {
        const stopped = new Promise<void>((_r, reject) => this.signal.addEventListener('abort', () => reject(new Error('stopped'))));
        for (const listener of process.listeners('SIGINT')) if (!others.has(listener)) listener('SIGINT');
        return stopped;
      }
    }
    class Later extends Task { run() {} }
    const { jobHost, sent } = host();
    const listeners = process.listenerCount('SIGINT');
    const error = await jobHost.run([Waits, Later]).then(() => undefined, (e: BigraysError) => e);
    expect(error).to.be.instanceOf(BigraysError);
    expect(error!.signal).to.equal('SIGINT');
    expect(process.listenerCount('SIGINT')).to.equal(listeners);
    expect((sent[0] as RunMessage).report.tasks.map((t) => t.status)).to.deep.equal(['failed', 'skipped']);
  });

  it('should make errors sendable: text, secrets masked, and the exit code they mean', () => {
    BigraysConfig.DB_PWD = 'Sendable-Secret-1';
    const config = new BigraysError('missing things Sendable-Secret-1');
    expect(sendableError(config)).to.include({ name: 'BigraysError', message: 'missing things ***', exitCode: 2, bigrays: true });
    const failed = new TaskError('x failed');
    failed.report = { tasks: [] };
    expect(sendableError(failed)).to.include({ exitCode: 1 });
    expect(sendableError(new RangeError('own'))).to.include({ name: 'RangeError', exitCode: 1 });
    expect(sendableError('text')).to.include({ name: 'Error', message: 'text', exitCode: 1 });
  });
});
