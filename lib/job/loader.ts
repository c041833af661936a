/**
 * How the job's process loads a job script. JavaScript runs on plain node, as `node job.mjs`
 * would run it. TypeScript goes through tsx, registered by the job's process once bigrays
 * itself has loaded (so that tsx's hooks see the job's own files only): a CommonJS script
 * (`.cts`, or `.ts` outside a `"type": "module"` package) through tsx's require hook alone,
 * which starts in a fraction of the time its ES module loader takes; an ES module, a script
 * that calls `import()` itself, or any other extension, through both, as `node --import tsx`
 * would run it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (loader === 'tsx-require') require('tsx/cjs');
  else await import(tsxUrl());
}

function tsxUrl(): string {
  return pathToFileURL(require.resolve('tsx')).href;
}

/** The node arguments that start a process with tsx in full (`node --import tsx`). */
export function tsxImportArgs(): string[] {
  return ['--import', tsxUrl()];
}
