import { expect } from 'chai';
import { inspect } from 'node:util';
import { bigraysRun, BigraysError, outputOf, OutputRef, register, Task, TaskError } from '../lib';

describe('task outputs', () => {
  it('should give X.output after X ran', async () => {
    @register class Produce extends Task<{ rows: number }> { run() { return { rows: 3 }; } }
    await bigraysRun();
    expect(Produce.output).to.deep.equal({ rows: 3 });
    expect(outputOf(Produce).rows).to.equal(3);
  });

  it('should resolve `input = X.output` in a field initializer although X runs later', async () => {
    @register class Pull extends Task<number[]> { run() { return [1, 2, 3]; } }
    @register class Sum extends Task<number> {
      input = Pull.output;
      settings = { source: Pull.output, label: 'sum' };
      run() { return (this.input as number[]).reduce((a, b) => a + b, 0) + this.settings.source.length; }
    }
    await bigraysRun();
    expect(outputOf(Sum)).to.equal(9);
  });

  it('should type outputOf(X) from X.run and read it inside run()', async () => {
    @register class Count extends Task<number> { async run() { return 41; } }
    @register class Next extends Task<number> { run() { const n: number = outputOf(Count); return n + 1; } }
    await bigraysRun();
    expect(outputOf(Next)).to.equal(42);
  });

  it('should refuse, before anything runs, an output used by a task registered before its producer', async () => {
    const ran: string[] = [];
    @register class Consumer extends Task { input = Producer.output; run() { ran.push('Consumer'); } }
    @register class Producer extends Task { run() { ran.push('Producer'); return 1; } }
    await expect(bigraysRun()).to.be.rejectedWith(TaskError, /Consumer\.input uses Producer\.output, but Producer runs after Consumer/);
    expect(ran).to.deep.equal([]);
  });

  it('should refuse an output of a task that is not part of the run, naming both tasks', async () => {
    class Elsewhere extends Task { run() { return 1; } }
    @register class Reader extends Task { input = Elsewhere.output; run() {} }
    await expect(bigraysRun()).to.be.rejectedWith(TaskError, /Reader\.input uses Elsewhere\.output, but Elsewhere is not part of this run/);
    expect(Reader).to.be.a('function');
  });

  it('should fail a runWithExceptions task whose input comes from a failed task, naming both', async () => {
    @register class Source extends Task { run(): number { throw new Error('source down'); } }
    @register class Report extends Task { runWithExceptions = true; input = Source.output; run() { return 'sent'; } }
    const error = await expect(bigraysRun()).to.be.rejectedWith(BigraysError);
    const reportError = (error as unknown as BigraysError).errors[1] as TaskError;
    expect(reportError).to.be.instanceOf(TaskError);
    expect(reportError.message).to.equal('Report uses Source.output, but Source failed, so there is no output to use.');
    expect(Report).to.be.a('function');
  });

  it('should throw from outputOf(X) inside run() when X was skipped, naming both tasks', async () => {
    @register class Boom extends Task { run(): void { throw new Error('boom'); } }
    @register class Skipped extends Task<number> { run() { return 1; } }
    @register class Late extends Task { runWithExceptions = true; run() { return outputOf(Skipped); } }
    const error = (await bigraysRun().catch((e: unknown) => e)) as BigraysError;
    expect((error.errors[1] as Error).message).to.match(/^Late uses Skipped\.output, but Skipped was skipped after an earlier failure/);
    expect(Boom && Late).to.be.a('function');
  });

  it('should throw, naming both tasks, when run() reads X.output of a skipped task', async () => {
    @register class Breaks extends Task { run(): void { throw new Error('down'); } }
    @register class Producer extends Task<number[]> { run() { return [1]; } }
    @register class Reader extends Task<number> { runWithExceptions = true; run() { return (Producer.output as number[]).length; } }
    const error = (await bigraysRun().catch((e: unknown) => e)) as BigraysError;
    expect(error.report!.tasks.map((t) => t.status)).to.deep.equal(['failed', 'skipped', 'failed']);
    expect((error.errors[1] as Error).message).to.match(/^Reader uses Producer\.output, but Producer was skipped/);
    expect(Breaks).to.be.a('function');
  });

  it('should make an unresolved reference fail loudly, never pass as undefined', () => {
    class NotRun extends Task { run() { return 1; } }
    const ref = NotRun.output;
    expect(ref).to.be.instanceOf(OutputRef);
    expect(() => `${ref}`).to.throw(TaskError, /NotRun\.output was used, but NotRun has not run/);
    expect(() => JSON.stringify({ ref })).to.throw(TaskError);
    expect(inspect(ref)).to.equal('OutputRef(NotRun.output)');
    expect(() => outputOf(NotRun)).to.throw(TaskError, /NotRun has not run/);
  });

  it('should explain that outputOf() in a field initializer reads too early', async () => {
    @register class Early extends Task { run() { return 1; } }
    @register class TooSoon extends Task { input = outputOf(Early); run() {} }
    await expect(bigraysRun()).to.be.rejectedWith(TaskError, /TooSoon uses Early\.output, but Early has not finished running yet, so there is no output to use\. In a field initializer use Early\.output/);
    expect(TooSoon).to.be.a('function');
  });

  it('should start each run with no outputs, so a stale value is never used', async () => {
    class Once extends Task<number> { run() { return 7; } }
    await bigraysRun(Once);
    expect(Once.output).to.equal(7);
    class Again extends Task { input = Once.output; run() {} }
    await expect(bigraysRun(Again)).to.be.rejectedWith(TaskError, /Once is not part of this run/);
  });
});
