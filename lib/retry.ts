/**
 * Which failures can pass (a dropped connection, a timeout, throttling, a 5xx), and how long
 * to wait before trying again.
 */

/** Socket and DNS error codes of a failure that may not happen again. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'EADDRNOTAVAIL',
  // tedious
  'ESOCKET', 'ETIMEOUT',
]);

/** Error names and codes AWS and the SDK use for throttling and timeouts. */
const TRANSIENT_NAMES = new Set([
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'Throttling', 'ThrottlingException',
  'ThrottledException', 'TooManyRequestsException', 'SlowDown', 'RequestLimitExceeded',
  'ProvisionedThroughputExceededException', 'RequestThrottled', 'RequestThrottledException',
  'InternalError', 'ServiceUnavailable', 'KnexTimeoutError',
]);

/**
 * PostgreSQL SQLSTATEs (and classes) of failures that can pass: connection exceptions (08…),
 * the server shutting down (57P01–57P03), too many connections (53300), and a transaction
 * rolled back by a serialization failure or deadlock (40001, 40P01).
 */
function transientSqlState(code: string): boolean {
  return /^08/.test(code) || ['57P01', '57P02', '57P03', '53300', '40001', '40P01'].includes(code);
}

export interface ErrorShape {
  code?: unknown;
  name?: unknown;
  errno?: unknown;
  transient?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

/** Whether `error`, or an error in its chain of causes, satisfies `test`. */
export function someCause(error: unknown, test: (shape: ErrorShape) => boolean): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 8; e = (e as ErrorShape).cause, depth++) {
    if (test(e as ErrorShape)) return true;
  }
  return false;
}

/** Whether `error`, or an error it was caused by, is one that can pass. */
export function isTransient(error: unknown): boolean {
  return someCause(error, (shape) => {
    if (shape.transient === true || shape.$retryable !== undefined) return true;
    if (typeof shape.code === 'string' && (TRANSIENT_CODES.has(shape.code) || transientSqlState(shape.code))) return true;
    if (typeof shape.name === 'string' && TRANSIENT_NAMES.has(shape.name)) return true;
    const status = shape.$metadata?.httpStatusCode;
    return status !== undefined && (status >= 500 || status === 429);
  });
}

/** Whether `error`, or its cause, says the store was throttling (the request was refused, not done). */
export function isThrottling(error: unknown): boolean {
  return someCause(error, (shape) =>
    (typeof shape.name === 'string' && /thrott|SlowDown|TooManyRequests|RequestLimitExceeded/i.test(shape.name)) ||
    shape.$metadata?.httpStatusCode === 429);
}

/** The wait before try `attempt + 1` (attempt ≥ 1): `base × 2^(attempt-1)`, with jitter down to half of it. */
export function retryDelay(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const full = baseMs * 2 ** (attempt - 1);
  return Math.round(full / 2 + (random() * full) / 2);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
