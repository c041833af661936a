/**
 * better-sqlite3 built for another Node.js: `bigrays run` says so once, before any task runs,
 * however many SQLite databases the job names. Needs a Node.js of another major version than
 * the one that built better-sqlite3 here: BIGRAYS_TEST_OTHER_NODE, else one npx has installed
 * (`npx -p node@22 node -v`); pending without one.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../../../support/cli';

/** A node binary of another major version than this one, if this machine has one. */
function otherNode(): string | undefined {
  const given = process.env.BIGRAYS_TEST_OTHER_NODE;
  if (given) return given;
  const cache = path.join(homedir(), '.npm', '_npx');
  if (!existsSync(cache)) return undefined;
  const mine = process.versions.node.split('.')[0];
  for (const dir of readdirSync(cache)) {
    const bin = path.join(cache, dir, 'node_modules', 'node', 'bin', 'node');
    const pkg = path.join(cache, dir, 'node_modules', 'node', 'package.json');
    if (!existsSync(bin) || !existsSync(pkg)) continue;
    const version = (require(pkg) as { version: string }).version;
    if (version.split('.')[0] !== mine) return bin;
  }
  return undefined;
}

function run(node: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BIGRAYS_')));
    execFile(node, args, { cwd, env: { ...clean, ...env }, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('better-sqlite3 built for another Node.js', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-native-'));
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules', 'bigrays'), 'dir');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should say how to rebuild it once, before any task runs, for a job with two SQLite databases', async function () {
    const node = otherNode();
    if (!node) return this.skip();
    writeFileSync(path.join(dir, 'job.ts'), [
      "import { register, SQLExecute, SQLQuery } from 'bigrays';",
      "@register class First extends SQLExecute { statement = 'create table t (x int)'; }",
      `@register class Second extends SQLQuery { query = 'select 1'; override resourceConfig = { DB_DSN: 'sqlite:${path.join(dir, 'other.sqlite')}' }; }`,
    ].join('\n'));
    const result = await run(node, [path.join(root, 'dist/cli/main.js'), 'run', 'job.ts'], dir, { BIGRAYS_DB_DSN: `sqlite:${path.join(dir, 'first.sqlite')}` });
    expect(result.code, result.stderr).to.equal(2);
    const told = result.stderr.match(/needs better-sqlite3's native module/g) ?? [];
    expect(told, result.stderr).to.have.length(1);
    expect(result.stderr).to.match(/which did not load \(The module '.*better_sqlite3\.node' was compiled against a different Node\.js version/);
    expect(result.stderr).not.to.contain('did not self-register');
    expect(result.stderr).to.contain('npm rebuild better-sqlite3');
    expect(existsSync(path.join(dir, 'first.sqlite')), 'a database opened').to.equal(false);
  });
});
