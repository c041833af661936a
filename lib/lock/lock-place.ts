/** A place a job's run lock lives in (./open-lock-place.ts picks it), as a run tries to take the lock. */

/** A lock this run holds. */
export interface HeldLock {
  /**
   * Resolves to why the lock is no longer this run's, or undefined while it is (a lease is
   * renewed now, a connection asked); never rejects.
   */
  check(): Promise<string | undefined>;
  /** Lets go of the lock and everything it kept open; never rejects. */
  release(): Promise<void>;
}

/** One try: the lock taken, or who holds it (as `describeHolder` words it, or what is known). */
export type LockAttempt = { held: HeldLock } | { holder: string };

/** Told once, with why, when a lock this run holds is lost while it runs. */
export type OnLockLost = (why: string) => void;

export interface LockPlace {
  /** Where the lock is, for messages (never a secret). */
  readonly where: string;
  /** Tries once to take the lock; `lost` is told if the lock taken is lost later. */
  tryTake(lost: OnLockLost): Promise<LockAttempt>;
  /** Lets go of what trying kept open, when the lock was not taken; never rejects. */
  close(): Promise<void>;
}
