/**
 * Values as a Parquet column of each kind holds them: timestamps as microseconds since
 * 1970-01-01 UTC, dates as days, times as microseconds since midnight, decimals as their
 * unscaled integer, JSON and bytes as bytes. Years before Christ are kept (PostgreSQL's
 * `0044-03-15 BC` is the astronomical year -43).
 *
 * `infinity` and `-infinity` (timestamp, timestamptz, date) are written as the values DuckDB
 * and Arrow-based readers take for them: ±9223372036854775807 microseconds for a timestamp,
 * ±2147483647 days for a date. A reader without infinities reads the largest and smallest
 * values the type holds.
 */
import { jsonText } from './json';
import type { ParquetColumn } from './parquet-columns';

/** `infinity` of a TIMESTAMP column, in microseconds; `-infinity` is its negation. */
export const TIMESTAMP_INFINITY = 9_223_372_036_854_775_807n;
/** `infinity` of a DATE column, in days; `-infinity` is its negation. */
export const DATE_INFINITY = 2_147_483_647;

// Loose on purpose: years before 1000 or after 9999, an optional fraction, a zone or none, and
// PostgreSQL's own text of a year before Christ (`0044-03-15 12:00:00+00 BC`: 44 BC is year -43).
const TIMESTAMP = /^(-?\d{4,})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d(?::?\d\d)?)?( BC)?$/;
const DATE = /^(-?\d{4,})-(\d\d)-(\d\d)( BC)?$/;
const TIME = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;
const DECIMAL = /^-?\d+(?:\.(\d+))?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const MAX_DECIMAL = 10n ** 38n;

/** The regular expressions the inference from values shares. */
export const PATTERNS = { TIMESTAMP, DATE, DECIMAL };

/** Days from 1970-01-01 to a proleptic Gregorian date (astronomical year), without a Date object. */
function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The astronomical year of a matched year and era: 1 BC is year 0. */
function year(digits: string, bc: string | undefined): number {
  return bc ? 1 - Number(digits) : Number(digits);
}

/** Whether `text` has a zone (`…Z`, `…+00`), for a timestamp text the inference looks at. */
export function hasZone(text: string): boolean {
  return TIMESTAMP.exec(text)?.[8] !== undefined;
}

/** Microseconds since the epoch of an ISO or PostgreSQL timestamp (its zone, when given, applied). */
export function timestampMicros(text: string): bigint | undefined {
  if (text === 'infinity') return TIMESTAMP_INFINITY;
  if (text === '-infinity') return -TIMESTAMP_INFINITY;
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  let seconds = civilDays(year(m[1], m[9]), +m[2], +m[3]) * 86_400 + +m[4] * 3600 + +m[5] * 60 + +m[6];
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    seconds -= (zone[0] === '-' ? -minutes : minutes) * 60;
  }
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  // Exact as a double up to 2^53 µs (year 2255); beyond, the seconds are scaled as a bigint.
  const total = seconds * 1_000_000 + micros;
  return Number.isSafeInteger(total) ? BigInt(total) : BigInt(seconds) * 1_000_000n + BigInt(micros);
}

/** Days since the epoch of `YYYY-MM-DD` (or PostgreSQL's `… BC`, `±infinity`). */
export function dateDays(text: string): number | undefined {
  if (text === 'infinity') return DATE_INFINITY;
  if (text === '-infinity') return -DATE_INFINITY;
  const m = DATE.exec(text);
  return m ? civilDays(year(m[1], m[4]), +m[2], +m[3]) : undefined;
}

/** Microseconds since midnight of `HH:MM:SS[.ffffff]` (PostgreSQL's `24:00:00` included). */
export function timeMicros(text: string): bigint | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const seconds = +m[1] * 3600 + +m[2] * 60 + +m[3];
  return BigInt(seconds * 1_000_000 + (m[4] === undefined ? 0 : Number(m[4].padEnd(6, '0'))));
}

/** The unscaled integer of a decimal string at `scale` decimals; undefined if it does not fit `precision` digits. */
export function unscaledDecimal(text: string, scale: number, precision = 38): bigint | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const fraction = m[1] ?? '';
  if (fraction.length > scale) return undefined;
  const dot = text.indexOf('.');
  const value = BigInt((dot < 0 ? text : text.slice(0, dot)) + fraction.padEnd(scale, '0'));
  const limit = precision >= 38 ? MAX_DECIMAL : 10n ** BigInt(precision);
  return (value < 0n ? -value : value) < limit ? value : undefined;
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

function uuidBytes(text: string): Uint8Array | undefined {
  return UUID.test(text) ? Buffer.from(text.replace(/-/g, ''), 'hex') : undefined;
}

/**
 * `value` as column `type` holds it; undefined when it cannot be (the caller names the row).
 * Strings are PostgreSQL's or ISO text; the SQL tasks' numbers, bigints, booleans and bytes as they are.
 */
export function parquetValue(type: ParquetColumn, value: unknown): unknown {
  switch (type.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'int16':
    case 'int32':
      return typeof value === 'number' && Number.isInteger(value) && (value | 0) === value ? value : undefined;
    case 'int64':
      if (typeof value === 'bigint') return value;
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
    case 'float':
    case 'double':
      return typeof value === 'number' ? value : undefined;
    case 'decimal':
      // The writer takes the unscaled integer and writes its 16 bytes.
      return typeof value === 'string' ? unscaledDecimal(value, type.scale, type.precision) : undefined;
    case 'timestamptz':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : BigInt(value.getTime()) * 1000n;
      if (typeof value !== 'string') return undefined;
      // Inferred from values, a zoned column takes zoned texts only; a declared one takes the database's text.
      return type.dbType === undefined && !hasZone(value) ? undefined : timestampMicros(value);
    case 'timestamp':
      if (typeof value !== 'string') return undefined;
      return type.dbType === undefined && hasZone(value) ? undefined : timestampMicros(value);
    case 'date':
      return typeof value === 'string' ? dateDays(value) : undefined;
    case 'time':
      return typeof value === 'string' ? timeMicros(value) : undefined;
    case 'bytes':
      return value instanceof Uint8Array ? value : undefined;
    case 'json':
      if (typeof value === 'string') return utf8(value);
      return typeof value === 'object' && value !== null && isPlainObject(value) ? utf8(jsonText(value)) : undefined;
    case 'uuid':
      return typeof value === 'string' ? uuidBytes(value) : undefined;
    case 'text':
      return typeof value === 'string' ? value : undefined;
  }
}
