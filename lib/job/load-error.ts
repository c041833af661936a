/**
 * Why a job script did not load, in one line that says where: the file, line and column of a
 * syntax error (esbuild's, or node's), or of the first line of the job's own code in the stack
 * of an error its top level threw (`job.ts:4:9: TypeError: …`).
 */
import { spawnSync } from 'node:child_process';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** esbuild's failed transform (tsx): `Transform failed with N error(s):\n<file>:<line>:<col>: ERROR: <text>`. */
const ESBUILD = /^Transform failed with (\d+) errors?:\n(.+?):(\d+):(\d+): ERROR: ([^\n]*)/;
/** node's syntax error header, in a CommonJS module's stack or `node --check`'s output: `<file>:<line>\n<source>\n<spaces>^`. */
const NODE_HEADER = /^(.+?):(\d+)\n[^\n]*\n( *)\^/m;
/** A stack frame's place: `at fn (<file>:<line>:<col>)` or `at <file>:<line>:<col>`. */
const FRAME = /^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

/** bigrays' own files (this copy's built folder); frames in them are not the job's. */
const OWN = resolve(__dirname, '..');

function fileOf(location: string): string {
  return location.startsWith('file://') ? fileURLToPath(location) : location;
}

/** The first frame of `stack` in the job's own code: not node's, not a package's, not bigrays'. */
export function ownFrame(stack: string): string | undefined {
  for (const line of stack.split('\n')) {
    const frame = FRAME.exec(line);
    if (!frame) continue;
    const file = fileOf(frame[1]);
    if (!isAbsolute(file) || /[\\/]node_modules[\\/]/.test(file) || file.startsWith(`${OWN}/`) || file.startsWith(`${OWN}\\`)) continue;
    return `${file}:${frame[2]}:${frame[3]}`;
  }
  return undefined;
}

/** Where node says a JavaScript file's syntax error is, checking the file in a process of its own. */
function checkSyntax(job: string): string | undefined {
  const checked = spawnSync(process.execPath, ['--check', job], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, NODE_OPTIONS: '' } });
  const header = NODE_HEADER.exec(checked.stderr ?? '');
  return header ? `${fileOf(header[1])}:${header[2]}:${header[3].length + 1}` : undefined;
}

/** A path as the user sees it: the job as the command was given it (the command puts it back), others relative to here. */
function userLocation(location: string, job: string): string {
  const withoutExt = (p: string): string => p.slice(0, p.length - extname(p).length);
  const match = /^(.*):(\d+):(\d+)$/.exec(location);
  if (!match) return location;
  let file = match[1];
  // tsx names an .mts/.cts job's file with .ts in esbuild's errors.
  if (file !== job && withoutExt(file) === withoutExt(job)) file = job;
  if (file !== job) {
    const near = relative(process.cwd(), file);
    if (!near.startsWith('..') && !isAbsolute(near)) file = near;
  }
  return `${file}:${match[2]}:${match[3]}`;
}

/**
 * The message for a job that failed to load: `message` (the error's, secrets already masked)
 * prefixed with where the error is, when that is known.
 */
export function loadErrorMessage(error: unknown, job: string, message: string): string {
  const name = error instanceof Error ? error.name : 'Error';
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const esbuild = ESBUILD.exec(message);
  if (esbuild) {
    const more = Number(esbuild[1]) - 1;
    // esbuild counts columns from 0; node, editors and stack traces from 1.
    return `${userLocation(`${esbuild[2]}:${esbuild[3]}:${Number(esbuild[4]) + 1}`, job)}: SyntaxError: ${esbuild[5]}${more > 0 ? ` (and ${more} more ${more === 1 ? 'error' : 'errors'})` : ''}`;
  }
  // What follows a missing module's message is the chain of requires: the stack says it.
  const text = message.replace(/\nRequire stack:\n[\s\S]*$/, '');
  const label = name === 'Error' ? text : `${name}: ${text}`;
  let where: string | undefined;
  if (name === 'SyntaxError') {
    const header = NODE_HEADER.exec(stack);
    if (header) where = `${fileOf(header[1])}:${header[2]}:${header[3].length + 1}`;
    else if (['.js', '.mjs', '.cjs'].includes(extname(job))) where = checkSyntax(job);
  }
  where ??= ownFrame(stack);
  return where === undefined ? label : `${userLocation(where, job)}: ${label}`;
}
