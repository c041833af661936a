/**
 * `bigrays run` shows progress on stderr while the job runs, and keeps its timestamps in --json
 * (the figures so far are sent by the job's driver: spec/job/command-driver.spec.ts).
 */
import { expect } from 'chai';
import * as path from 'node:path';
import { root } from '../support/cli';
import { spawnNode } from '../support/spawn';

const cli = path.join(root, 'dist/cli/main.js');
const job = path.join('spec/fixtures/jobs/progress.ts');
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ bigrays: /;

describe('bigrays run progress', function () {
  this.timeout(60_000);

  it('should print a task\'s start line while it runs, before the job ends', async () => {
    const run = spawnNode([cli, 'run', job, '--only', 'Count'], { cwd: root, env: { STEP_MS: '200' } });
    await run.printed(/bigrays: Count started/);
    const atStart = Date.now();
    expect(run.child.exitCode, 'the job had ended already').to.equal(null);
    expect(run.stdout(), 'the summary came first').to.equal('');
    const result = await run.finished;
    expect(result.code, result.stderr).to.equal(0);
    // The task takes about 1.6 s: the start line came well before the end.
    expect(Date.now() - atStart).to.be.above(800);
    const lines = result.stderr.split('\n').filter((l) => l.includes(' bigrays: Count'));
    expect(lines[0]).to.match(STAMP).and.to.match(/ Count started$/);
    expect(lines.at(-1)).to.match(STAMP).and.to.match(/ Count ok in \d\.\d\d s, 200 rows, 7\.8 KiB$/);
    expect(result.stdout).to.match(/^Count\s+ok\s+\S+ s\s+200\s+7\.8 KiB$/m);
  });

  it('should print no progress with --quiet or -q, and the summary as always', async () => {
    for (const flag of ['--quiet', '-q']) {
      const result = await spawnNode([cli, 'run', job, '--only', 'Count', flag], { cwd: root, env: { STEP_MS: '20' } }).finished;
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr, flag).not.to.contain('bigrays:');
      expect(result.stdout).to.match(/^Count\s+ok/m).and.to.contain('1 ok, 0 failed, 0 skipped');
    }
  });

  it('should print progress for a job run with plain node only when BIGRAYS_PROGRESS=1', async () => {
    const plain = path.join('spec/fixtures/jobs/plain.mjs');
    const quiet = await spawnNode([plain], { cwd: root }).finished;
    expect(quiet.code, quiet.stderr).to.equal(0);
    expect(quiet.stderr).to.equal('');
    const shown = await spawnNode([plain], { cwd: root, env: { BIGRAYS_PROGRESS: '1' } }).finished;
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stderr.trim().split('\n')).to.satisfy((lines: string[]) => lines.length === 2 && lines.every((l) => STAMP.test(l)));
    expect(shown.stderr).to.match(/ Answer started\n.* Answer ok in [^\n]+\n$/);
    expect(shown.stdout).to.equal('the answer is 42\n');
  });

  it('should keep stdout to the JSON report with --json, progress on stderr, and give the run\'s timestamps', async () => {
    const before = Date.now();
    const result = await spawnNode([cli, 'run', job, '--only', 'Count', '--json'], { cwd: root, env: { STEP_MS: '20' } }).finished;
    const after = Date.now();
    expect(result.code, result.stderr).to.equal(0);
    const body = JSON.parse(result.stdout) as { ok: boolean; startedAt: string; endedAt: string; tasks: Array<{ name: string; startedAt: string; durationMs: number }> };
    expect(result.stderr).to.match(/bigrays: Count started/).and.to.match(/bigrays: Count ok/);
    expect(result.stdout).not.to.contain('bigrays: Count');
    const started = Date.parse(body.startedAt);
    const ended = Date.parse(body.endedAt);
    const task = Date.parse(body.tasks[0].startedAt);
    expect(body.startedAt).to.match(/Z$/);
    expect(started).to.be.within(before, after);
    expect(task).to.be.within(started, ended);
    expect(ended).to.be.within(task + body.tasks[0].durationMs, after);
  });
});
