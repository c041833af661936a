/** `bigrays run` and SIGINT/SIGTERM: the job's run stops, the summary is printed, the command exits 130/143. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../support/cli';
import { spawnNode } from '../support/spawn';

const cli = path.join(root, 'dist/cli/main.js');

interface Running {
  /** Resolves once the job printed `text`. */
  printed(text: string): Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
  kill(signal: NodeJS.Signals): void;
  /** Whether the command is still running. */
  running(): boolean;
}

/** `bigrays run spec/fixtures/jobs/<job> …args`; `done`'s `ms` counts from the first signal sent. */
function start(job: string, args: string[] = [], env: Record<string, string> = {}): Running {
  const run = spawnNode([cli, 'run', path.join('spec/fixtures/jobs', job), ...args], { cwd: root, env, limitMs: 40_000 });
  let signalled = false;
  return {
    printed: (text) => run.printed(new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))),
    done: run.finished.then(({ code, signal, stdout, stderr, sinceMarkMs }) => ({ code, signal, stdout, stderr, ms: sinceMarkMs })),
    kill(signal) {
      if (!signalled) run.mark();
      signalled = true;
      run.child.kill(signal);
    },
    running: () => run.child.exitCode === null && run.child.signalCode === null,
  };
}

describe('bigrays run and signals', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-signals-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`should stop the running task on ${signal}, print the summary and exit ${code}`, async () => {
      const mark = path.join(dir, 'after.txt');
      const run = start('waits.ts', [], { MARK: mark });
      await run.printed('slow task started');
      run.kill(signal);
      const result = await run.done;
      expect(result.code, result.stderr).to.equal(code);
      expect(result.ms).to.be.below(10_000);
      expect(result.stdout).to.match(/^Quick\s+ok/m);
      // The library side: the task saw this.signal abort, later tasks were skipped.
      expect(result.stdout).to.match(/^Slow\s+failed/m);
      expect(result.stdout).to.match(/^After\s+skipped/m);
      expect(result.stderr).to.contain(`interrupted by ${signal}`);
      expect(existsSync(mark)).to.equal(false);
    });
  }

  it('should print the report as JSON after SIGTERM with --json', async () => {
    const run = start('waits.ts', ['--json']);
    await run.printed('slow task started');
    run.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).to.equal(143);
    const body = JSON.parse(result.stdout) as { ok: boolean; signal: string; tasks: Array<{ name: string; status: string; error?: string }> };
    expect(body.ok).to.equal(false);
    expect(body.signal).to.equal('SIGTERM');
    expect(body.tasks.map((t) => `${t.name}:${t.status}`)).to.deep.equal(['Quick:ok', 'Slow:failed', 'After:skipped']);
    expect(body.tasks[1].error).to.contain('Slow was stopped: interrupted by SIGTERM');
  });

  it('should end at once on a second signal', async () => {
    const run = start('stubborn.ts');
    await run.printed('slow task started');
    run.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    run.kill('SIGINT');
    const result = await run.done;
    expect(result.code).to.equal(130);
    // At once: well before the 8 s wind-down the first signal allows.
    expect(result.ms).to.be.below(5_000);
    // The task killed under it did not finish: never reported ok.
    expect(result.stdout).not.to.match(/^Stubborn\s+ok/m);
  });

  it('should kill a job that does not stop within 8 s of the signal, and report what it has', async () => {
    const run = start('stubborn.ts');
    await run.printed('slow task started');
    run.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).to.equal(143);
    // Killed 8 s after the signal: not before, and not long after even on a busy machine.
    expect(result.ms).to.be.within(7_500, 20_000);
    expect(result.stderr).to.contain('the job did not stop in time and was killed');
    expect(result.stdout).not.to.match(/^Stubborn\s+ok/m);
  });

  it("should exit with the run's code whatever the job's own exit handler sets", async () => {
    const run = start('exit-handler.ts', [], { EXIT_CODE: '0' });
    await run.printed('slow task started');
    run.kill('SIGTERM');
    const stopped = await run.done;
    expect(stopped.code, stopped.stderr).to.equal(143);
    const failed = await start('exit-handler.ts', [], { EXIT_CODE: '0', FAIL: '1' }).done;
    expect(failed.code, failed.stderr).to.equal(1);
    expect(failed.stdout).to.match(/^Work\s+failed/m);
  });

  it('should fail a task whose promise nothing can settle, not end with status 0 as if it were done', async () => {
    const mark = path.join(dir, 'after.txt');
    const result = await start('never-settles.ts', [], { MARK: mark }).done;
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).to.match(/^Before\s+ok/m).and.to.match(/^Work\s+failed/m).and.to.match(/^After\s+skipped/m);
    expect(result.stderr).to.contain('Work never finished: its run() was still waiting when the process had nothing left that could end the wait');
    expect(result.stdout).not.to.contain('the job went on');
    expect(existsSync(mark)).to.equal(false);
    // The same in a process of its own (--json).
    const json = await start('never-settles.ts', ['--json'], { MARK: mark }).done;
    expect(json.code, json.stderr).to.equal(1);
    const body = JSON.parse(json.stdout) as { tasks: Array<{ name: string; status: string; error?: string }> };
    expect(body.tasks.map((t) => `${t.name}:${t.status}`)).to.deep.equal(['Before:ok', 'Work:failed', 'After:skipped']);
    expect(body.tasks[1].error).to.match(/^Work never finished/);
    expect(existsSync(mark)).to.equal(false);
  });

  it('should keep waiting for a job that keeps its process alive, as node would, until it is stopped', async () => {
    const run = start('keeps-alive.ts');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(run.running(), 'the command still waits for the job').to.equal(true);
    run.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).to.equal(143);
    expect(result.stdout).to.contain('1 ok, 0 failed, 0 skipped');
  });
});
