/**
 * The values an incremental cursor holds, compared exactly: integers (numbers, bigints, digit
 * strings), decimals given as text, timestamps (Dates, or text as the driver returns it) and
 * text (by code point); the cursor as JSON; the bound moved back by a lookback; the bound as
 * an SQL literal for `{since}`.
 */

/** A cursor as the state keeps it: a number when a safe integer, else text. */
export type CursorJson = number | string;

/** Integers and decimals as numbers are written (a code like `007` is text: it sorts as text). */
const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
/** A date, or a date and time with optional fraction and zone, as databases write them. */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The kind of a cursor value, as comparisons and lookbacks treat it. */
export type CursorKind = 'integer' | 'number' | 'timestamp' | 'text';

export function kindOf(value: unknown): CursorKind {
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (value instanceof Date) return 'timestamp';
  if (typeof value === 'string') {
    if (INTEGER.test(value)) return 'integer';
    if (DECIMAL.test(value)) return 'number';
    if (TIMESTAMP.test(value)) return 'timestamp';
  }
  return 'text';
}

/** Two decimals written as text (or numbers), compared without rounding: both scaled to whole numbers. */
function compareDecimals(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const width = Math.max(af.length, bf.length);
  const x = BigInt(ai + af.padEnd(width, '0'));
  const y = BigInt(bi + bf.padEnd(width, '0'));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A timestamp as milliseconds since the epoch (a zone-less one read as UTC) and the digits past the millisecond. */
function instant(value: Date | string): { ms: number; beyond: string } {
  if (value instanceof Date) return { ms: value.getTime(), beyond: '' };
  const m = TIMESTAMP.exec(value);
  if (!m) return { ms: Number.NaN, beyond: '' };
  const fraction = (m[8] ?? '').padEnd(3, '0');
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[5] ?? 0), Number(m[6] ?? 0), Number(m[7] ?? 0), Number(fraction.slice(0, 3)));
  return { ms: utc - offsetMs(m[9]), beyond: fraction.slice(3).padEnd(6, '0') };
}

/** A zone suffix (`Z`, `+05:30`, `-0800`, `+02`) as milliseconds east of UTC. */
function offsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return (zone.startsWith('-') ? -1 : 1) * minutes * 60_000;
}

function compareTimestamps(a: Date | string, b: Date | string): number {
  // The driver writes one column's values alike: same width and zone sort as text.
  if (typeof a === 'string' && typeof b === 'string' && a.length === b.length && a.endsWith('Z') === b.endsWith('Z') && !/[+-]\d\d(:?\d\d)?$/.test(a.slice(10))) {
    return compareCodePoints(a, b);
  }
  const x = instant(a);
  const y = instant(b);
  if (x.ms !== y.ms) return x.ms < y.ms ? -1 : 1;
  return x.beyond < y.beyond ? -1 : x.beyond > y.beyond ? 1 : 0;
}

/** Text compared by code point (JavaScript's `<` compares UTF-16 units, which differ above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (U+D800–DFFF, the units of U+10000 and above) sort after U+E000–FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/**
 * `a` against `b` (negative, 0, positive), both non-null values of one column (or a cursor and
 * a value of its column). Numbers of any form compare as numbers, timestamps as instants, the
 * rest as text by code point.
 */
export function compareCursor(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'integer' && kb === 'integer' && !(typeof a === 'number' && typeof b === 'number')) {
    const x = BigInt(a as bigint | number | string);
    const y = BigInt(b as bigint | number | string);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if ((ka === 'integer' || ka === 'number') && (kb === 'integer' || kb === 'number')) {
    if (typeof a === 'number' || typeof b === 'number') return Math.sign(Number(a) - Number(b));
    return compareDecimals(String(a), String(b));
  }
  if (ka === 'timestamp' && kb === 'timestamp') return compareTimestamps(a as Date | string, b as Date | string);
  return compareCodePoints(textOf(a), textOf(b));
}

function textOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

/** `value` as the state keeps it: a number when a safe integer, timestamps as ISO text, the rest as text. */
export function cursorJson(value: unknown): CursorJson {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  if (typeof value === 'string' && INTEGER.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return textOf(value);
}

/** An integer cursor less `lookback`, exact beyond 2^53. */
function integerLess(cursor: CursorJson | bigint, lookback: number): CursorJson | bigint {
  if (typeof cursor === 'number' && Number.isSafeInteger(cursor - lookback)) return cursor - lookback;
  if (!Number.isInteger(lookback)) return Number(cursor) - lookback;
  const less = BigInt(cursor) - BigInt(lookback);
  return Number.isSafeInteger(Number(less)) && BigInt(Number(less)) === less ? Number(less) : less.toString();
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A timestamp less `ms`, written as it was: the same separator, fraction digits and zone. */
function timestampLess(cursor: string | Date, ms: number): string {
  if (cursor instanceof Date) return new Date(cursor.getTime() - ms).toISOString();
  const m = TIMESTAMP.exec(cursor)!;
  const fraction = m[8] ?? '';
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[5] ?? 0), Number(m[6] ?? 0), Number(m[7] ?? 0), Number(fraction.padEnd(3, '0').slice(0, 3)));
  const t = new Date(wall - Math.round(ms));
  const millis = pad(t.getUTCMilliseconds(), 3);
  const digits = fraction.length > 3 ? millis + fraction.slice(3) : fraction === '' && millis === '000' ? '' : millis;
  const date = `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  const time = `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}${digits ? `.${digits}` : ''}`;
  return `${date}${m[4] ?? ' '}${time}${m[9] ?? ''}`;
}

/** The lower bound: `cursor` less `lookback` (a numeric cursor) or `lookbackMs` (a timestamp); a problem when the two do not fit. */
export function boundFrom(cursor: unknown, lookback: number | undefined, lookbackMs: number | undefined): { bound: unknown } | { problem: string } {
  const kind = kindOf(cursor);
  const numeric = kind === 'integer' || kind === 'number';
  if (lookback && !numeric) {
    return { problem: `incremental.lookback is for numeric cursors, and the cursor ${textOf(cursor)} is ${kind === 'timestamp' ? 'a timestamp: set incremental.lookbackMs instead' : 'text'}` };
  }
  if (lookback && kind === 'integer' && !Number.isInteger(lookback)) {
    return { problem: `incremental.lookback must be a whole number for the integer cursor ${textOf(cursor)}, got ${lookback}` };
  }
  if (lookbackMs && kind !== 'timestamp') {
    return { problem: `incremental.lookbackMs is for timestamp cursors, and the cursor ${textOf(cursor)} is ${numeric ? 'a number: set incremental.lookback instead' : 'text'}` };
  }
  if (lookback) return { bound: kind === 'integer' ? integerLess(cursor as CursorJson | bigint, lookback) : Number(cursor) - lookback };
  if (lookbackMs) return { bound: timestampLess(cursor as string | Date, lookbackMs) };
  return { bound: cursor };
}

/** The bound as a value to bind: an integer beyond 2^53 as a bigint, a Date as ISO text. */
export function boundParam(bound: unknown): unknown {
  if (typeof bound === 'string' && INTEGER.test(bound) && !Number.isSafeInteger(Number(bound))) return BigInt(bound);
  if (bound instanceof Date) return bound.toISOString();
  return bound;
}

/** The bound as SQL text for `{since}`: a number as digits (a negative one in parentheses), anything else as a string literal. */
export function boundLiteral(bound: unknown, literal: (text: string) => string): string {
  const kind = kindOf(bound);
  if (kind === 'integer' || kind === 'number') {
    const digits = String(bound);
    return digits.startsWith('-') ? `(${digits})` : digits;
  }
  return literal(textOf(bound));
}

/** Whether `value` can start a cursor (`incremental.initial`): a number, a digit string, an ISO date/time or a Date. */
export function isInitialValue(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'bigint') return true;
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  return typeof value === 'string' && (DECIMAL.test(value) || (TIMESTAMP.test(value) && !Number.isNaN(instant(value).ms)));
}
