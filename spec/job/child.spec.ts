/**
 * How `bigrays run` starts: the command loads no more than it needs, a JavaScript job runs on
 * plain node, a TypeScript job through tsx, and a job that needs more than it gets says so.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../support/cli';
import { spawnNode, type Finished } from '../support/spawn';

const cli = path.join(root, 'dist/cli/main.js');
const job = (name: string): string => path.join(root, 'spec/fixtures/jobs', name);

interface Loaded {
  entry: string;
  execArgv: string[];
  modules: string[];
}

describe('starting a job', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-loading-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function bigrays(args: string[], env: Record<string, string> = {}, cwd = root): Promise<Finished> {
    return spawnNode([cli, ...args], { cwd, env }).finished;
  }

  /** Runs the command with every process of it telling what it loaded: the one that ran the job (entry: the job, or the job's process), and the command's own. */
  async function loadedBy(jobFile: string, args: string[] = []): Promise<{ result: Finished; processes: Loaded[]; job: Loaded; command?: Loaded }> {
    const modules = path.join(dir, 'modules');
    mkdirSync(modules);
    const result = await bigrays(['run', jobFile, ...args], {
      NODE_OPTIONS: `--require ${path.join(root, 'spec/support/loaded-modules.cjs')}`,
      BIGRAYS_TEST_MODULES_DIR: modules,
    });
    const processes = readdirSync(modules).map((file) => JSON.parse(readFileSync(path.join(modules, file), 'utf8')) as Loaded);
    const ran = processes.find((p) => p.entry === jobFile || /[\\/]job[\\/]child\.js$/.test(p.entry));
    expect(ran, JSON.stringify(processes.map((p) => p.entry))).not.to.equal(undefined);
    return { result, processes, job: ran!, command: processes.find((p) => p.entry === cli) };
  }

  /** A project of its own in `dir`: this package.json, bigrays installed (linked), and `job.ts`. */
  function project(packageJson: string, job: string): void {
    writeFileSync(path.join(dir, 'package.json'), `${packageJson}\n`);
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules', 'bigrays'), 'dir');
    writeFileSync(path.join(dir, 'job.ts'), job);
  }

  const from = (loaded: Loaded, pattern: RegExp): string[] => loaded.modules.filter((file) => pattern.test(file));
  const TSX = /node_modules[\\/](tsx|esbuild)[\\/]/;

  const UNUSED = /node_modules[\\/](@aws-sdk|knex|pg|pg-cursor|mysql2|better-sqlite3|tedious|danfojs-node|debug)[\\/]/;

  it('should run the job in the command\'s own process, with tsx for TypeScript and no AWS SDK or SQL library the job does not use', async () => {
    const { result, processes, job: ran } = await loadedBy(job('greet.ts'));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('job finished');
    expect(processes.map((p) => p.entry)).to.deep.equal([job('greet.ts')]);
    expect(from(ran, TSX)).not.to.deep.equal([]);
    expect(from(ran, UNUSED)).to.deep.equal([]);
    expect(ran.execArgv).to.deep.equal([]);
  });

  it('should run a JavaScript job on plain node, without tsx', async () => {
    for (const name of ['plain.mjs', 'plain.cjs']) {
      const { result, processes, job: ran } = await loadedBy(job(name));
      expect(result.code, `${name}: ${result.stderr}`).to.equal(0);
      expect(result.stdout, name).to.contain('the answer is 42');
      expect(processes, name).to.have.length(1);
      expect(from(ran, TSX), name).to.deep.equal([]);
      expect(ran.execArgv, name).to.deep.equal([]);
      // Logging is off (no DEBUG): its library is not loaded either.
      expect(from(ran, UNUSED), name).to.deep.equal([]);
      rmSync(path.join(dir, 'modules'), { recursive: true });
    }
  });

  it('should run the job in a process of its own with --json, the command loading no tsx, AWS SDK, SQL library or task code', async () => {
    const { result, command, job: child } = await loadedBy(job('greet.ts'), ['--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ ok: true });
    expect(command, 'the command\'s process').not.to.equal(undefined);
    expect(child.entry).to.match(/[\\/]job[\\/]child\.js$/);
    expect(from(command!, /node_modules[\\/]/)).to.deep.equal([]);
    expect(from(command!, /[\\/]dist[\\/](tasks|resources|data)[\\/]/)).to.deep.equal([]);
    expect(command!.execArgv).to.deep.equal([]);
    // The job's process: TypeScript through tsx's require hook, loaded by the job's process itself.
    expect(from(child, TSX)).not.to.deep.equal([]);
    expect(child.execArgv).to.deep.equal([]);
  });

  it('should log what the job\'s run does with DEBUG=bigrays*', async () => {
    const result = await bigrays(['run', job('plain.mjs')], { DEBUG: 'bigrays*' });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/bigrays:run running Answer/);
    expect(result.stderr).to.match(/bigrays:run run finished in \d+ms: 1 ok/);
  });

  it('should run a CommonJS TypeScript job that imports TypeScript on the fly', async () => {
    const result = await bigrays(['run', job('dynamic-import.ts')]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('the answer is 42');
    expect(result.stdout).to.match(/^Answer\s+ok/m);
  });

  it('should run a .ts job with top-level await in a "type": "module" package', async () => {
    project('{ "type": "module" }',
      "import { bigraysRun, register, Task } from 'bigrays';\n" +
        'class Answer extends Task<number> { run(): number { return 42; } }\n' +
        'register(Answer);\n' +
        'const report = await bigraysRun();\n' +
        'console.log(`after the run: ${report.tasks[0].status} ${Answer.output}`);\n',
    );
    const result = await bigrays(['run', 'job.ts'], {}, dir);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('after the run: ok 42');
  });

  it('should run a .ts job with top-level await and decorators in a CommonJS project (npm init -y), as an ES module', async () => {
    project('{ "name": "etl", "version": "1.0.0", "main": "index.js", "type": "commonjs" }',
      "import { bigraysRun, register, Task } from 'bigrays';\n" +
        '@register class Answer extends Task<number> { run(): number { return 42; } }\n' +
        'const report = await bigraysRun();\n' +
        'console.log(`after the run: ${report.tasks[0].status} ${Answer.output} ${typeof import.meta.url}`);\n',
    );
    const result = await bigrays(['run', 'job.ts'], {}, dir);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('after the run: ok 42 string');
  });

  it('should say how to load TypeScript that a JavaScript job imports, and exit 2', async () => {
    const result = await bigrays(['run', job('imports-ts.mjs')]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('could not load the job');
    expect(result.stderr).to.contain('Unknown file extension ".ts"');
    expect(result.stderr).to.contain('a JavaScript job runs on plain node');
    expect(result.stderr).to.contain('write the job in TypeScript, .ts or .mts');
  });
});
