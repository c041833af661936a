/**
 * Why a SQL session could not connect, as a `ResourceError` says it: where to (never the
 * password), what happened (refused, not found, no answer in time, the server's own word), and
 * what to check or which setting to raise.
 */
import { envName, type ConfigValues } from '../../config';
import { ResourceError } from '../../errors';
import { scrub } from '../../secrets';
import type { SessionSettings } from './dialect';
import type { SessionLimits } from './limits';

/** The socket or DNS error code behind a failed connect: on the error, its causes, or an AggregateError's errors. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== 'object' || depth > 6) return undefined;
  const shape = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof shape.code === 'string' && /^E[A-Z_]+$/.test(shape.code) && shape.code !== 'ESOCKET') return shape.code;
  for (const inner of [shape.cause, ...(Array.isArray(shape.errors) ? shape.errors : [])]) {
    const code = networkCode(inner, depth + 1);
    if (code !== undefined) return code;
  }
  return undefined;
}

/** What a socket or DNS error code means for a connect to `host`:`port`, and what to check. */
function networkReason(code: string | undefined, host: string, port: number | undefined): string | undefined {
  const where = port === undefined ? host : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const check = `Check the host and port of the DSN (${envName('DB_DSN')})`;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused: nothing accepts connections on ${where}. ${check}, and that the server runs`;
    case 'ENOTFOUND':
      return `the host name \`${host}\` was not found (DNS lookup failed). Check the host of the DSN (${envName('DB_DSN')})`;
    case 'EAI_AGAIN':
      return `the host name \`${host}\` could not be looked up (DNS did not answer). Check the network, and the host of the DSN (${envName('DB_DSN')})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${where}: the network cannot reach it. ${check}, and the network (VPN, firewall)`;
    case 'ECONNRESET':
      return `the connection to ${where} was reset before the server answered. ${check}, and that it is a database server`;
    default:
      return undefined;
  }
}

/** The ResourceError of a failed connect: where to, what happened, and what to check or which setting to raise. */
export function connectError(error: unknown, settings: SessionSettings, limits: SessionLimits, elapsedMs: number, config: ConfigValues): ResourceError {
  const { display, address } = settings;
  const name = (error as Error)?.name;
  const message = (error as Error)?.message ?? String(error);
  const code = networkCode(error);
  const timedOut =
    code === 'ETIMEDOUT' ||
    name === 'KnexTimeoutError' ||
    /timeout|timed out/i.test(message) ||
    (elapsedMs >= limits.connectMs * 0.9 && /terminated|closed|ended/i.test(message));
  if (timedOut) {
    return new ResourceError(
      `could not connect to ${address} (${display}): no answer within ${limits.connectMs} ms. ` +
        `Check that the server runs and is reachable, or raise ${envName('DB_CONNECT_TIMEOUT_MS')} (now ${limits.connectMs})`,
      { cause: error },
    );
  }
  const reason = networkReason(code, settings.host, settings.port) ?? scrub(message, config);
  return new ResourceError(`could not connect to ${address} (${display}): ${reason || name}`, { cause: error });
}
