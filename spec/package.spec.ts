/** The built package as users load it: `require('bigrays')` and `import 'bigrays'`. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
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
    const file = path.join(require('node:os').tmpdir(), `bigrays-esm-entry-${process.pid}.ts`);
    require('node:fs').writeFileSync(file, `import { register, Task } from ${JSON.stringify(path.join(root, 'dist/index.mjs'))};\nconsole.log(typeof register, typeof Task);\n`);
    expect(execFileSync(path.join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, encoding: 'utf8' }).trim()).to.equal('function function');
  });

  it('should ship type declarations for the public API', () => {
    const pkg = require(path.join(root, 'package.json')) as { types: string; exports: Record<string, Record<string, string>> };
    expect(pkg.exports['.'].types).to.equal('./dist/index.d.ts');
    const dts = require('node:fs').readFileSync(path.join(root, 'dist/index.d.ts'), 'utf8') as string;
    expect(dts).to.contain('bigraysRun').and.to.contain('BigraysConfig').and.to.contain('outputOf');
  });
});
