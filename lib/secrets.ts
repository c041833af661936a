/**
 * Keeping secrets out of log lines and error messages.
 */
import { effectiveConfig, KNOWN_CONFIG, type ConfigValues } from './config';

const MASK = '***';
const SECRET_KEY = /(PWD|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL)/i;

/** Whether config key `key` holds a secret. */
export function isSecretKey(key: string): boolean {
  if (Object.prototype.hasOwnProperty.call(KNOWN_CONFIG, key)) return KNOWN_CONFIG[key].secret === true;
  return SECRET_KEY.test(key);
}

/** `scheme://user:password@host` → `scheme://user:***@host`; also `password=…` in query strings. */
export function maskDsn(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@\s/]*)@/gi, (_m, head: string) => `${head}:${MASK}@`)
    .replace(/([?&;](?:password|pwd|passwd)=)[^&;\s]*/gi, (_m, head: string) => `${head}${MASK}`);
}

/** The password part of a URL-like DSN, decoded, if it has one. */
function dsnPassword(dsn: string): string[] {
  const found: string[] = [];
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:([^@\s/]*)@/i.exec(dsn);
  if (match && match[1]) {
    found.push(match[1]);
    try {
      const decoded = decodeURIComponent(match[1]);
      if (decoded !== match[1]) found.push(decoded);
    } catch {
      /* not URI-encoded */
    }
  }
  const query = /[?&;](?:password|pwd|passwd)=([^&;\s]*)/i.exec(dsn);
  if (query && query[1]) found.push(query[1]);
  return found;
}

/** Every secret value in `configs` (and in `BigraysConfig`), longest first. */
export function secretValues(...configs: Array<ConfigValues | null | undefined>): string[] {
  const values = new Set<string>();
  for (const config of [effectiveConfig(), ...configs]) {
    for (const [key, value] of Object.entries(config ?? {})) {
      if (typeof value !== 'string' || value.length === 0) continue;
      if (isSecretKey(key) && value.length >= 3) values.add(value);
      if (/DSN|URL/i.test(key)) for (const pwd of dsnPassword(value)) if (pwd.length >= 3) values.add(pwd);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every known secret and every DSN password replaced by `***`. */
export function scrub(text: string, ...configs: Array<ConfigValues | null | undefined>): string {
  let out = maskDsn(text);
  for (const secret of secretValues(...configs)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * Rewrites an error's message and stack (and those of its causes) in place so that they
 * carry no secret. Returns the same error.
 */
export function scrubError<E>(error: E, ...configs: Array<ConfigValues | null | undefined>): E {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const clean = scrub(current.message, ...configs);
    if (clean !== current.message) {
      try {
        current.message = clean;
      } catch {
        /* frozen error: leave it */
      }
    }
    if (typeof current.stack === 'string') {
      const stack = scrub(current.stack, ...configs);
      if (stack !== current.stack) {
        try {
          current.stack = stack;
        } catch {
          /* frozen error */
        }
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return error;
}

/** A config value as it may be shown: secrets masked, DSN passwords masked. */
export function displayValue(key: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  if (isSecretKey(key)) return MASK;
  return maskDsn(text);
}
