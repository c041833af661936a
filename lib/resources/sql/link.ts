/**
 * The SQL session's one driver connection: whether it is still there, how to cancel what runs
 * on it, and how to stop waiting for it. A session is never reopened behind the job's back:
 * once its connection is lost, its temp tables and session settings are gone, so every later
 * operation on it fails instead of running on a different session.
 */
import { envName } from '../../config';
import { ResourceError, TaskError } from '../../errors';
import { logger } from '../../log';
import type { SqlDialect } from './dialect';
import type { Guard, LimitKey, SessionLimits, SilenceLimit } from './limits';
import { watchSilence, within } from '../../timing';

export { within };

const log = logger('resource:sql');

/** How long cleanup (closing a cursor, sending a cancel, ending the pool) may wait for a reply. */
export const CLEANUP_MS = 2_000;

/** The error an aborted operation rejects with: the signal's reason when it is an Error. */
export function abortError(signal: AbortSignal, what: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new TaskError(`${what} was aborted${reason === undefined ? '' : `: ${String(reason)}`}`);
}

/** What a connection dropped for its server's silence was lost to, as errors say it. */
export const NO_ANSWER = 'no answer from the server';

/** Why the connection was dropped, naming the setting to raise. */
function silenceError(limit: SilenceLimit, silentMs: number): Error {
  const what =
    limit.key === 'DB_STATEMENT_TIMEOUT_MS'
      ? `a statement got no answer for ${silentMs} ms, longer than its limit of ${limitHint(limit.key, limit.ms)}`
      : `no bytes moved for ${limitHint(limit.key, limit.ms)}`;
  return new Error(`${what}; the connection was dropped (raise the setting if the server is only slow)`);
}

type LostListener = (error: ResourceError) => void;

/** The session's one connection and what became of it. */
export class SessionLink {
  private lostHow?: string;
  private lostCause?: unknown;
  private readonly listeners = new Set<LostListener>();
  /** Set when the session closes on purpose: the end of the connection is then no loss. */
  closing = false;
  /** How many waits on a load's input are under way: the client, not the server, is silent then. */
  private inputWaits = 0;

  constructor(
    /** The driver connection (a pg `Client`, a better-sqlite3 `Database`, a tedious `Connection`). */
    readonly connection: unknown,
    /** Where it connects, without credentials (`host:port/database`). */
    readonly address: string,
    private readonly dialect: SqlDialect,
    /** The driver connection settings (credentials included: never log them). */
    private readonly settings: Record<string, unknown>,
    readonly limits: SessionLimits,
  ) {
    dialect.watch(connection, (how, cause) => this.markLost(how, cause));
  }

  /** Whether the connection was lost (errored, ended, or replaced). */
  get lost(): boolean {
    return this.lostHow !== undefined;
  }

  /** Records that the connection is gone; operations in progress fail now. */
  markLost(how: string, cause?: unknown): void {
    if (this.closing || this.lostHow !== undefined) return;
    this.lostHow = how;
    this.lostCause = cause;
    log('the connection to %s was lost (%s): %s', this.address, how, describe(cause));
    // A connection that is gone is not worth a polite goodbye: drop it, so nothing waits on it.
    this.kill();
    const error = this.lostError();
    for (const listener of [...this.listeners]) listener(error);
    this.listeners.clear();
  }

  /** The error of an operation that was running when the connection was lost. */
  lostError(taskName?: string): ResourceError {
    const reason = describe(this.lostCause);
    return new ResourceError(
      `${prefix(taskName)}the connection to ${this.address} was lost (${this.lostHow ?? 'closed'})${reason ? `: ${reason}` : ''}`,
      { cause: this.lostCause, taskName },
    );
  }

  /** The error of an operation that starts on a session whose connection was lost before. */
  goneError(taskName?: string): ResourceError {
    return new ResourceError(
      `${prefix(taskName)}the SQL session's connection to ${this.address} was lost earlier (${this.lostHow ?? 'closed'}), ` +
        'and with it its temp tables and session settings (search_path, SET …): this task would run on a different ' +
        'session, so bigrays does not reconnect behind its back. Run the job again to start on a new session',
      { cause: this.lostCause, taskName },
    );
  }

  /** Calls `listener` when the connection is lost; returns how to stop listening. */
  onLost(listener: LostListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** The cancel request last sent, until it is out: the next statement waits for it, so it cannot be the one cancelled. */
  cancelling?: Promise<void>;

  /** Asks the server to cancel the statement running on the connection; never waits long, never throws. */
  cancel(): Promise<void> {
    if (this.lost) return Promise.resolve();
    log('cancelling the statement running on %s', this.address);
    const sent = Promise.resolve()
      .then(() => this.dialect.cancel(this.connection, this.settings))
      .catch((error: unknown) => log('could not cancel on %s: %s', this.address, describe(error)));
    return within(sent, CLEANUP_MS).then(() => undefined);
  }

  /** Drops the connection without waiting for any reply. */
  kill(): void {
    try {
      this.dialect.kill(this.connection);
    } catch (error) {
      log('could not drop the connection to %s: %s', this.address, describe(error));
    }
  }

  /** Drops the connection when no byte moves on it for `limit` (none: not watched); returns how to stop watching. */
  private watchSilence(limit: SilenceLimit | undefined): () => void {
    const bytesMoved = this.dialect.bytesMoved;
    if (!limit || !bytesMoved) return () => undefined;
    return watchSilence(
      () => bytesMoved(this.connection),
      limit.ms + (limit.marginMs ?? 0),
      (silentMs) => this.markLost(NO_ANSWER, silenceError(limit, silentMs)),
      () => this.inputWaits > 0,
    );
  }

  /**
   * A guard for one operation: `signal` aborting cancels the statement on the server and
   * rejects the operation at once; a lost connection rejects it at once; with a `limit`, each
   * wait it runs drops the connection (and fails) once no byte moves on it for that long.
   */
  guard(
    signal: AbortSignal | undefined,
    taskName: string | undefined,
    what: string,
    translate: (error: unknown) => unknown,
    limit?: SilenceLimit,
  ): Guard {
    const check = (): void => {
      if (this.lost) throw this.lostError(taskName);
      if (signal?.aborted) throw abortError(signal, what);
    };
    const run = <T>(work: Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        let settled = false;
        let stopLost = (): void => undefined;
        let stopWatch = (): void => undefined;
        const finish = (): boolean => {
          if (settled) return false;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          stopLost();
          stopWatch();
          return true;
        };
        const onAbort = (): void => {
          if (!finish()) return;
          this.cancelling = this.cancel();
          reject(abortError(signal!, what));
        };
        const onLost = (): void => {
          if (finish()) reject(this.lostError(taskName));
        };
        work.then(
          (value) => {
            if (finish()) resolve(value);
          },
          (error: unknown) => {
            if (!finish()) return;
            if (this.dialect.isConnectionError(error)) this.markLost(lostHow(error), error);
            if (this.lost) reject(this.lostError(taskName));
            else if (signal?.aborted) reject(abortError(signal, what));
            else reject(translate(error));
          },
        );
        if (settled) return;
        if (this.lost) return onLost();
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        const unsubscribe = this.onLost(onLost);
        stopLost = () => void unsubscribe();
        stopWatch = this.watchSilence(limit);
      });
    const input = async <T>(wait: Promise<T>): Promise<T> => {
      this.inputWaits += 1;
      try {
        return await wait;
      } finally {
        this.inputWaits -= 1;
      }
    };
    return { run, check, input };
  }
}

function prefix(taskName: string | undefined): string {
  return taskName ? `${taskName}: ` : '';
}

function describe(cause: unknown): string {
  if (cause === undefined || cause === null) return '';
  return cause instanceof Error ? cause.message : String(cause);
}

/** How a connection was lost, in words, from the error that showed it. */
export function lostHow(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = describe(error);
  if (code === '57P01' || code === '57P02' || code === '57P03' || /terminating connection/i.test(message)) return 'terminated by the server';
  if (code === 'ECONNRESET' || /ECONNRESET|reset/i.test(message)) return 'reset';
  if (code === 'ETIMEDOUT' || /ETIMEDOUT/.test(message)) return 'timed out';
  // A write to a socket the other end has closed: the server went away between two reads.
  if (code === 'EPIPE' || /EPIPE/.test(message)) return 'closed by the server or the network';
  if (/terminated unexpectedly|ended unexpectedly|Connection terminated|closed/i.test(message)) return 'closed by the server or the network';
  return 'connection error';
}

/** The env var that raises a deadline, as messages name it. */
export function limitHint(key: LimitKey, ms: number): string {
  return `${ms} ms, set by ${envName(key)}`;
}
