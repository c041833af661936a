/**
 * The deadlines a SQL session works to and the guard its driver work runs under: what the
 * session, its link and every dialect speak of, with no code of their own.
 */

/** The deadlines a session works to (config `DB_CONNECT_TIMEOUT_MS`, `DB_STATEMENT_TIMEOUT_MS`, `DB_IDLE_TIMEOUT_MS`). */
export interface SessionLimits {
  connectMs: number;
  statementMs?: number;
  idleMs: number;
}

/** The config keys of a session's deadlines. */
export type LimitKey = 'DB_CONNECT_TIMEOUT_MS' | 'DB_STATEMENT_TIMEOUT_MS' | 'DB_IDLE_TIMEOUT_MS';

/**
 * How long an operation may wait with no byte moving on the connection. A server that stops
 * answering (a stopped process, a hung host whose kernel still holds the connection) sends no
 * error and no reset: only this ends the wait.
 */
export interface SilenceLimit {
  /** The setting, as messages name it. */
  key: LimitKey;
  /** Its value, in ms. */
  ms: number;
  /** Added to `ms` before the client gives up, so that a server that is there speaks first (its own timeout). */
  marginMs?: number;
}

/** Watches one operation's driver work: an abort or a lost connection rejects it at once. */
export interface Guard {
  /** Settles with `work`, or rejects as soon as the signal aborts or the connection is lost. */
  run<T>(work: Promise<T>): Promise<T>;
  /** Throws when the signal aborted or the connection was lost. */
  check(): void;
  /** Settles with `wait`, a wait on the operation's input (the next rows of a load): the connection's silence meanwhile is not the server's. */
  input<T>(wait: Promise<T>): Promise<T>;
}
