/**
 * `npm run bench:startup [-- --repeat N]`: how long bigrays takes to start. Runs each case N
 * times (default 15), one round of all cases after another so that a busy machine weighs on
 * them alike, and prints the median and fastest wall time of each, with what it adds to bare
 * node. The cases: bare `node -e ''`, `require('bigrays')`, `import('bigrays')`, and
 * `bigrays run` of a one-task job, as JavaScript (job.mjs) and as TypeScript (job.ts): through
 * node (node dist/cli/main.js), through the bin npm links (node_modules/.bin/bigrays, the way
 * the README says to run a job, with the goals), and, for comparison, through npx and an npm
 * script (each starts npm first). Needs the build (`npm run build`). Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const main = path.join(root, 'dist', 'cli', 'main.js');

interface Case {
  name: string;
  /** The program (node, unless it says) and its arguments. */
  args: string[];
  command?: string;
  /** The start-up goal, in ms: what loading may add to bare node, or what a run may take in all. */
  goal?: { over: number } | { total: number };
}

/** The bin npm links into a project's node_modules/.bin, as the README says to run it. */
const BIN = path.join('node_modules', '.bin', 'bigrays');
const NPX = path.join(path.dirname(process.execPath), 'npx');

const CASES: Case[] = [
  { name: 'bare node', args: ['-e', ''] },
  { name: "require('bigrays')", args: ['-e', "require('bigrays')"], goal: { over: 100 } },
  { name: "import('bigrays')", args: ['--input-type=module', '-e', "await import('bigrays')"], goal: { over: 100 } },
  { name: 'node main.js run job.mjs', args: [main, 'run', 'job.mjs'] },
  { name: 'node main.js run job.ts', args: [main, 'run', 'job.ts'] },
  { name: `${BIN} run job.mjs`, command: BIN, args: ['run', 'job.mjs'], goal: { total: 250 } },
  { name: `${BIN} run job.ts`, command: BIN, args: ['run', 'job.ts'], goal: { total: 300 } },
  { name: 'npx bigrays run job.ts', command: NPX, args: ['bigrays', 'run', 'job.ts'] },
  { name: 'npm run etl (bigrays run job.ts)', command: path.join(path.dirname(process.execPath), 'npm'), args: ['run', '--silent', 'etl'] },
];

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A project folder with the two jobs, an npm script `etl` running job.ts, and `node_modules/bigrays` (and its bin) pointing at this checkout. */
function jobFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-startup-'));
  mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(root, path.join(dir, 'node_modules', 'bigrays'), 'dir');
  symlinkSync(path.join('..', 'bigrays', 'dist', 'cli', 'main.js'), path.join(dir, BIN));
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'startup', private: true, scripts: { etl: 'bigrays run job.ts' } }, null, 2)}\n`);
  writeFileSync(path.join(dir, 'job.mjs'), "import { register, Task } from 'bigrays';\nclass One extends Task { run() { return 42; } }\nregister(One);\n");
  writeFileSync(path.join(dir, 'job.ts'), "import { register, Task } from 'bigrays';\nclass One extends Task<number> { run(): number { return 42; } }\nregister(One);\n");
  return dir;
}

/** One run of a case: its wall time in ms; throws if it fails. */
function once(one: Case, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(one.command ?? process.execPath, one.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${one.name} exited with ${code}:\n${out}`));
      if (one.args.includes('run') && !/1 ok, 0 failed/.test(out)) return reject(new Error(`${one.name} did not run its task:\n${out}`));
      resolve(ms);
    });
  });
}

async function run(): Promise<void> {
  if (!existsSync(main)) throw new Error('bench/startup.ts measures the build: run `npm run build` first');
  const repeat = Number(option('repeat') ?? 15);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat takes a whole number of runs, got ${option('repeat')}`);
  const dir = jobFolder();
  const times = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
  try {
    for (const one of CASES) await once(one, dir); // warm the disk cache
    for (let round = 0; round < repeat; round++) {
      for (const one of CASES) times.get(one.name)!.push(await once(one, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bare = median(times.get('bare node')!);
  const width = Math.max(...CASES.map((c) => c.name.length));
  console.log(`node ${process.version}, ${repeat} runs each (median, fastest):\n`);
  for (const one of CASES) {
    const list = times.get(one.name)!;
    const mid = median(list);
    const over = one.name === 'bare node' ? '' : `  +${(mid - bare).toFixed(0).padStart(4)} ms over bare node`;
    let goal = '';
    if (one.goal && 'over' in one.goal) goal = `  (goal: +${one.goal.over} ms, ${mid - bare <= one.goal.over ? 'met' : 'MISSED'})`;
    if (one.goal && 'total' in one.goal) goal = `  (goal: ${one.goal.total} ms in all, ${mid <= one.goal.total ? 'met' : 'MISSED'})`;
    console.log(`${one.name.padEnd(width)}  ${mid.toFixed(0).padStart(5)} ms  ${Math.min(...list).toFixed(0).padStart(5)} ms${over}${goal}`);
  }
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
