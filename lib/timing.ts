/** Waiting with a bound. */

/**
 * Waits for `work` to settle, but at most `ms`: resolves to true when it settled in time, false
 * when the wait ran out. Never rejects, and its timer keeps no process alive.
 */
export function within(work: Promise<unknown> | unknown, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    const settle = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    Promise.resolve(work).then(settle, settle);
  });
}

/**
 * Calls `onSilent` once `progress()` (a count of bytes moved) has not changed for `ms`, the time
 * `paused()` says true not counted; returns how to stop watching. Polls, so it never touches the
 * stream it watches; its timer keeps no process alive.
 */
export function watchSilence(progress: () => number, ms: number, onSilent: (silentMs: number) => void, paused: () => boolean = () => false): () => void {
  let last = progress();
  let since = Date.now();
  const timer = setInterval(() => {
    const now = progress();
    if (now !== last || paused()) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= ms) {
      clearInterval(timer);
      onSilent(Date.now() - since);
    }
  }, Math.max(20, Math.min(1_000, Math.floor(ms / 10))));
  timer.unref();
  return () => clearInterval(timer);
}
