/**
 * A TypeScript job's compiled code, kept by tsx in its cache under the OS temp folder: an
 * edited job runs as edited, a temp folder that cannot be written only costs the cache, and
 * runs at the same time share it without harm.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root, spawnCli, type CliResult } from '../support/cli';

describe('the compiled code of a TypeScript job', function () {
  this.timeout(90_000);
  let dir: string;
  let temp: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-ts-cache-'));
    temp = path.join(dir, 'tmp');
    mkdirSync(temp);
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules', 'bigrays'), 'dir');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** job.ts, whose one task returns `answer` and prints it. */
  function writeJob(answer: string): void {
    writeFileSync(path.join(dir, 'job.ts'), [
      "import { register, Task } from 'bigrays';",
      'const answer: string = ' + JSON.stringify(answer) + ';',
      '@register class Answer extends Task<string> { run(): string { console.log(`answer: ${answer}`); return answer; } }',
      '',
    ].join('\n'));
  }

  const run = (tmp: string = temp): Promise<CliResult> => spawnCli(['run', 'job.ts', '-q'], { cwd: dir, env: { TMPDIR: tmp, TSX_DISABLE_CACHE: undefined } });
  const cached = (): string[] => readdirSync(temp).flatMap((sub) => readdirSync(path.join(temp, sub)));

  it('should run the job as edited, each edit compiled once into the cache', async () => {
    writeJob('first');
    const first = await run();
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.contain('answer: first');
    const files = cached().length;
    expect(files, 'the compiled job is cached').to.be.above(0);

    const again = await run();
    expect(again.stdout).to.contain('answer: first');
    expect(cached().length, 'nothing new to compile').to.equal(files);

    writeJob('second');
    const edited = await run();
    expect(edited.status, edited.stderr).to.equal(0);
    expect(edited.stdout).to.contain('answer: second');
    expect(edited.stdout).not.to.contain('answer: first');
    expect(cached().length, 'the edited job compiled and cached').to.be.above(files);
  });

  it('should run the job without the cache when the temp folder cannot be written', async () => {
    writeJob('no cache');
    const file = path.join(dir, 'not-a-folder');
    writeFileSync(file, '');
    for (let i = 0; i < 2; i++) {
      const result = await run(path.join(file, 'tmp'));
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).to.contain('answer: no cache');
    }
  });

  it('should run two jobs at once on one cache, and the next run on what they left', async () => {
    writeJob('together');
    const both = await Promise.all([run(), run()]);
    for (const result of both) {
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).to.contain('answer: together');
      expect(result.stdout).to.match(/^Answer\s+ok/m);
    }
    const next = await run();
    expect(next.status, next.stderr).to.equal(0);
    expect(next.stdout).to.contain('answer: together');
  });
});
