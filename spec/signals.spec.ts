/** SIGINT and SIGTERM to a plain `node job.mjs`: the run stops, resources close, the signal ends the process. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from './support/cli';
import { seconds, spawnNode } from './support/spawn';

const job = path.join(root, 'spec/fixtures/signals/waits.mjs');

describe('signals to a job run with node', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-signals-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`should stop the running task on ${signal}, skip the rest, close the resource, print the summary and end by the signal (${code})`, async () => {
      const closed = path.join(dir, 'closed');
      const run = spawnNode([job], { cwd: root, env: { MARK_CLOSED: closed } });
      await run.printed(/waiting/);
      const sent = Date.now();
      run.child.kill(signal);
      const result = await run.finished;
      const took = Date.now() - sent;
      console.log(`      (${signal}: ended in ${seconds(took)})`);
      // Ended by the signal itself: a shell reports 128 + its number.
      expect(result.signal ?? result.code, result.stderr).to.be.oneOf([signal, code]);
      expect(took).to.be.below(10_000);
      expect(result.stderr).to.match(/^Prepare\s+ok/m).and.to.match(/^Wait\s+failed/m).and.to.match(/^After\s+skipped/m);
      expect(result.stderr).to.contain(`interrupted by ${signal}`);
      expect(result.stdout).not.to.contain('After ran');
      // The job's own code after the run does not go on as if nothing happened.
      expect(result.stdout).not.to.contain('the job went on');
      expect(existsSync(closed) && readFileSync(closed, 'utf8')).to.equal('closed');
    });
  }

  it('should exit at once on a second signal while the stopped task is still winding down', async () => {
    const run = spawnNode([job], { cwd: root, env: { IGNORE_SIGNAL: '1' } });
    await run.printed(/waiting/);
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const second = Date.now();
    run.child.kill('SIGINT');
    const result = await run.finished;
    const took = Date.now() - second;
    console.log(`      (second signal: ended in ${seconds(took)})`);
    expect(result.code).to.equal(130);
    // At once: well before the 8 s wind-down the first signal allows.
    expect(took).to.be.below(5_000);
  });

  it('should end a task that ignores its signal within the wind-down time and still close the resource', async () => {
    const closed = path.join(dir, 'closed');
    const run = spawnNode([job], { cwd: root, env: { IGNORE_SIGNAL: '1', MARK_CLOSED: closed } });
    await run.printed(/waiting/);
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const result = await run.finished;
    const took = Date.now() - sent;
    console.log(`      (task ignoring its signal: ended in ${seconds(took)})`);
    expect(result.signal ?? result.code).to.be.oneOf(['SIGTERM', 143]);
    expect(took).to.be.below(10_000);
    expect(readFileSync(closed, 'utf8')).to.equal('closed');
  });

  it('should fail a task whose promise nothing can settle, where node would end the job as if it were done', async () => {
    const mark = path.join(dir, 'after.txt');
    const result = await spawnNode([path.join(root, 'spec/fixtures/signals/never-settles.mjs')], { cwd: root, env: { MARK: mark } }).finished;
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.contain('bigrays run failed: task Work failed');
    expect(result.stderr).to.contain("name: 'After', status: 'skipped'");
    expect(result.stderr).to.contain('Work never finished: its run() was still waiting when the process had nothing left that could end the wait');
    expect(result.stdout).to.contain('the task started').and.not.to.contain('the job went on');
    expect(existsSync(mark)).to.equal(false);
  });

  it('should end a stalled run whose resource cannot close either with status 1, after the interrupt\'s close limit', async () => {
    const sent = Date.now();
    const result = await spawnNode([path.join(root, 'spec/fixtures/signals/never-settles-close.mjs')], { cwd: root }).finished;
    const took = Date.now() - sent;
    console.log(`      (stalled, its close stalled too: ended in ${seconds(took)})`);
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).to.contain('closing').and.not.to.contain('the job went on');
    expect(result.stderr).to.contain('Work never finished');
    // The close is given up on after 4 s, as after a signal; well within the 10 s the process is kept for it.
    expect(took).to.be.below(20_000);
  });

  it('should not call a run stalled when the job\'s own beforeExit listener starts what settles its task', async () => {
    const result = await spawnNode([path.join(root, 'spec/fixtures/signals/never-settles-close.mjs')], { cwd: root, env: { LATE_FLUSH: '1' } }).finished;
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('the job went on: Work ok');
    expect(result.stderr).not.to.contain('never finished');
  });

  it('should leave the default signal handling alone when no run is in progress', async () => {
    const run = spawnNode(['-e', "require('bigrays'); process.stdout.write('loaded\\n'); setTimeout(() => {}, 60000)"], { cwd: root });
    await run.printed(/loaded/);
    run.child.kill('SIGTERM');
    const result = await run.finished;
    expect(result.signal).to.equal('SIGTERM');
  });
});
