/**
 * How the job's process loads a job script. JavaScript runs on plain node, as `node job.mjs`
 * would run it. TypeScript goes through tsx, registered by the job's process once bigrays
 * itself has loaded (so that tsx's hooks see the job's own files only): a CommonJS script
 * (`.cts`, or `.ts` outside a `"type": "module"` package) through tsx's require hook alone,
 * which starts in a fraction of the time its ES module loader takes; an ES module, a script
 * that calls `import()` itself, or any other extension, through both, as `node --import tsx`
 * would run it.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'node:module';

/** `node`: plain node; `tsx-require`: tsx's require hook (the script is `require`d); `tsx`: tsx in full. */
export type JobLoader = 'node' | 'tsx-require' | 'tsx';

const JAVASCRIPT = new Set(['.js', '.mjs', '.cjs']);
/** A dynamic `import(…)` in the script's text: its targets may need tsx's ES module loader. */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

/** Whether the nearest package.json above `file` says `"type": "module"`. */
function inModulePackage(file: string): boolean {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return true; // unreadable: tsx in full says why
      }
    }
    if (dir === dirname(dir)) return false;
  }
}

function callsImport(file: string): boolean {
  try {
    return DYNAMIC_IMPORT.test(readFileSync(file, 'utf8'));
  } catch {
    return true;
  }
}

/** How `job` (an absolute path) is loaded. */
export function jobLoader(job: string): JobLoader {
  const ext = extname(job);
  if (JAVASCRIPT.has(ext)) return 'node';
  const commonJs = ext === '.cts' || (ext === '.ts' && !inModulePackage(job));
  return commonJs && !callsImport(job) ? 'tsx-require' : 'tsx';
}

/**
 * In the job's process: registers tsx (bigrays' own dependency) as `loader` needs it, as
 * `node --require tsx/cjs` or `node --import tsx` would, unless the process was started with
 * tsx (or another TypeScript loader) already.
 */
export async function registerTsx(loader: Exclude<JobLoader, 'node'>): Promise<void> {
  if (require.extensions['.ts'] !== undefined) return;
  if (!tsxCacheWritable()) process.env.TSX_DISABLE_CACHE = '1';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (loader === 'tsx-require') require('tsx/cjs');
  else await import(tsxUrl());
}

/**
 * Whether tsx can keep what it compiles in its cache, a folder of the OS temp folder (keyed
 * by each file's content, so an edited job is compiled again). Where that folder cannot be
 * written (a read-only file system, TMPDIR naming no folder), tsx would fail to load the job:
 * it then compiles without its cache.
 */
function tsxCacheWritable(): boolean {
  if (process.env.TSX_DISABLE_CACHE) return true;
  const dir = join(tmpdir(), `tsx-${process.geteuid?.() ?? userInfo().username}`);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function tsxUrl(): string {
  return pathToFileURL(require.resolve('tsx')).href;
}

/** The node arguments that start a process with tsx in full (`node --import tsx`). */
export function tsxImportArgs(): string[] {
  return ['--import', tsxUrl()];
}

/** What esbuild says of a top-level `await` in a script it compiles to CommonJS (nothing of the script ran). */
const TOP_LEVEL_AWAIT = /Top-level await is currently not supported with the "cjs" output format/;

/** Whether loading a TypeScript job failed only because its package makes it CommonJS and it awaits at its top level. */
export function needsModuleFormat(job: string, error: unknown): boolean {
  return jobLoader(job) !== 'node' && TOP_LEVEL_AWAIT.test(String((error as Error | null)?.message ?? error));
}

/**
 * A loader hook that gives the job's own file the ES module format, whatever its package's
 * `type` says (the job's other files keep theirs).
 */
const MODULE_FORMAT_HOOK = `
let job;
export function initialize(data) { job = data.job; }
export async function load(url, context, nextLoad) {
  return nextLoad(url, url === job ? { ...context, format: 'module' } : context);
}`;

/**
 * Imports a TypeScript job as an ES module, as if it were a \`.mts\` file: for a \`.ts\` job with
 * a top-level \`await\` in a project without \`"type": "module"\`.
 */
export async function importAsModule(job: string): Promise<void> {
  await import(tsxUrl());
  const url = pathToFileURL(job).href;
  register(`data:text/javascript,${encodeURIComponent(MODULE_FORMAT_HOOK)}`, { data: { job: url } });
  await import(url);
}
