/** The built package as users load it: `require('bigrays')` and `import 'bigrays'`. */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freshPostgresDsn } from './support/sql-hooks';

const root = path.resolve(__dirname, '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

/**
 * Runs `args` with node as in a project where the packages `hidden` are not installed (Node's
 * own "not found" error, to require() and import() alike), with `env` and no other BIGRAYS_* config.
 */
function withoutPackages(hidden: string[], args: string[], env: Record<string, string> = {}, cwd = root): { status: number | null; out: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BIGRAYS_')));
  const result = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...clean,
      ...env,
      DEBUG: '',
      BIGRAYS_TEST_HIDE: hidden.join(','),
      NODE_OPTIONS: `--require ${path.join(root, 'spec/support/hide-packages.cjs')}`,
    },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** A job that marks its first task ran, then runs one SQL task of `kind`. */
function sqlJob(kind: 'SQLQuery' | 'SQLExecute', useFrame = false): string {
  return `
    const { register, bigraysRun, Task, SQLQuery, SQLExecute } = require('bigrays');
    class First extends Task { run() { console.log('First ran'); } }
    class Sql extends ${kind} { query = 'select 1 as one'; statement = 'select 1'; }
    class Use extends Task { input = Sql.output; run() { console.log('rows ' + this.input.shape[0]); ${useFrame ? 'return this.input.head(1);' : ''} } }
    register(First); register(Sql); ${kind === 'SQLQuery' ? 'register(Use);' : ''}
    bigraysRun().then(() => console.log('ok'), (error) => {
      console.log((error.taskName ? error.taskName + ': ' : '') + error.name + ': ' + error.message);
      process.exitCode = 1;
    });
  `;
}

describe('the package', () => {
  it('should load with require() and run a job', () => {
    const out = node(['-e', `
      const { register, bigraysRun, Task, outputOf } = require('bigrays');
      class A extends Task { run() { return 20; } }
      class B extends Task { input = A.output; run() { return this.input + 1; } }
      register(A); register(B);
      bigraysRun().then((r) => console.log(outputOf(B), r.tasks.map((t) => t.status).join()));
    `]);
    expect(out).to.equal('21 ok,ok');
  });

  it('should load no SQL, AWS, CSV or DataFrame library until a task needs one', () => {
    const heavy = /node_modules\/(knex|@aws-sdk|csv-stringify|csv-parse|danfojs-node|hyparquet-writer|pg)\//;
    const loaded = (code: string): string[] =>
      JSON.parse(node(['-e', `process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; Promise.resolve(${code}).then(() => console.log(JSON.stringify(Object.keys(require.cache))))`])) as string[];
    expect(loaded("require('bigrays')").filter((file) => heavy.test(file))).to.deep.equal([]);
    // Used, they load: an S3 task's client brings the AWS SDK.
    const used = loaded("new (require('bigrays').S3Resource)().open({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' })");
    expect(used.some((file) => /node_modules\/@aws-sdk\/client-s3\//.test(file))).to.equal(true);
  });

  it('should load with import, sharing one registry with require()', () => {
    const out = node(['--input-type=module', '-e', `
      import { register, registeredTasks, Task, BigraysError } from 'bigrays';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('bigrays');
      class A extends Task { run() {} }
      register(A);
      console.log(cjs.registeredTasks()[0] === A, cjs.BigraysError === BigraysError, typeof registeredTasks);
    `]);
    expect(out).to.equal('true true function');
  });

  it('should load its ES module entry from code compiled to CommonJS too (tsx)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-esm-entry-'));
    try {
      const file = path.join(dir, 'entry.ts');
      writeFileSync(file, `import { register, Task } from ${JSON.stringify(path.join(root, 'dist/index.mjs'))};\nconsole.log(typeof register, typeof Task);\n`);
      expect(execFileSync(path.join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, encoding: 'utf8' }).trim()).to.equal('function function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should build its `bigrays` bin with the run bit, so a folder install runs it too', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = path.join(root, pkg.bin.bigrays);
    expect(statSync(bin).mode & 0o111).to.equal(0o111);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).to.equal(true);
    expect(execFileSync(bin, ['--help'], { encoding: 'utf8' })).to.match(/^Usage: bigrays /);
  });

  describe('optional packages', () => {
    it('should declare the packages only some jobs need as optional peers, which this repository installs', () => {
      const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
      const optional = ['better-sqlite3', 'danfojs-node', 'fauxqs', 'mysql2', 'tedious'];
      expect(Object.keys(pkg.peerDependencies).sort()).to.deep.equal(optional);
      for (const name of optional) {
        expect(pkg.peerDependenciesMeta[name], name).to.deep.equal({ optional: true });
        expect(pkg.dependencies[name], name).to.equal(undefined);
        expect(pkg.devDependencies[name], name).to.equal(pkg.peerDependencies[name]);
      }
    });

    it('should run an SQLQuery without danfojs-node, and say how to install it when the job uses the DataFrame, naming the task', async () => {
      const dsn = await freshPostgresDsn();
      const plain = withoutPackages(['danfojs-node'], ['-e', sqlJob('SQLQuery')], { BIGRAYS_DB_DSN: dsn });
      expect(plain.out).to.match(/rows 1\s+ok/);
      expect(plain.status).to.equal(0);
      const { status, out } = withoutPackages(['danfojs-node'], ['-e', sqlJob('SQLQuery', true)], { BIGRAYS_DB_DSN: dsn });
      expect(status).to.equal(1);
      // The SQLQuery ran; the task that used its DataFrame failed.
      expect(out).to.match(/First ran\s+rows 1\s+ConfigurationError/);
      expect(out).to.contain(
        "ConfigurationError: A DataFrame (SQLQuery's output, say) needs the danfojs-node package, which is not installed: run " +
          '`npm pkg set overrides.@tensorflow/tfjs-node=npm:@tensorflow/tfjs@3.21.0 overrides.xlsx=0.18.5 && npm pkg set allowScripts.core-js=false --json && npm install danfojs-node`',
      );
    });

    it('should run SQL that makes no DataFrame without danfojs-node', async () => {
      const { status, out } = withoutPackages(['danfojs-node'], ['-e', sqlJob('SQLExecute')], { BIGRAYS_DB_DSN: await freshPostgresDsn() });
      expect(out).to.match(/First ran\s+ok/);
      expect(status).to.equal(0);
    });

    const drivers = [
      { hide: 'better-sqlite3', dsn: 'sqlite::memory:', engine: 'A SQLite database' },
      { hide: 'tedious', dsn: 'mssql://sa:Driver-Secret-1@127.0.0.1:1/db', engine: 'A SQL Server database' },
      { hide: 'pg', dsn: 'postgres://u:Driver-Secret-1@127.0.0.1:1/db', engine: 'A PostgreSQL database' },
    ];
    for (const { hide, dsn, engine } of drivers) {
      it(`should say how to install ${hide} before any task runs when the DSN needs it`, () => {
        const { status, out } = withoutPackages([hide], ['-e', sqlJob('SQLExecute')], { BIGRAYS_DB_DSN: dsn });
        expect(status).to.equal(1);
        expect(out).not.to.contain('First ran');
        expect(out).to.contain(`ConfigurationError: ${engine} (BIGRAYS_DB_DSN) needs the ${hide} package, which is not installed: run \`npm install ${hide}\``);
        expect(out).not.to.contain('Driver-Secret-1');
      });
    }

    it("should say how to build better-sqlite3 before any task runs when its native module does not load", () => {
      // better-sqlite3 finds its compiled module through `bindings`: without it, as without a build, it cannot open a database.
      const { status, out } = withoutPackages(['bindings'], ['-e', sqlJob('SQLExecute')], { BIGRAYS_DB_DSN: 'sqlite::memory:' });
      expect(status).to.equal(1);
      expect(out).not.to.contain('First ran');
      expect(out).to.contain("ConfigurationError: A SQLite database (BIGRAYS_DB_DSN) needs better-sqlite3's native module, which did not load (Cannot find module 'bindings'): run `npm pkg set allowScripts.better-sqlite3=true --json && npm rebuild better-sqlite3`");
    });

    it('should say how to install fauxqs when `bigrays run --local` needs it, exiting 2', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-no-fauxqs-'));
      try {
        writeFileSync(path.join(dir, 'job.js'), "const { register, ToS3 } = require('bigrays');\nregister(class Up extends ToS3 { input = 'x'; bucket = 'b'; key = 'k'; });\n");
        const { status, out } = withoutPackages(['fauxqs'], [path.join(root, 'dist/cli/main.js'), 'run', 'job.js', '--local'], {}, dir);
        expect(out).to.contain('`bigrays run --local` (S3 and SNS on an emulator) needs the fauxqs package, which is not installed: run `npm install --save-dev fauxqs`');
        expect(status).to.equal(2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('should ship type declarations for the public API', () => {
    const pkg = require(path.join(root, 'package.json')) as { types: string; exports: Record<string, Record<string, string>> };
    expect(pkg.exports['.'].types).to.equal('./dist/index.d.ts');
    const dts = require('node:fs').readFileSync(path.join(root, 'dist/index.d.ts'), 'utf8') as string;
    expect(dts).to.contain('bigraysRun').and.to.contain('BigraysConfig').and.to.contain('outputOf');
  });
});
