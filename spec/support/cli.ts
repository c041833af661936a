/** Runs the built `bigrays` command as a user would, with no BIGRAYS_* config but what a spec gives. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { spawnNode } from './spawn';

export const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli/main.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** How long a command may run before it is killed (a hang then fails the spec, not the run). */
const LIMIT_MS = 90_000;

export function runCli(args: string[], options: CliOptions = {}): CliResult {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BIGRAYS_') || k.startsWith('BIGRAYS_TEST_')));
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? root,
    env: { ...clean, DEBUG: '', ...options.env },
    encoding: 'utf8',
    timeout: LIMIT_MS,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `runCli` without blocking: other commands (and the spec's own emulator) run while it does. */
export async function spawnCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const { code, stdout, stderr } = await spawnNode([cli, ...args], { cwd: options.cwd ?? root, env: options.env, limitMs: LIMIT_MS }).finished;
  return { status: code, stdout, stderr };
}
