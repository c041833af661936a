/** Spawns a job as its own process, as production runs it, and watches what it prints and how it ends. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the spawn to the exit. */
  elapsedMs: number;
}

export interface Spawned {
  child: ChildProcess;
  /** Resolves once the output so far matches `pattern`. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited. */
  finished: Promise<Finished>;
  /** When the process started. */
  started: number;
  stdout(): string;
  stderr(): string;
}

/** Runs `args` with node, no BIGRAYS_* config but what `env` gives, DEBUG off. */
export function spawnNode(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Spawned {
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
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      wake();
      resolve({ code, signal, stdout: out, stderr: err, elapsedMs: Date.now() - started });
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
  return { child, printed, finished, started, stdout: () => out, stderr: () => err };
}

/** `elapsed ms` as the spec output shows measured times. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
