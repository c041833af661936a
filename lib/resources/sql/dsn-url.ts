/**
 * Reading a `scheme://…` DSN for any engine: one reading (`splitUrl`, lib/connection-url.ts)
 * that connecting, masking and messages share, the refusals every engine makes (an ambiguous
 * user-info, a bad escape, a port that is no port), and the error that names `DB_DSN`.
 */
import { envName } from '../../config';
import { decodePart, hasBadEscape, passwordSpanOf, splitUrl, USER_INFO_ESCAPES, type UrlParts } from '../../connection-url';
import { ConfigurationError } from '../../errors';
import { maskDsnParams, maskDsnValue, PASSWORD_PLACEHOLDER } from '../../secrets';

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** `DB_DSN` refused: the DSN quoted with its password masked, and why. */
export function badDsn(dsn: string, why: string): ConfigurationError {
  return new ConfigurationError(`${envName('DB_DSN')} is not a valid database URL (${maskDsnValue(dsn)}): ${why}`, {
    missing: [envName('DB_DSN')],
  });
}

/** A `true`/`false` parameter of a DSN (`1`, `yes`, `off`, …); undefined when absent. */
export function dsnFlag(dsn: string, name: string, value: string | null): boolean | undefined {
  if (value === null) return undefined;
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw badDsn(dsn, `${name} must be true or false, got \`${value}\``);
}

const ENCODINGS = USER_INFO_ESCAPES.map(([char, code]) => `\`${char}\` → \`${code}\``).join(', ');

/**
 * The DSN as it should be written, for a message: the user percent-encoded, the password a
 * placeholder (never its value), the rest as it follows the DSN's last `@`, parameters masked.
 */
function encodedForm(dsn: string): string {
  const text = maskDsnParams(dsn);
  const parts = splitUrl(text);
  const at = parts?.ambiguous?.lastAt ?? parts?.userInfoEnd;
  if (!parts || at === undefined) return maskDsnValue(dsn);
  const span = passwordSpanOf(parts);
  const user = text.slice(text.indexOf('://') + 3, span ? span[0] - 1 : at);
  return `${parts.scheme}://${encodeURIComponent(decodePart(user))}${span ? `:${PASSWORD_PLACEHOLDER}` : ''}${text.slice(at)}`;
}

/**
 * A DSN whose user-info holds an unescaped `@`, `/`, `#` or `?`: the drivers would read part
 * of the password as the host. Refused with the form to write, never the password itself.
 */
function ambiguousDsn(dsn: string): ConfigurationError {
  return badDsn(
    dsn,
    'the user or password holds an `@`, `/`, `#` or `?` that is not percent-encoded, so where the host begins is ambiguous ' +
      '(part of the password would be read as the host name); nothing was connected to. ' +
      `Percent-encode the user and password (${ENCODINGS}; encodeURIComponent does it) and write ` +
      `${encodedForm(dsn)}, or leave the password out of the DSN and set ${envName('DB_PWD')}. ` +
      'An `@` in the database name or a parameter is written `%40` too',
  );
}

/**
 * Reads a `scheme://…` DSN as `splitUrl` does — the one reading that connecting, masking and
 * messages share — and refuses what that reading cannot take: an ambiguous user-info, a `%`
 * that starts no `%XX` escape, a port that is no port.
 */
export function readUrl(dsn: string): UrlParts {
  const parts = splitUrl(dsn);
  if (!parts) throw badDsn(dsn, `expected ${dsn.split(':')[0]}://user:password@host[:port]/database`);
  if (parts.ambiguous) throw ambiguousDsn(dsn);
  for (const [what, part] of [['user', parts.user], ['password', parts.password]] as const) {
    if (part !== undefined && hasBadEscape(part)) {
      throw badDsn(dsn, `its ${what} holds a \`%\` that starts no %XX escape: percent-encode the ${what} (${ENCODINGS}; encodeURIComponent does it)`);
    }
  }
  if (/\s/.test(parts.host)) throw badDsn(dsn, 'the host holds a space');
  const port = parts.port;
  if (port !== undefined && port !== '') {
    const number = Number(port);
    if (!/^\d+$/.test(port) || number < 1 || number > 65535) throw badDsn(dsn, `port \`${port}\` is not a port number (1-65535)`);
  }
  return parts;
}
