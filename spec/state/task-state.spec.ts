/** this.state in a run of bigraysRun(): a task's part of its job's state, staged and committed with the run. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bigraysRun, BigraysConfig, ConfigurationError, Task, TaskError } from '../../lib';
import { failure } from '../helpers';

describe('this.state of a task', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-task-state-'));
    BigraysConfig.STATE_URL = path.join(dir, 'state');
    BigraysConfig.JOB_NAME = 'nightly';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  class Cursor extends Task<unknown> {
    async run() {
      const seen = await this.state.get();
      this.state.set({ cursor: ((seen as { cursor?: number } | undefined)?.cursor ?? 0) + 10 });
      // What it staged is what it reads back in the same run.
      return this.state.get();
    }
  }

  it('should read what the last successful run committed, and report the state after the run', async () => {
    const first = await bigraysRun(Cursor);
    expect(first.state).to.deep.equal({ job: 'nightly', committed: true, tasks: { Cursor: { cursor: 10 } } });
    const second = await bigraysRun(Cursor);
    expect(second.state?.tasks).to.deep.equal({ Cursor: { cursor: 20 } });
    const document = JSON.parse(readFileSync(path.join(dir, 'state', 'nightly.json'), 'utf8'));
    expect(document).to.include({ job: 'nightly' }).and.to.have.property('tasks').that.deep.equals({ Cursor: { cursor: 20 } });
  });

  it('should commit nothing when a later task fails', async () => {
    await bigraysRun(Cursor);
    class Breaks extends Task<void> { run() { throw new Error('broken'); } }
    await failure(bigraysRun(Cursor, Breaks));
    expect((await bigraysRun(Cursor)).state?.tasks).to.deep.equal({ Cursor: { cursor: 20 } });
  });

  it('should read and write nothing in a run that never touches state', async () => {
    class Plain extends Task<number> { run() { return 1; } }
    const report = await bigraysRun(Plain);
    expect(report.state).to.equal(undefined);
    expect(existsSync(path.join(dir, 'state'))).to.equal(false);
  });

  it('should refuse, before any task runs, a BIGRAYS_STATE_URL no store can use', async () => {
    let ran = false;
    class Plain extends Task<void> { run() { ran = true; } }
    for (const [url, words] of [['ftp://host/x', 'BIGRAYS_STATE_URL must be'], ['s3://Bad_Bucket/state/', 'uppercase letters'], ['postgres://etl@db:notaport/x', 'the state store (BIGRAYS_STATE_URL)']]) {
      BigraysConfig.STATE_URL = url;
      const error = await failure<ConfigurationError>(bigraysRun(Plain));
      expect(error, url).to.be.instanceOf(ConfigurationError);
      expect(error.message, url).to.contain(words);
    }
    expect(ran).to.equal(false);
  });

  it('should not keep what a failed attempt staged: the retry reads the state as it was, and commits its own', async () => {
    await bigraysRun(Cursor);
    const seen: unknown[] = [];
    class Pages extends Task<void> {
      retries = 2;
      retryDelayMs = 0;
      async run() {
        const part = (await this.state.get()) as { cursor: number } | undefined;
        seen.push(part);
        this.state.set({ cursor: (part?.cursor ?? 0) + 100 });
        if (seen.length < 3) throw Object.assign(new Error('connection reset by peer'), { code: 'ECONNRESET' });
      }
    }
    const report = await bigraysRun(Cursor, Pages);
    expect(seen).to.deep.equal([undefined, undefined, undefined]);
    expect(report.state?.tasks).to.deep.equal({ Cursor: { cursor: 20 }, Pages: { cursor: 100 } });
  });

  it('should read the state again after a read that failed, and commit', async () => {
    // The state folder is a file at first: reading the state fails until it is gone.
    const folder = path.join(dir, 'state');
    writeFileSync(folder, 'not a folder');
    const reads: unknown[] = [];
    class Recovers extends Task<void> {
      async run() {
        reads.push(await this.state.get().then(() => 'read', (error: Error) => `failed: ${error.message}`));
        rmSync(folder);
        reads.push(await this.state.get());
        this.state.set({ ok: true });
      }
    }
    const report = await bigraysRun(Recovers);
    expect(reads).to.have.length(2);
    expect(reads[0]).to.match(/^failed: /);
    expect(reads[1]).to.equal(undefined);
    expect(report.state).to.deep.equal({ job: 'nightly', committed: true, tasks: { Recovers: { ok: true } } });
  });

  it('should refuse, on AWS Lambda, to keep the state in the default folder, naming BIGRAYS_STATE_URL', async () => {
    BigraysConfig.STATE_URL = undefined;
    const before = process.env.AWS_LAMBDA_FUNCTION_NAME;
    const cwd = process.cwd();
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'nightly-etl';
    process.chdir(dir);
    try {
      class Plain extends Task<number> { run() { return 1; } }
      expect((await bigraysRun(Plain)).tasks[0].status).to.equal('ok');
      const error = await failure<Error>(bigraysRun(Cursor));
      expect(error.message).to.contain('on AWS Lambda the job\'s state cannot be kept in the default folder .bigrays/state/')
        .and.contain('set BIGRAYS_STATE_URL to s3://bucket/prefix/ or a database URL');
      expect(existsSync(path.join(dir, '.bigrays'))).to.equal(false);
      // A store it names is used.
      BigraysConfig.STATE_URL = path.join(dir, 'state');
      expect((await bigraysRun(Cursor)).state?.committed).to.equal(true);
    } finally {
      process.chdir(cwd);
      if (before === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      else process.env.AWS_LAMBDA_FUNCTION_NAME = before;
    }
  });

  it('should be a TaskError naming the task outside a run, or for a value that is no JSON', async () => {
    const outside = await failure<TaskError>(new Cursor().state.get());
    expect(outside).to.be.instanceOf(TaskError);
    expect(outside.message).to.match(/^Cursor: this\.state is read and set only while the task runs/);
    class Big extends Task<void> { run() { this.state.set({ n: 1n }); } }
    const error = await failure<Error>(bigraysRun(Big));
    expect(error.message).to.contain('Big: this.state.set() takes a JSON value');
    for (const value of [() => 1, Symbol('cursor')]) {
      class Odd extends Task<void> { run() { this.state.set(value); } }
      const odd = await failure<Error>(bigraysRun(Odd));
      expect(odd.message).not.to.contain('SyntaxError');
      expect(odd.message).to.contain(`Odd: this.state.set() takes a JSON value (an object, array, string, number, boolean or null; undefined removes the part), got a ${typeof value}`);
    }
  });
});
