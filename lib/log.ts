/**
 * Logging through `debug` (namespaces `bigrays` and `bigrays:*`), silent by default.
 * Every line has its secrets masked before it is written.
 */
import type { Debugger } from 'debug';
import { format } from 'node:util';
import { masked } from './messages';

export type Logger = ((formatter: string, ...args: unknown[]) => void) & { readonly enabled: boolean };

/** A logger for `bigrays:<area>` (or `bigrays` with no area). */
export function logger(area?: string): Logger {
  const namespace = area ? `bigrays:${area}` : 'bigrays';
  let debug: Debugger | undefined;
  const enabled = (): boolean => {
    // debug keeps process.env.DEBUG in step with what is enabled (its enable() sets it): while
    // it is unset nothing is, and debug (with its terminal checks) need not load.
    if (!process.env.DEBUG && debug === undefined) return false;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    debug ??= (require('debug') as typeof import('debug'))(namespace);
    return debug.enabled;
  };
  const log = (formatter: string, ...args: unknown[]): void => {
    if (!enabled()) return;
    debug!('%s', masked(format(formatter, ...args)));
  };
  Object.defineProperty(log, 'enabled', { get: enabled });
  return log as Logger;
}
