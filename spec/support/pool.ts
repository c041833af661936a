/**
 * Runs independent pieces of work a few at a time: processes a spec spawns spend much of their
 * life starting up and waiting, so two or three side by side finish sooner than one after
 * another, without crowding a small machine.
 */

/** A queue that starts at most `limit` of the work given to it at once. */
export interface Pool {
  /** Starts `work` when fewer than `limit` are running; resolves or rejects as it does. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** How many spawned processes specs run side by side. */
export const SPAWN_CONCURRENCY = 3;

export function pool(limit = SPAWN_CONCURRENCY): Pool {
  let running = 0;
  const waiting: Array<() => void> = [];
  const next = (): void => {
    running -= 1;
    waiting.shift()?.();
  };
  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = (): void => {
          running += 1;
          work().then(resolve, reject).finally(next);
        };
        if (running < limit) start();
        else waiting.push(start);
      });
    },
  };
}
