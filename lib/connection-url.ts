/**
 * One reading of a connection URL (`scheme://user:password@host:port/path?query#fragment`).
 * Connecting, masking and messages all read a DSN through `splitUrl`, so the host a message
 * shows (or masks around) is the host bigrays connects to.
 *
 * The reading is the URL standard's: the authority ends at the first `/`, `?` or `#` after
 * `scheme://`, and the user-info is what comes before the authority's `@`. A password that
 * holds one of those characters unescaped cannot be read so: drivers would take part of it as
 * the host (and look that up in DNS). `splitUrl` reports such a URL as `ambiguous` instead of
 * guessing, and the caller refuses it before anything connects.
 */

export interface UrlParts {
  /** The scheme, lower-cased, without `:`. */
  scheme: string;
  /** The user as written (percent-encoded), when the URL has user-info. */
  user?: string;
  /** The password as written (percent-encoded), when the user-info has a `:`. */
  password?: string;
  /** Where the password is in the text: `[start, end)`. */
  passwordSpan?: [number, number];
  /** Where the `@` that ends the user-info is in the text, when there is one. */
  userInfoEnd?: number;
  /** The host as written: a name, an address, `[v6]`, or `host\INSTANCE` (SQL Server). */
  host: string;
  /** The port as written, when there is a `:port`. */
  port?: string;
  /** The path, from its `/` (empty when there is none). */
  path: string;
  /** The query, without its `?` (empty when there is none). */
  query: string;
  /** Why the URL cannot be read one way only; undefined when it can. */
  ambiguous?: Ambiguity;
}

/** What makes a URL's user-info ambiguous, and the span that may be the password (to mask it). */
export interface Ambiguity {
  /** `@` twice in the authority, or an `@` after it (in the path, query or fragment). */
  reason: 'at-in-user-info' | 'at-after-host';
  /**
   * Everything that may be the password: from the first `:` of the user-info to the URL's last
   * `@` (undefined when no `:` comes before it: then there is no password to hide).
   */
  passwordSpan?: [number, number];
  /** Where the URL's last `@` is: what follows it is the host and the rest, as the author most likely meant them. */
  lastAt: number;
}

/** `scheme://` at the start of a URL-like text. */
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The characters that end the user-info (or the authority) when they are not percent-encoded. */
export const USER_INFO_ESCAPES: ReadonlyArray<readonly [string, string]> = [
  ['@', '%40'],
  ['/', '%2F'],
  ['#', '%23'],
  ['?', '%3F'],
  ['%', '%25'],
];

/** Splits `text` as a connection URL; undefined when it does not start with `scheme://`. */
export function splitUrl(text: string): UrlParts | undefined {
  const scheme = SCHEME.exec(text);
  if (!scheme) return undefined;
  const start = scheme[0].length;
  const rest = text.slice(start);
  const authorityEnd = start + firstOf(rest, '/?#');
  const authority = text.slice(start, authorityEnd);
  const at = authority.lastIndexOf('@');
  const parts: UrlParts = { scheme: scheme[1].toLowerCase(), host: '', path: '', query: '' };

  let hostStart = start;
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    hostStart = start + at + 1;
    parts.userInfoEnd = start + at;
    const colon = userInfo.indexOf(':');
    if (colon < 0) parts.user = userInfo;
    else {
      parts.user = userInfo.slice(0, colon);
      parts.password = userInfo.slice(colon + 1);
      parts.passwordSpan = [start + colon + 1, start + at];
    }
  }
  const hostPort = text.slice(hostStart, authorityEnd);
  const portMatch = /:([^:\]]*)$/.exec(hostPort);
  if (portMatch) {
    parts.host = hostPort.slice(0, portMatch.index);
    parts.port = portMatch[1];
  } else parts.host = hostPort;

  const tail = text.slice(authorityEnd);
  const hash = tail.indexOf('#');
  const beforeHash = hash < 0 ? tail : tail.slice(0, hash);
  const question = beforeHash.indexOf('?');
  parts.path = question < 0 ? beforeHash : beforeHash.slice(0, question);
  parts.query = question < 0 ? '' : beforeHash.slice(question + 1);

  const lastAt = text.lastIndexOf('@');
  const twice = at >= 0 && authority.lastIndexOf('@', at - 1) >= 0;
  if (twice || lastAt >= authorityEnd) {
    const candidate = text.slice(start, lastAt);
    const colon = candidate.indexOf(':');
    parts.ambiguous = {
      reason: twice && lastAt < authorityEnd ? 'at-in-user-info' : 'at-after-host',
      passwordSpan: colon < 0 ? undefined : [start + colon + 1, lastAt],
      lastAt,
    };
  }
  return parts;
}

/** The span of `text` to hide as a password: the widest the URL may mean when it is ambiguous. */
export function passwordSpanOf(parts: UrlParts): [number, number] | undefined {
  return parts.ambiguous ? parts.ambiguous.passwordSpan : parts.passwordSpan;
}

/** Whether `part` (user or password as written) has a `%` that does not start a `%XX` escape. */
export function hasBadEscape(part: string): boolean {
  return /%(?![0-9a-f]{2})/i.test(part);
}

/** `part` percent-decoded; `part` itself when it is not valid percent-encoding. */
export function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function firstOf(text: string, chars: string): number {
  for (let i = 0; i < text.length; i++) if (chars.includes(text[i])) return i;
  return text.length;
}
