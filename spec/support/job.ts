/**
 * Runs a job script as its own process (`node --import tsx`), as production runs it, so that a
 * spec can break what it depends on while it runs and see how, and how fast, it ends.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

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

/** Starts `spec/fixtures/faults/<name>.ts` with no BIGRAYS_* config but `env`; kills it after `limitMs`. */
export function startJob(name: string, env: Record<string, string>, limitMs = 20_000): Job {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BIGRAYS_')));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'spec/fixtures/faults', `${name}.ts`)], {
    cwd: root,
    env: { ...clean, DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let since = Date.now();
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stdout)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, limitMs);
  const exited = new Promise<JobResult>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - since, killed });
    });
  });
  return {
    printed: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stdout)) return resolve();
        waiters.push({ pattern, resolve });
        void exited.then((result) =>
          reject(new Error(`the job exited (${String(result.code)}) before printing ${pattern}:\n${result.stdout}\n${result.stderr}`)),
        );
      }),
    exited,
    markFault: () => {
      since = Date.now();
    },
  };
}

/** Prints how long the job took to exit, so the figure shows in the test output. */
export function showExit(result: JobResult): void {
  console.log(`      (exited ${String(result.code)} in ${(result.ms / 1000).toFixed(1)} s)`);
}
