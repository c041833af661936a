/** Runs the built `bigrays` command as a user would, with no BIGRAYS_* config but what a spec gives. */
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

/**
 * Runs `bigrays …args` without blocking: other commands (and the spec's own emulator) run while
 * it does. Resolves when the command has exited (killed after 90 s).
 */
export async function spawnCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const { code, stdout, stderr } = await spawnNode([cli, ...args], { cwd: options.cwd ?? root, env: options.env, limitMs: LIMIT_MS }).finished;
  return { status: code, stdout, stderr };
}
