/**
 * Keeping secrets out of log lines and error messages.
 */
import { effectiveConfig, KNOWN_CONFIG, type ConfigValues } from './config';
import { isReference } from './config-references/reference';
import { decodePart, passwordSpanOf, splitUrl } from './connection-url';
import { currentRuntime, type Runtime } from './runtime';

const MASK = '***';

/** What a message writes where a password goes (the form to write a DSN in): not a secret, left as it is. */
export const PASSWORD_PLACEHOLDER = '<password, percent-encoded>';
const SECRET_KEY = /(PWD|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL)/i;

/** Whether config key `key` holds a secret. */
export function isSecretKey(key: string): boolean {
  if (Object.prototype.hasOwnProperty.call(KNOWN_CONFIG, key)) return KNOWN_CONFIG[key].secret === true;
  return SECRET_KEY.test(key);
}

/** Query parameters whose value is a password. */
const PASSWORD_PARAMS = new Set(['password', 'pwd', 'passwd']);

/**
 * Values shorter than this are not masked by value: masking `prod` or `etl` wherever it
 * appears would mangle bucket names, keys and table names while hiding nothing worth hiding.
 * Masking by position (a DSN's password, a `password=` parameter) and by name (`DB_PWD` in
 * `bigrays config`) applies whatever the length.
 */
export const MIN_MASKED_LENGTH = 6;

/**
 * Where the values of `password=`, `pwd=` and `passwd=` parameters are (`[start, end)`) in the
 * query that follows the `?` at `question` in `text` (none when `question` is -1); the query
 * ends where `endsAt` says. Parameters are split on `&` alone, as the drivers
 * (`URLSearchParams`, pg-connection-string) read them: a `;` is part of the value.
 */
function passwordParamSpans(text: string, question: number, endsAt: (char: string) => boolean): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  if (question < 0) return spans;
  let at = question + 1;
  while (at <= text.length) {
    let end = at;
    while (end < text.length && text[end] !== '&' && !endsAt(text[end])) end += 1;
    const pair = text.slice(at, end);
    const equals = pair.indexOf('=');
    if (equals > 0 && PASSWORD_PARAMS.has(decodePart(pair.slice(0, equals)).toLowerCase())) spans.push([at + equals + 1, end]);
    if (end < text.length && endsAt(text[end])) break;
    at = end + 1;
  }
  return spans;
}

/** `text` with each `[start, end)` of `spans` (sorted, apart) replaced by `***`. */
function maskSpans(text: string, spans: Array<[number, number]>): string {
  let out = '';
  let from = 0;
  for (const [start, end] of spans) {
    if (end <= start || start < from) continue;
    out += `${text.slice(from, start)}${MASK}`;
    from = end;
  }
  return out + text.slice(from);
}

/**
 * A whole config value that is a connection URL, with its password and its `password=`
 * parameters masked, as `splitUrl` — the reading connecting uses — finds them; the widest
 * span that may be the password when the URL is ambiguous.
 */
export function maskDsnValue(dsn: string): string {
  return maskSpans(dsn, dsnSpans(dsn));
}

/** The `password=` parameters of a whole DSN masked, as the drivers read them; the rest as it is. */
export function maskDsnParams(dsn: string): string {
  return maskSpans(dsn, paramSpansOf(dsn));
}

/** Where the password and the `password=` parameters of a whole DSN are, in order; none when it is no URL. */
function dsnSpans(dsn: string): Array<[number, number]> {
  const parts = splitUrl(dsn);
  if (!parts) return [];
  const password = passwordSpanOf(parts);
  return [...(password ? [password] : []), ...paramSpansOf(dsn)].sort((a, b) => a[0] - b[0]);
}

/** The `password=` parameters of a whole DSN: its query runs from its first `?` to a `#`. */
function paramSpansOf(dsn: string): Array<[number, number]> {
  return passwordParamSpans(dsn, dsn.indexOf('?'), (char) => char === '#');
}

/** `scheme://` where a URL starts in running text. */
const URL_START = /[a-z][a-z0-9+.-]*:\/\//gi;

/**
 * The password of a URL that starts at `start` in running text, read by `splitUrl`: the
 * user-info runs to the first `@` before the authority ends (a `/`, `?`, `#` or the end of the
 * line), so a password holding a space, a quote, `<`, a backtick or a tab is read whole. When
 * more `@` follow in the same run of non-blank characters (a password with an unescaped `@`,
 * `/`, `#` or `?`), the span reaches the last of them, as the reading of an ambiguous DSN does.
 */
function passwordSpanAt(text: string, start: number, lineEnd: number): [number, number] | undefined {
  let authorityEnd = text.indexOf('://', start) + 3;
  while (authorityEnd < lineEnd && !'/?#'.includes(text[authorityEnd])) authorityEnd += 1;
  const first = text.indexOf('@', start);
  let at = first >= 0 && first < authorityEnd ? first : -1;
  for (let i = Math.max(at + 1, start); i < lineEnd && !/\s/.test(text[i]); i++) if (text[i] === '@') at = i;
  if (at < 0) return undefined;
  const parts = splitUrl(text.slice(start, at + 1));
  const span = parts && passwordSpanOf(parts);
  return span && [start + span[0], start + span[1]];
}

/** The `password=` parameters of a URL that starts at `start` in running text (its `?` before the first blank; a value ends at `&`, `#` or a blank). */
function paramSpansAt(text: string, start: number): Array<[number, number]> {
  let question = -1;
  for (let i = start; i < text.length && !/\s/.test(text[i]); i++) {
    if (text[i] === '?') {
      question = i;
      break;
    }
  }
  return passwordParamSpans(text, question, (char) => char === '#' || /\s/.test(char));
}

/** Whether a password's place holds what a message writes there instead of a password. */
function isPlaceholder(password: string): boolean {
  return password === MASK || password === PASSWORD_PLACEHOLDER;
}

/** `text` with the password of each URL that stands in it masked, and its `password=`, `pwd=` and `passwd=` parameters. */
function maskUrls(text: string): string {
  const spans: Array<[number, number]> = [];
  for (const match of text.matchAll(URL_START)) {
    const start = match.index;
    const newline = text.indexOf('\n', start);
    const lineEnd = newline < 0 ? text.length : newline;
    const password = passwordSpanAt(text, start, lineEnd);
    if (password && !isPlaceholder(text.slice(password[0], password[1]))) spans.push(password);
    spans.push(...paramSpansAt(text, password ? password[1] : start));
  }
  return maskSpans(text, spans.sort((a, b) => a[0] - b[0]));
}

/** `scheme://user:password@host` → `scheme://user:***@host` wherever a URL stands in `text`; also `password=…` in query strings. */
export function maskDsn(text: string): string {
  return maskUrls(text);
}

/** `secret` as it may be written out: as it is, percent-encoded, as an SQL string literal's text (`'` doubled), escaped inside JSON text. */
function writtenForms(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), secret.replace(/'/g, "''")];
  for (const form of [...forms]) forms.push(JSON.stringify(form).slice(1, -1));
  return forms;
}

/** The password of a DSN (a whole config value), as written and decoded, and `password=` parameters. */
function dsnPassword(dsn: string): string[] {
  const found: string[] = [];
  const value = dsn.trim();
  for (const span of dsnSpans(value)) {
    if (span[1] <= span[0]) continue;
    const raw = value.slice(span[0], span[1]);
    found.push(raw, decodePart(raw), decodePart(raw.replace(/\+/g, ' ')));
  }
  return found;
}

/** Remembers the secrets of a config (a task's `resourceConfig`, merged), so that logs and errors mask them. */
export function rememberSecrets(config: ConfigValues | null | undefined, runtime: Runtime = currentRuntime()): void {
  for (const value of secretsOf(config)) runtime.secrets.add(value);
}

/** Remembers `value` itself as a secret (a value fetched for a config reference), whatever its key, so that logs and errors mask it. */
export function rememberSecret(value: string, runtime: Runtime = currentRuntime()): void {
  for (const form of writtenForms(value)) if (form.length >= MIN_MASKED_LENGTH) runtime.secrets.add(form);
}

function secretsOf(config: ConfigValues | null | undefined): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(config ?? {})) {
    // A reference (`ssm:/name`) says where a secret is kept, not what it is: messages name it.
    if (typeof value !== 'string' || value.length === 0 || isReference(value)) continue;
    const secrets = isSecretKey(key) ? [value] : [];
    if (isDsnKey(key)) secrets.push(...dsnPassword(value));
    for (const secret of secrets) for (const form of writtenForms(secret)) if (form.length >= MIN_MASKED_LENGTH) values.push(form);
  }
  return values;
}

function isDsnKey(key: string): boolean {
  return /DSN|URL/i.test(key);
}

/** The connection URLs among the config values (`DB_DSN`, `STATE_URL`, …) that hold a password, to mask whole wherever they appear. */
function knownDsns(configs: Array<ConfigValues | null | undefined>): string[] {
  const found = new Set<string>();
  for (const config of configs) {
    for (const [key, value] of Object.entries(config ?? {})) {
      if (typeof value !== 'string' || !isDsnKey(key)) continue;
      const dsn = value.trim();
      if (maskDsnValue(dsn) !== dsn) found.add(dsn);
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` with every known secret (of `MIN_MASKED_LENGTH` characters or more) replaced by `***`. */
function maskValues(text: string, configs: Array<ConfigValues | null | undefined>, runtime: Runtime): string {
  let out = text;
  for (const dsn of knownDsns([effectiveConfig(undefined, runtime), ...configs])) out = out.split(dsn).join(maskDsnValue(dsn));
  for (const secret of secretValues(runtime, configs)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * Every secret value (of `MIN_MASKED_LENGTH` characters or more) in `configs`, in
 * the runtime's `BigraysConfig` and remembered from its task configs, longest first: secret keys' values and DSN
 * passwords, each as written, decoded, percent-encoded and escaped for JSON.
 */
function secretValues(runtime: Runtime, configs: Array<ConfigValues | null | undefined>): string[] {
  const values = new Set<string>(runtime.secrets);
  for (const config of [effectiveConfig(undefined, runtime), ...configs]) for (const value of secretsOf(config)) values.add(value);
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * `text` with every known secret replaced by `***` (the config's DSNs masked whole, then each
 * secret in every form it may be written), then every password of a URL that stands in it.
 */
export function scrub(text: string, ...configs: Array<ConfigValues | null | undefined>): string {
  return scrubIn(currentRuntime(), text, ...configs);
}

/** `scrub` with the configuration and remembered secrets of `runtime` (a run's, which may not be the default one). */
export function scrubIn(runtime: Runtime, text: string, ...configs: Array<ConfigValues | null | undefined>): string {
  return maskDsn(maskValues(text, configs, runtime));
}

/**
 * Rewrites an error's message and stack (and those of its causes) in place so that they
 * carry no secret. Returns the same error.
 */
export function scrubError<E>(error: E, ...configs: Array<ConfigValues | null | undefined>): E {
  return scrubErrorIn(currentRuntime(), error, ...configs);
}

/** `scrubError` with the configuration and remembered secrets of `runtime`. */
export function scrubErrorIn<E>(runtime: Runtime, error: E, ...configs: Array<ConfigValues | null | undefined>): E {
  const scrub = (text: string, ...more: Array<ConfigValues | null | undefined>): string => scrubIn(runtime, text, ...more);
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

/**
 * A config value as it may be shown: a reference (`ssm:/name`) as it is; a secret key's value masked whole; a connection URL read
 * by the DSN parser, its password masked; any known secret in it masked by value.
 */
export function displayValue(key: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  // A reference says where the value is kept, not what it is.
  if (isReference(text)) return text.trim();
  if (isSecretKey(key)) return MASK;
  const trimmed = text.trim();
  const shown = splitUrl(trimmed) ? text.replace(trimmed, () => maskDsnValue(trimmed)) : text;
  return scrub(shown);
}
