/**
 * Keeping secrets out of log lines and error messages.
 */
import { effectiveConfig, KNOWN_CONFIG, type ConfigValues } from './config';
import { defaultRuntime } from './runtime';

const MASK = '***';
const SECRET_KEY = /(PWD|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL)/i;

/** Whether config key `key` holds a secret. */
export function isSecretKey(key: string): boolean {
  if (Object.prototype.hasOwnProperty.call(KNOWN_CONFIG, key)) return KNOWN_CONFIG[key].secret === true;
  return SECRET_KEY.test(key);
}

const URL_TOKEN = /[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>]*/gi;

/**
 * The user-info part of a URL-like token: `scheme://user:password@host/…` → its `user:password`
 * span. A password may hold `/`, `@`, `#` or `?` unescaped, so the user-info runs to the LAST
 * `@` of the token.
 */
function userInfo(token: string): { start: number; end: number } | undefined {
  const start = token.indexOf('://') + 3;
  const at = token.lastIndexOf('@');
  if (at < start) return undefined;
  return { start, end: at };
}

/** `scheme://user:password@host` → `scheme://user:***@host`; also `password=…` in query strings. */
export function maskDsn(text: string): string {
  return text
    .replace(URL_TOKEN, (token) => {
      const info = userInfo(token);
      if (!info) return token;
      const colon = token.indexOf(':', info.start);
      if (colon < 0 || colon > info.end) return token;
      return `${token.slice(0, colon + 1)}${MASK}${token.slice(info.end)}`;
    })
    .replace(/([?&;](?:password|pwd|passwd)=)[^&;\s]*/gi, (_m, head: string) => `${head}${MASK}`);
}

/** The password part of a URL-like DSN, as written and decoded, if it has one. */
function dsnPassword(dsn: string): string[] {
  const found: string[] = [];
  for (const token of dsn.match(URL_TOKEN) ?? []) {
    const info = userInfo(token);
    if (!info) continue;
    const colon = token.indexOf(':', info.start);
    if (colon < 0 || colon > info.end) continue;
    const raw = token.slice(colon + 1, info.end);
    if (raw === '') continue;
    found.push(raw);
    try {
      const decoded = decodeURIComponent(raw);
      if (decoded !== raw) found.push(decoded);
    } catch {
      /* not URI-encoded */
    }
  }
  const query = /[?&;](?:password|pwd|passwd)=([^&;\s]*)/i.exec(dsn);
  if (query && query[1]) found.push(query[1]);
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
    if (isSecretKey(key) && value.length >= 3) values.push(value);
    if (/DSN|URL/i.test(key)) for (const pwd of dsnPassword(value)) if (pwd.length >= 3) values.push(pwd);
  }
  return values;
}

/** Every secret value in `configs`, in `BigraysConfig` and remembered from task configs, longest first. */
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
