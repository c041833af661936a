/**
 * Logging through `debug` (namespaces `bigrays` and `bigrays:*`), silent by default.
 * Every line is scrubbed of secrets before it is written.
 */
import createDebug from 'debug';
import { format } from 'node:util';
import { scrub } from './secrets';

export type Logger = ((formatter: string, ...args: unknown[]) => void) & { readonly enabled: boolean };

/** A logger for `bigrays:<area>` (or `bigrays` with no area). */
export function logger(area?: string): Logger {
  const debug = createDebug(area ? `bigrays:${area}` : 'bigrays');
  const log = (formatter: string, ...args: unknown[]): void => {
    if (!debug.enabled) return;
    debug('%s', scrub(format(formatter, ...args)));
  };
  Object.defineProperty(log, 'enabled', { get: () => debug.enabled });
  return log as Logger;
}
