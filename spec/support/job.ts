/**
 * Runs a job script as its own process (`node --import tsx`), as production runs it, so that a
 * spec can break what it depends on while it runs and see how, and how fast, it ends.
 */
import * as path from 'node:path';
import { spawnNode } from './spawn';

export const root = path.resolve(__dirname, '../..');

export interface JobResult {
  /** The exit code; null when the spec had to kill the job. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from `since` (default: the start) to the exit. */
  ms: number;
  /** Whether the job outlived `limitMs` and was killed. */
  killed: boolean;
}

export interface Job {
  /** Resolves when the job prints a line matching `pattern` on stdout. */
  printed(pattern: RegExp): Promise<void>;
  /** Resolves when the job has exited (or was killed after `limitMs`). */
  exited: Promise<JobResult>;
  /** Measures the exit time from now on (the moment a fault is caused). */
  markFault(): void;
}

/**
 * Starts `spec/fixtures/faults/<name>.ts` with no BIGRAYS_* config but `env`, and node's
 * `nodeArgs` (`--max-old-space-size=…`); kills it after `limitMs`.
 */
export function startJob(name: string, env: Record<string, string>, limitMs = 60_000, nodeArgs: string[] = []): Job {
  const run = spawnNode([...nodeArgs, '--import', 'tsx', path.join(root, 'spec/fixtures/faults', `${name}.ts`)], { cwd: root, env, limitMs });
  return {
    printed: (pattern) => run.printed(pattern),
    exited: run.finished.then(({ code, stdout, stderr, sinceMarkMs, killed }) => ({ code, stdout, stderr, ms: sinceMarkMs, killed })),
    markFault: run.mark,
  };
}

/** Prints how long the job took to exit, so the figure shows in the test output. */
export function showExit(result: JobResult): void {
  console.log(`      (exited ${String(result.code)} in ${(result.ms / 1000).toFixed(1)} s)`);
}
