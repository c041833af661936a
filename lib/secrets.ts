/**
 * Keeping secrets out of log lines and error messages.
 */
import { effectiveConfig, KNOWN_CONFIG, type ConfigValues } from './config';
import { decodePart, passwordSpanOf, splitUrl } from './connection-url';
import { defaultRuntime } from './runtime';

const MASK = '***';
const SECRET_KEY = /(PWD|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL)/i;

/** Whether config key `key` holds a secret. */
export function isSecretKey(key: string): boolean {
  if (Object.prototype.hasOwnProperty.call(KNOWN_CONFIG, key)) return KNOWN_CONFIG[key].secret === true;
  return SECRET_KEY.test(key);
}

const URL_TOKEN = /[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>]*/gi;
const QUERY_PASSWORD = /([?&;](?:password|pwd|passwd)=)([^&;\s#]*)/gi;

/**
 * Values shorter than this are not masked by value: masking `prod` or `etl` wherever it
 * appears would mangle bucket names, keys and table names while hiding nothing worth hiding.
 * Masking by position (a DSN's password, a `password=` parameter) and by name (`DB_PWD` in
 * `bigrays config`) applies whatever the length.
 */
export const MIN_MASKED_LENGTH = 6;

/** `text` with the values of `password=`, `pwd=` and `passwd=` parameters masked. */
export function maskQueryPasswords(text: string): string {
  return text.replace(QUERY_PASSWORD, (_m, head: string) => `${head}${MASK}`);
}

/**
 * One URL with its password masked, read as `splitUrl` reads it. When the URL is ambiguous
 * (an unescaped `@` after the host part), everything that may be the password is masked: up
 * to its last `@`. Such a URL is refused before anything connects.
 */
function maskUrl(token: string): string {
  const text = maskQueryPasswords(token);
  const parts = splitUrl(text);
  const span = parts && passwordSpanOf(parts);
  if (!span || span[0] === span[1]) return text;
  return `${text.slice(0, span[0])}${MASK}${text.slice(span[1])}`;
}

/** `scheme://user:password@host` → `scheme://user:***@host`; also `password=…` in query strings. */
export function maskDsn(text: string): string {
  return text.replace(URL_TOKEN, maskUrl);
}

/** The password of a DSN (a whole config value), as written and decoded, and `password=` parameters. */
function dsnPassword(dsn: string): string[] {
  const found: string[] = [];
  const value = dsn.trim();
  const parts = splitUrl(value);
  const span = parts && passwordSpanOf(parts);
  if (span && span[1] > span[0]) {
    const raw = value.slice(span[0], span[1]);
    found.push(raw);
    const decoded = decodePart(raw);
    if (decoded !== raw) found.push(decoded);
  }
  for (const match of value.matchAll(QUERY_PASSWORD)) {
    if (match[2]) found.push(match[2], decodePart(match[2]));
  }
  return found;
}

/** Remembers the secrets of a config (a task's `resourceConfig`, merged), so that logs and errors mask them. */
export function rememberSecrets(config: ConfigValues | null | undefined): void {
  for (const value of secretsOf(config)) defaultRuntime.secrets.add(value);
}

function secretsOf(config: ConfigValues | null | undefined): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(config ?? {})) {
    if (typeof value !== 'string' || value.length === 0) continue;
    if (isSecretKey(key) && value.length >= MIN_MASKED_LENGTH) values.push(value);
    if (/DSN|URL/i.test(key)) for (const pwd of dsnPassword(value)) if (pwd.length >= MIN_MASKED_LENGTH) values.push(pwd);
  }
  return values;
}

/** Every secret value (of `MIN_MASKED_LENGTH` characters or more) in `configs`, in `BigraysConfig` and remembered from task configs, longest first. */
export function secretValues(...configs: Array<ConfigValues | null | undefined>): string[] {
  const values = new Set<string>(defaultRuntime.secrets);
  for (const config of [effectiveConfig(), ...configs]) for (const value of secretsOf(config)) values.add(value);
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
