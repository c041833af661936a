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
