/** Spawns a job as its own process, as production runs it, and watches what it prints and how it ends. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the spawn to the exit. */
  elapsedMs: number;
  /** From the last `mark()` (the moment a fault was caused; else the spawn) to the exit. */
  sinceMarkMs: number;
  /** Whether the process outlived its limit and was killed. */
  killed: boolean;
}

export interface Spawned {
  child: ChildProcess;
  /** Resolves once the output so far matches `pattern`. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited. */
  finished: Promise<Finished>;
  /** When the process started. */
  started: number;
  /** Measures `sinceMarkMs` from now on (call it when causing the fault). */
  mark(): void;
  stdout(): string;
  stderr(): string;
}

/**
 * Runs `args` with node, no BIGRAYS_* config but what `env` gives, DEBUG off; kills it with
 * SIGKILL if it outlives `limitMs` (default 60 s), so that a hang fails the spec, not the run.
 */
export function spawnNode(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; limitMs?: number } = {},
): Spawned {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BIGRAYS_') || k.startsWith('BIGRAYS_TEST_')));
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...clean, DEBUG: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    wake();
  });
  let marked = started;
  let killed = false;
  const limit = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, options.limitMs ?? 60_000);
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      wake();
      const now = Date.now();
      resolve({ code, signal, stdout: out, stderr: err, elapsedMs: now - started, sinceMarkMs: now - marked, killed });
    });
  });
  let exited = false;
  void finished.then(() => {
    exited = true;
  });
  const printed = (pattern: RegExp, timeoutMs = 30_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const limit = setTimeout(() => reject(new Error(`not printed within ${timeoutMs} ms: ${pattern}\nstdout: ${out}\nstderr: ${err}`)), timeoutMs);
      const check = (): void => {
        if (pattern.test(out) || pattern.test(err)) {
          clearTimeout(limit);
          resolve();
        } else if (exited) {
          clearTimeout(limit);
          reject(new Error(`exited before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`));
        } else waiters.push(check);
      };
      check();
    });
  const mark = (): void => {
    marked = Date.now();
  };
  return { child, printed, finished, started, mark, stdout: () => out, stderr: () => err };
}

/** `elapsed ms` as the spec output shows measured times. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
