/**
 * What a killed job leaves beside a file it was writing, and what the next run does with it:
 * the job runs as its own process and is killed with SIGKILL (as the OOM killer does), so
 * nothing of it runs to clean up.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../support/cli';
import { spawnNode } from '../support/spawn';

const job = path.join(root, 'spec/fixtures/faults/file-export.mjs');
const expected = Array.from({ length: 8 }, (_, n) => `${String(n).repeat(1024 * 1024 - 1)}\n`).join('');

describe('ToCSV temp files after kill -9, in a job of its own', function () {
  this.timeout(60_000);
  let dir: string;
  let sleeper: ChildProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-tempfiles-'));
  });
  afterEach(() => {
    sleeper?.kill('SIGKILL');
    sleeper = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const temps = (): string[] => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

  it('should name its temp file after its process, and the next run should remove it once that process is gone, sparing a live one', async () => {
    const out = path.join(dir, 'events.csv');
    const killed = spawnNode([job], { cwd: root, env: { OUT_FILE: out, STALL: '1' } });
    await killed.printed(/stalled/);
    const deadline = Date.now() + 20_000;
    while (temps().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    killed.child.kill('SIGKILL');
    const ended = await killed.finished;
    expect(ended.signal).to.equal('SIGKILL');

    const [left] = temps();
    expect(left, 'the killed job left its temp file').to.be.a('string');
    const owner = new RegExp(`^\\.events\\.csv\\.bigrays-[a-z0-9_]+-${killed.child.pid}-[0-9a-f]{8}\\.tmp$`);
    expect(left).to.match(owner);

    // A temp file of a live process of this host: the same name with a live pid.
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    const live = left.replace(`-${killed.child.pid}-`, `-${sleeper.pid}-`);
    writeFileSync(path.join(dir, live), 'still being written');

    const again = spawnNode([job], { cwd: root, env: { OUT_FILE: out } });
    const result = await again.finished;
    expect(result.code, result.stderr).to.equal(0);
    expect(readFileSync(out, 'utf8') === expected, 'the target is complete').to.equal(true);
    expect(temps()).to.deep.equal([live]);
    expect(readFileSync(path.join(dir, live), 'utf8')).to.equal('still being written');
  });
});
