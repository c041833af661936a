/**
 * The `bigrays` command explains itself, spawned as a user runs it: each command's --help, one
 * line for a usage error with what was probably meant, --dotenv, and a job that does not
 * load said with its file and line.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../support/cli';
import { spawnNode, type Finished } from '../support/spawn';

const cli = path.join(root, 'dist/cli/main.js');

describe('the bigrays command explains itself', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-usage-'));
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules', 'bigrays'), 'dir');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function bigrays(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Finished> {
    return spawnNode([...nodeArgs, cli, ...args], { cwd: dir, env }).finished;
  }

  function write(name: string, lines: string[]): string {
    writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
    return name;
  }

  describe('help', () => {
    it('should print each command\'s usage for --help / -h and exit 0', async () => {
      const [top, run, runShort, config, helpRun] = await Promise.all([
        bigrays(['--help']),
        bigrays(['run', '--help']),
        bigrays(['run', 'job.ts', '--dry-run', '-h']),
        bigrays(['config', '--help']),
        bigrays(['help', 'run']),
      ]);
      for (const result of [top, run, runShort, config, helpRun]) {
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.equal('');
      }
      expect(top.stdout).to.match(/^Usage: bigrays <command>/).and.to.contain('bigrays <command> --help');
      expect(run.stdout).to.match(/^Usage: bigrays run <job.ts\|job.js> \[options\]/);
      for (const flag of ['--set key=value', '--only Task', '--from Task', '--dry-run', '--local', '--json', '--dotenv FILE']) {
        expect(run.stdout, flag).to.match(new RegExp(`\\n  ${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\S`));
      }
      expect(run.stdout).to.contain('Exit codes: 0 success');
      expect(runShort.stdout).to.equal(run.stdout);
      expect(helpRun.stdout).to.equal(run.stdout);
      expect(config.stdout).to.match(/^Usage: bigrays config/).and.to.match(/\n {2}--json +print the list as JSON/);
    });

    it('should print the short usage to stderr and exit 2 for bigrays alone', async () => {
      const result = await bigrays([]);
      expect(result.code).to.equal(2);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.match(/^Usage: bigrays run <job.ts\|job.js> \[options\]\n/).and.to.contain('see `bigrays --help`');
      expect(result.stderr.trim().split('\n')).to.have.length.below(5);
    });
  });

  describe('usage errors', () => {
    it('should say what is wrong in one line, with what was probably meant and where the help is, and exit 2', async () => {
      const cases: Array<[string[], string]> = [
        [['run', 'job.ts', '--dryrun'], 'bigrays run: unknown option --dryrun (did you mean --dry-run?)\nsee `bigrays run --help`\n'],
        [['run', 'job.ts', '--jsno'], 'bigrays run: unknown option --jsno (did you mean --json?)\nsee `bigrays run --help`\n'],
        [['rnu', 'job.ts'], 'bigrays: unknown command `rnu` (did you mean `run`?); the commands: run, config, state, help\nsee `bigrays --help`\n'],
        [['config', '--jsn'], 'bigrays config: unknown option --jsn (did you mean --json?)\nsee `bigrays config --help`\n'],
        [['run'], 'bigrays run: name the job script: bigrays run <job.ts|job.js>\nsee `bigrays run --help`\n'],
        [['run', 'job.ts', '--set', 'novalue'], 'bigrays run: --set takes key=value, got `novalue`\nsee `bigrays run --help`\n'],
      ];
      const results = await Promise.all(cases.map(([args]) => bigrays(args)));
      cases.forEach(([args, expected], i) => {
        expect(results[i].code, args.join(' ')).to.equal(2);
        expect(results[i].stderr, args.join(' ')).to.equal(expected);
        expect(results[i].stdout, args.join(' ')).to.equal('');
      });
    });

    it('should name the close task name for an --only or --from name the job does not have', async () => {
      const job = write('job.ts', [
        "import { register, Task } from 'bigrays';",
        '@register class Extract extends Task { run() { return 1; } }',
        '@register class Load extends Task { run() { return 2; } }',
      ]);
      const [only, from] = await Promise.all([bigrays(['run', job, '--only', 'Lode']), bigrays(['run', job, '--from', 'extract'])]);
      expect(only.code).to.equal(2);
      expect(only.stderr).to.contain('no task named `Lode` (did you mean `Load`?) in this job; its tasks: Extract, Load');
      expect(from.code).to.equal(2);
      expect(from.stderr).to.contain('no task named `extract` (did you mean `Extract`?) in this job');
    });
  });

  describe('--dotenv', () => {
    it('should load the files into the job\'s environment, values already set winning, and never print them', async () => {
      const db = path.join(dir, 'state.sqlite');
      write('job.ts', [
        "import { register, SQLQuery } from 'bigrays';",
        "console.log(`greeting=${process.env.GREETING} shared=${process.env.SHARED} mine=${process.env.MINE}`);",
        "@register class Pull extends SQLQuery { query = 'select 1 as one'; }",
      ]);
      write('first.env', ['# the job\'s database', `export BIGRAYS_DB_DSN=sqlite:${db}`, 'GREETING="hello there" # a comment', 'SHARED=from-first', 'MINE=from-file']);
      write('second.env', ['SHARED=from-second', 'BIGRAYS_AWS_SECRET_ACCESS_KEY=Env-File-Secret-5']);
      const [result, without, config] = await Promise.all([
        bigrays(['run', 'job.ts', '--dotenv', 'first.env', '--dotenv=second.env'], { MINE: 'from-env' }),
        bigrays(['run', 'job.ts']),
        bigrays(['config', '--dotenv', 'second.env']),
      ]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain('greeting=hello there shared=from-second mine=from-env');
      expect(result.stdout).to.match(/^Pull\s+ok/m);

      // Without the file, the job lacks its configuration.
      expect(without.code).to.equal(2);
      expect(without.stderr).to.contain('BIGRAYS_DB_DSN');

      expect(config.code, config.stderr).to.equal(0);
      expect(config.stdout).to.match(/BIGRAYS_AWS_SECRET_ACCESS_KEY\s+= \*\*\*/);
      for (const out of [result, config]) expect(out.stdout + out.stderr).not.to.contain('Env-File-Secret-5');
    });

    it('should refuse a file that is not there, naming it, and exit 2', async () => {
      write('job.ts', ["import { register, Task } from 'bigrays';", '@register class A extends Task { run() { return 1; } }']);
      const [run, config] = await Promise.all([bigrays(['run', 'job.ts', '--dotenv', 'missing.env']), bigrays(['config', '--dotenv=missing.env'])]);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.equal('bigrays run: --dotenv missing.env: no such file\nsee `bigrays run --help`\n');
      expect(config.code).to.equal(2);
      expect(config.stderr).to.equal('bigrays config: --dotenv missing.env: no such file\nsee `bigrays config --help`\n');
    });

    it('should still read --env-file, its former name, where node lets it through, and say why it was renamed', async () => {
      write('job.ts', ["import { register, Task } from 'bigrays';", '@register class A extends Task { run() { console.log(`said=${process.env.SAID}`); } }']);
      write('old.env', ['SAID=from-old-spelling']);
      const [old, missing] = await Promise.all([
        bigrays(['run', 'job.ts', '--env-file', 'old.env']),
        bigrays(['run', 'job.ts', '--env-file', 'missing.env']),
      ]);
      expect(old.code, old.stderr).to.equal(0);
      expect(old.stdout).to.contain('said=from-old-spelling');
      expect(old.stderr).to.contain('Note: --env-file is now --dotenv: node reads --env-file itself, anywhere on the command line, and stops (exit 9)');
      // node (20, 22, 24) takes `--env-file` anywhere on its command line as its own, and stops
      // on a missing file before bigrays starts: the reason for the new name.
      expect(missing.code).to.equal(9);
      expect(missing.stderr).to.contain('missing.env: not found');
      expect(missing.stdout).to.equal('');
    });
  });

  describe('a job that does not load', () => {
    it('should say the file, line and column of a syntax error, in TypeScript and JavaScript', async () => {
      const broken = 'class Broken extends Task { run() { return ( ; } }';
      const column = broken.indexOf(';') + 1;
      write('syntax.ts', ["import { Task } from 'bigrays';", '', broken]);
      write('syntax.mts', ["import { Task } from 'bigrays';", '', broken]);
      write('syntax.mjs', ["import { Task } from 'bigrays';", '', broken]);
      write('syntax.cjs', ["const { Task } = require('bigrays');", '', broken]);
      const names = ['syntax.ts', 'syntax.mts', 'syntax.mjs', 'syntax.cjs'];
      const results = await Promise.all(names.map((name) => bigrays(['run', name])));
      names.forEach((name, i) => {
        expect(results[i].code, name).to.equal(2);
        expect(results[i].stderr, name).to.match(new RegExp(`could not load the job ${name}: ${name}:3:${column}: SyntaxError: Unexpected (token )?['"];['"]\\n`));
        expect(results[i].stderr, name).not.to.match(/\n\s+at /);
      });
    });

    it('should say where the job\'s own code threw at its top level, the full stack with DEBUG=bigrays*', async () => {
      const lines = [
        "import { register, Task } from 'bigrays';",
        '@register class A extends Task { run() { return 1; } }',
        'function setup(): void {',
        "  throw new TypeError('no settings for today');",
        '}',
        'setup();',
      ];
      write('throws.ts', lines);
      write('throws.mjs', lines.map((l) => l.replace('@register ', '').replace('(): void', '()')));
      write('helper.ts', ['export const value = 1;', "if (value) throw new RangeError('helper refused');"]);
      write('uses-helper.ts', ["import { value } from './helper';", 'console.log(value);']);
      const column = lines[3].indexOf('new TypeError') + 1; // where the error was made
      const [ts, mjs, helper, debug] = await Promise.all([
        bigrays(['run', 'throws.ts']),
        bigrays(['run', 'throws.mjs']),
        bigrays(['run', 'uses-helper.ts']),
        bigrays(['run', 'throws.ts'], { DEBUG: 'bigrays*' }),
      ]);
      for (const [result, name] of [[ts, 'throws.ts'], [mjs, 'throws.mjs']] as const) {
        expect(result.code, name).to.equal(2);
        expect(result.stderr, name).to.contain(`could not load the job ${name}: ${name}:4:${column}: TypeError: no settings for today\n`);
        expect(result.stderr, name).not.to.match(/\n\s+at /);
      }
      // Thrown in a file the job imports: that file's line.
      expect(helper.code).to.equal(2);
      expect(helper.stderr).to.contain('could not load the job uses-helper.ts: helper.ts:2:');
      expect(helper.stderr).to.contain('RangeError: helper refused');
      // DEBUG: the same line, then the stack, through the job's lines.
      expect(debug.code).to.equal(2);
      expect(debug.stderr).to.contain(`could not load the job throws.ts: throws.ts:4:${column}: TypeError: no settings for today\n`);
      expect(debug.stderr).to.match(new RegExp(`\\n\\s+at setup \\(.*throws\\.ts:4:${column}\\)`));
    });

    it('should say where a missing import is, without the chain of requires, and mask secrets', async () => {
      write('imports.ts', ["import { register, Task } from 'bigrays';", "import { helper } from './nope';", '@register class A extends Task { run() { return helper(); } }']);
      write('secret.ts', ["throw new Error(`cannot reach ${process.env.BIGRAYS_DB_DSN}`);"]);
      const [imports, secret] = await Promise.all([
        bigrays(['run', 'imports.ts']),
        bigrays(['run', 'secret.ts'], { BIGRAYS_DB_DSN: 'postgres://etl:Load-Secret-3@db/x' }),
      ]);
      expect(imports.code).to.equal(2);
      expect(imports.stderr).to.match(/could not load the job imports\.ts: imports\.ts:2:\d+: Cannot find module '\.\/nope'\n/);
      expect(imports.stderr).not.to.contain('Require stack');
      expect(secret.code).to.equal(2);
      expect(secret.stderr).to.contain('could not load the job secret.ts: secret.ts:1:7: cannot reach postgres://etl:***@db/x');
      expect(secret.stderr).not.to.contain('Load-Secret-3');
    });
  });
});
