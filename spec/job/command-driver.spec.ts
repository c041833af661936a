/**
 * The command's driver in the job's process, in-process: each run on a runtime of its own,
 * the IPC channel replaced by a list of what `send` gets, and process.exit by a list of codes.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigraysError, Task, TaskError, ToCSV } from '../../lib';
import { CommandDriver } from '../../lib/job/command-driver';
import { sendableError, type CallMessage, type JobMessage, type ProgressMessage, type RunMessage } from '../../lib/job/messages';
import type { RunOptions } from '../../lib/job/run-options';
import { callOn, runOn } from '../../lib/run';
import { defaultRuntime, Runtime } from '../../lib/runtime';
import { BigraysConfig } from '../../lib/config';

/** A runtime with the command's driver installed, as `bigrays run` would start the job with `options`. */
function driven(options: Partial<RunOptions> = {}) {
  const runtime = new Runtime();
  const sent: JobMessage[] = [];
  const progress: ProgressMessage[] = [];
  const ended: Array<number | string> = [];
  const send = async (message: JobMessage): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (message.bigrays === 'progress') progress.push(message);
    else sent.push(message);
  };
  const driver = new CommandDriver(
    { job: '/jobs/job.ts', set: {}, only: [], dryRun: false, local: false, ...options }, runtime, send, (how) => void ended.push(how),
  ).install();
  const runs = () => sent.filter((m): m is RunMessage => m.bigrays === 'run');
  return { runtime, driver, sent, progress, ended, runs };
}

/** The three tasks of a pipeline, each reading the one before; registered in `runtime`. */
function pipeline(runtime: Runtime, ran: string[] = []) {
  class PullTrainingData extends Task<number[]> { run() { ran.push('PullTrainingData'); return [1]; } }
  class MakePredictions extends Task<number[]> { input = PullTrainingData.output; run() { ran.push('MakePredictions'); return [2]; } }
  class UploadPredictions extends Task { input = MakePredictions.output; run() { ran.push('UploadPredictions'); } }
  runtime.registry.push(PullTrainingData, MakePredictions, UploadPredictions);
  return { PullTrainingData, MakePredictions, UploadPredictions };
}

describe('the command driver', () => {
  it('should send each run\'s report before the run settles, on the runtime it was installed on', async () => {
    const { runtime, runs } = driven();
    class A extends Task<number> { run() { return 1; } }
    runtime.registry.push(A);
    const settled = runOn(runtime, []);
    const report = await settled;
    expect(runs()).to.have.length(1);
    expect(runs()[0]).to.deep.include({ bigrays: 'run', offered: ['A'], registered: ['A'] });
    expect(runs()[0].report).to.deep.equal(report);
    expect(report.tasks[0]).to.include({ name: 'A', status: 'ok' });
    expect(defaultRuntime.driver, 'the default runtime has no driver').to.equal(undefined);
  });

  it('should send each task\'s start and end as it happens, the skipped ones too', async () => {
    const { runtime, progress } = driven();
    class First extends Task<number> { run() { return 1; } }
    class Breaks extends Task { run(): void { throw new Error('no rows'); } }
    class Never extends Task { run() {} }
    await runOn(runtime, [First, Breaks, Never]).catch(() => undefined);
    expect(progress.map((m) => [m.event.kind, m.event.task, m.event.kind === 'end' ? m.event.status : ''])).to.deep.equal([
      ['start', 'First', ''], ['end', 'First', 'ok'], ['start', 'Breaks', ''], ['end', 'Breaks', 'failed'], ['end', 'Never', 'skipped'],
    ]);
  });

  it('should send a slow task\'s rows and bytes so far, from a custom task and from a CSV export', async () => {
    process.env.BIGRAYS_PROGRESS_INTERVAL_MS = '200';
    const { runtime, progress } = driven();
    const dir = mkdtempSync(join(tmpdir(), 'bigrays-driver-'));
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 150));
    class Count extends Task<number> {
      async run() {
        let rows = 0;
        for (let i = 0; i < 8; i++) {
          await pause();
          rows += 25;
          this.recordMetrics({ rows, bytes: rows * 40 });
        }
        return rows;
      }
    }
    async function* slowRows(): AsyncGenerator<{ id: number }> {
      for (let id = 0; id < 8; id++) {
        await pause();
        yield { id };
      }
    }
    class Export extends ToCSV { input = slowRows(); filename = join(dir, 'export.csv'); }
    try {
      await runOn(runtime, [Count, Export]);
      // The figures of each sample taken once the task had done something.
      const soFar = (task: string) => progress.flatMap((m) => (m.event.kind === 'progress' && m.event.task === task && m.event.rows ? [m.event.rows] : []));
      const counted = soFar('Count');
      expect(counted.length).to.be.at.least(2);
      expect(counted[0]).to.be.below(200);
      expect(counted.at(-1)).to.be.above(counted[0]).and.at.most(200);
      const exported = soFar('Export');
      expect(exported.length).to.be.at.least(2);
      expect(exported[0]).to.be.below(8);
      const rows = readFileSync(join(dir, 'export.csv'), 'utf8').trim().split('\n').length - 1;
      expect(progress.at(-1)!.event).to.include({ kind: 'end', task: 'Export', status: 'ok', rows });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should send a failed run\'s report and error, then reject with that error', async () => {
    const { runtime, driver, runs } = driven();
    class Breaks extends Task { run(): void { throw new Error('no rows'); } }
    const failure = await runOn(runtime, [Breaks]).then(() => undefined, (e: unknown) => e);
    expect(failure).to.be.instanceOf(BigraysError);
    expect(runs()[0].report.tasks[0]).to.include({ name: 'Breaks', status: 'failed', error: 'Breaks failed: no rows' });
    expect(runs()[0].error).to.include({ name: 'BigraysError', exitCode: 1, bigrays: true });
    expect(driver.isRunError(failure)).to.equal(true);
  });

  it('should run only the tasks --only names, with the --set keywords pinned over the job\'s own', async () => {
    const { runtime, runs } = driven({ only: ['Keep'], set: { day: 'pinned' } });
    runtime.keywords.update({ day: 'own' });
    let seen = '';
    class Skip extends Task { run() { seen += 'skip'; } }
    class Keep extends Task { key = '{day}'; run() { seen += this.key; } }
    const report = await runOn(runtime, [Skip, Keep]);
    expect(report.tasks.map((t) => t.name)).to.deep.equal(['Keep']);
    expect(seen).to.equal('pinned');
    expect(runtime.keywords.all()).to.deep.equal({ day: 'pinned' });
    expect(runs()[0].offered).to.deep.equal(['Skip', 'Keep']);
  });

  it('should start from the --from task across the job\'s runs: an earlier run without it runs nothing', async () => {
    const { runtime } = driven({ from: 'Second' });
    const ran: string[] = [];
    class Before extends Task { run() { ran.push('Before'); } }
    class First extends Task { run() { ran.push('First'); } }
    class Second extends Task { run() { ran.push('Second'); } }
    class Third extends Task { run() { ran.push('Third'); } }
    expect((await runOn(runtime, [Before])).tasks).to.deep.equal([]);
    await runOn(runtime, [First, Second, Third]);
    await runOn(runtime, [Before]);
    expect(ran).to.deep.equal(['Second', 'Third', 'Before']);
  });

  it('should plan a dry run, send the plan and end the job with 0, running nothing', async () => {
    const { runtime, runs, ended } = driven({ dryRun: true, set: { day: '2026-03-01' } });
    const ran: string[] = [];
    class Load extends Task { key = 'exports/{day}.csv'; run() { ran.push('Load'); } }
    const report = await runOn(runtime, [Load]);
    expect(ran).to.deep.equal([]);
    expect(ended).to.deep.equal([0]);
    expect(report.tasks).to.deep.equal([{ name: 'Load', status: 'skipped', durationMs: 0 }]);
    expect(runs()[0].plan!.steps[0]).to.deep.include({ name: 'Load', attributes: { key: 'exports/2026-03-01.csv' } });
  });

  it('should let a dry run --from leaves empty go on to the next run', async () => {
    const { runtime, runs, ended } = driven({ dryRun: true, from: 'Later' });
    class Early extends Task { run() {} }
    class Later extends Task { run() {} }
    await runOn(runtime, [Early]);
    expect(ended, 'not ended by an empty run').to.deep.equal([]);
    await runOn(runtime, [Later]);
    expect(ended).to.deep.equal([0]);
    expect(runs().map((m) => m.plan?.steps.map((s) => s.name))).to.deep.equal([[], ['Later']]);
  });

  it('should send why a dry run cannot be planned, and end the job with 2', async () => {
    const { runtime, runs, ended } = driven({ dryRun: true });
    class Load extends Task { key = 'exports/{day}.csv'; run() {} }
    await expect(runOn(runtime, [Load])).to.be.rejectedWith(TaskError, /Load\.key uses the keyword `day`, which is not set/);
    expect(ended).to.deep.equal([2]);
    expect(runs()[0].report).to.deep.equal({ tasks: [] });
    expect(runs()[0].error).to.include({ exitCode: 2 });
  });

  it('should report a functional call outside any run', async () => {
    const { runtime, sent } = driven();
    class Count extends Task<number> { run() { return 3; } }
    expect(await callOn(runtime, new Count())).to.equal(3);
    expect(sent).to.have.length(1);
    expect((sent[0] as CallMessage).report).to.include({ name: 'Count', status: 'ok' });
  });

  it('should refuse a functional call under --only, saying why', async () => {
    const { runtime, sent } = driven({ only: ['X'] });
    let ran = false;
    class Count extends Task { run() { ran = true; } }
    await expect(callOn(runtime, new Count())).to.be.rejectedWith(BigraysError, /--only and --from pick registered tasks; run this job without them \(it calls Count\(\) directly\)/);
    expect(ran).to.equal(false);
    expect(sent[0]).to.deep.include({ bigrays: 'job-error' });
    expect((sent[0] as { error: { name: string; exitCode: number } }).error).to.include({ name: 'UsageError', exitCode: 2 });
  });

  it('should only report a functional call in a dry run, and end the job with 0', async () => {
    const { runtime, sent, ended } = driven({ dryRun: true });
    let ran = false;
    class Count extends Task { run() { ran = true; } }
    await callOn(runtime, new Count());
    expect(ran).to.equal(false);
    expect(ended).to.deep.equal([0]);
    expect((sent[0] as CallMessage).report).to.deep.equal({ name: 'Count', status: 'skipped', durationMs: 0 });
  });

  it('should report a run the job ended in the middle of: done, running (as done), the rest skipped', async () => {
    const { runtime, driver, runs } = driven();
    class Done extends Task { run() {} }
    class Ends extends Task { run() { driver.reportCutShort(); } }
    class After extends Task { run() {} }
    await runOn(runtime, [Done, Ends, After]);
    const cut = runs().find((m) => m.cutShort)!;
    expect(cut.report.tasks.map((t) => [t.name, t.status])).to.deep.equal([['Done', 'ok'], ['Ends', 'ok'], ['After', 'skipped']]);
    expect(cut.report.tasks[1].startedAt).to.be.a('string');
    expect(runs().filter((m) => !m.cutShort)).to.have.length(1);
  });

  it('should note the --set keys the job never used, with the keyword it may have meant', async () => {
    const { runtime, driver } = driven({ set: { dya: '2026-03-01' } });
    class Load extends Task { key = '{day}'; formatKws = { day: 'x' }; run() {} }
    expect(driver.unusedKeywordsNote(), 'nothing before a run').to.equal(undefined);
    await runOn(runtime, [Load]);
    const note = driver.unusedKeywordsNote()!;
    expect(note).to.contain('Note: --set dya=… changes nothing: no template of this job uses {dya}');
    expect(note).to.contain('Did you mean --set day=…?');
    const narrowed = driven({ set: { dya: '1' }, only: ['Load'] });
    await runOn(narrowed.runtime, [Load]);
    expect(narrowed.driver.unusedKeywordsNote(), 'not under --only').to.equal(undefined);
  });

  it('should abort the running task\'s signal on SIGINT, skip the rest, and report it', async () => {
    const { runtime, runs, ended } = driven();
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
    const listeners = process.listenerCount('SIGINT');
    const error = await runOn(runtime, [Waits, Later]).then(() => undefined, (e: BigraysError) => e);
    expect(error).to.be.instanceOf(BigraysError);
    expect(error!.signal).to.equal('SIGINT');
    expect(process.listenerCount('SIGINT')).to.equal(listeners);
    expect(runs()[0].report.tasks.map((t) => t.status)).to.deep.equal(['failed', 'skipped']);
    expect(ended, 'the driver ends the job as SIGINT would, once the report is out').to.deep.equal(['SIGINT']);
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

describe('tasks left out of a run', () => {
  it('should say to add a registered task to --only, not to register it', async () => {
    const { runtime } = driven({ only: ['UploadPredictions'] });
    const ran: string[] = [];
    pipeline(runtime, ran);
    const error = (await runOn(runtime, []).then(() => undefined, (e: unknown) => e)) as TaskError;
    expect(error).to.be.instanceOf(TaskError);
    expect(error.message).to.contain(
      'UploadPredictions.input uses MakePredictions.output, but MakePredictions is not part of this run ' +
        '(it is registered, but --only leaves it out): add it to --only, as in --only MakePredictions,UploadPredictions',
    );
    expect(error.message).not.to.match(/register MakePredictions before/);
    expect(ran).to.deep.equal([]);
  });

  it('should say the same in a dry run', async () => {
    const { runtime, runs, ended } = driven({ only: ['MakePredictions', 'UploadPredictions'], dryRun: true });
    pipeline(runtime);
    await expect(runOn(runtime, [])).to.be.rejectedWith(
      TaskError,
      /MakePredictions\.input uses PullTrainingData\.output, but PullTrainingData is not part of this run \(it is registered, but --only leaves it out\): add it to --only, as in --only PullTrainingData,MakePredictions,UploadPredictions/,
    );
    expect(runs()[0].error!.message).to.contain('--only leaves it out');
    expect(ended).to.deep.equal([2]);
  });

  it('should say to start from the task --from passes over', async () => {
    const { runtime } = driven({ from: 'UploadPredictions' });
    pipeline(runtime);
    const error = (await runOn(runtime, []).then(() => undefined, (e: unknown) => e)) as BigraysError;
    expect(error.message).to.contain(
      'MakePredictions is not part of this run (it is registered, but --from UploadPredictions starts after it): ' +
        'start from it with --from MakePredictions, or run both with --only MakePredictions,UploadPredictions',
    );
  });

  it('should say to pass a registered task to bigraysRun(...) when the job left it out, with no driver', async () => {
    const runtime = new Runtime();
    const { UploadPredictions } = pipeline(runtime);
    await expect(runOn(runtime, [UploadPredictions])).to.be.rejectedWith(
      TaskError,
      /MakePredictions is not part of this run \(it is registered, but not among the tasks given to bigraysRun\(\.\.\.\)\): pass MakePredictions before UploadPredictions/,
    );
  });

  it('should say to register a task no runtime knows, driver or not', async () => {
    const { runtime } = driven({ only: ['Reads'] });
    class Unknown extends Task<number> { run() { return 1; } }
    class Reads extends Task { input = Unknown.output; run() {} }
    runtime.registry.push(Reads);
    await expect(runOn(runtime, [])).to.be.rejectedWith(TaskError, /Unknown is not part of this run: register Unknown before Reads/);
  });
});
