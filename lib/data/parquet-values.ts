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
import type { ColumnBuilder } from './parquet-builder';
import type { ParquetColumn } from './parquet-columns';
import { scanDecimal, scanTimestampMicros } from './parquet-text-scan';

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

/**
 * Microseconds since the epoch of an ISO or PostgreSQL timestamp (its zone, when given, applied):
 * a number when it is a safe integer (years 1685 to 2255), else a bigint.
 */
export function timestampMicros(text: string): number | bigint | undefined {
  const scanned = scanTimestampMicros(text);
  if (scanned !== undefined) return scanned;
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
  if (Number.isSafeInteger(total)) return total;
  const exact = BigInt(seconds) * 1_000_000n + BigInt(micros);
  // From 294247 AD, past INT64's microseconds (and ±2^63−1 itself means ±infinity): not a timestamp Parquet can hold.
  return exact < TIMESTAMP_INFINITY && exact > -TIMESTAMP_INFINITY ? exact : undefined;
}

/** Days since the epoch of `YYYY-MM-DD` (or PostgreSQL's `… BC`, `±infinity`). */
export function dateDays(text: string): number | undefined {
  if (text === 'infinity') return DATE_INFINITY;
  if (text === '-infinity') return -DATE_INFINITY;
  const m = DATE.exec(text);
  return m ? civilDays(year(m[1], m[4]), +m[2], +m[3]) : undefined;
}

/** Microseconds since midnight of `HH:MM:SS[.ffffff]` (PostgreSQL's `24:00:00` included). */
export function timeMicros(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const seconds = +m[1] * 3600 + +m[2] * 60 + +m[3];
  return seconds * 1_000_000 + (m[4] === undefined ? 0 : Number(m[4].padEnd(6, '0')));
}

/**
 * The unscaled integer of a decimal string at `scale` decimals (a number when it has at most 15
 * digits, else a bigint); undefined if it does not fit `precision` digits.
 */
export function unscaledDecimal(text: string, scale: number, precision = 38): number | bigint | undefined {
  const scanned = scanDecimal(text, scale, precision);
  if (scanned !== undefined) return scanned;
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const fraction = m[1] ?? '';
  if (fraction.length > scale) return undefined;
  const dot = text.indexOf('.');
  const digits = (dot < 0 ? text : text.slice(0, dot)) + fraction.padEnd(scale, '0');
  if (digits.length <= 15) {
    const value = Number(digits);
    return Math.abs(value) < 10 ** Math.min(precision, 15) ? value : undefined;
  }
  const value = BigInt(digits);
  const limit = precision >= 38 ? MAX_DECIMAL : 10n ** BigInt(precision);
  return (value < 0n ? -value : value) < limit ? value : undefined;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/** Writes the 16 bytes of a UUID's text at `offset`; false if `text` is not a UUID. */
function uuidAt(text: string, data: Buffer, offset: number): boolean {
  if (!UUID.test(text)) return false;
  const hex = text.length === 32 ? text : text.replace(/-/g, '');
  return data.write(hex, offset, 16, 'hex') === 16;
}

/** Writes a 16-byte big-endian two's complement integer at `offset`. */
function int128At(value: number | bigint, data: Buffer, offset: number): boolean {
  const big = BigInt.asUintN(128, BigInt(value));
  data.writeBigUInt64BE(big >> 64n, offset);
  data.writeBigUInt64BE(BigInt.asUintN(64, big), offset + 8);
  return true;
}

function appendDecimal(builder: ColumnBuilder, type: ParquetColumn, text: string): boolean {
  const value = unscaledDecimal(text, type.scale, type.precision);
  if (value === undefined) return false;
  if (type.precision <= 9) builder.appendInt32(Number(value));
  else if (type.precision <= 18) builder.appendInt64(value);
  else return builder.appendFixed(16, (data, offset) => int128At(value, data, offset));
  return true;
}

function appendTimestamp(builder: ColumnBuilder, type: ParquetColumn, value: unknown): boolean {
  if (type.kind === 'timestamptz' && value instanceof Date) {
    const millis = value.getTime();
    if (Number.isNaN(millis)) return false;
    builder.appendInt64(Number.isSafeInteger(millis * 1000) ? millis * 1000 : BigInt(millis) * 1000n);
    return true;
  }
  if (typeof value !== 'string') return false;
  // Inferred from values, a zoned column takes zoned texts only, and a plain one plain texts; a declared one takes the database's text.
  if (type.dbType === undefined && hasZone(value) !== (type.kind === 'timestamptz')) return false;
  const micros = timestampMicros(value);
  if (micros === undefined) return false;
  builder.appendInt64(micros);
  return true;
}

function appendJson(builder: ColumnBuilder, type: ParquetColumn, value: unknown): boolean {
  // The database's JSON text, for a declared column; an inferred one takes objects and arrays only (a string there is not JSON).
  if (typeof value === 'string' && type.dbType !== undefined) builder.appendText(value);
  else if (typeof value === 'object' && value !== null && isPlainObject(value)) builder.appendText(jsonText(value));
  else return false;
  return true;
}

/**
 * Appends non-null `value` to `builder` as column `type` holds it; false (nothing appended) when
 * it cannot be (the caller names the row). Strings are PostgreSQL's or ISO text; the SQL tasks'
 * numbers, bigints, booleans and bytes as they are. Text is appended as it is: the caller refuses
 * lone surrogates first.
 */
export function appendParquetValue(builder: ColumnBuilder, type: ParquetColumn, value: unknown): boolean {
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') return false;
      builder.appendBoolean(value);
      return true;
    case 'int16':
    case 'int32':
      if (typeof value !== 'number' || (value | 0) !== value) return false;
      builder.appendInt32(value);
      return true;
    case 'int64':
      if (typeof value === 'bigint') {
        if (BigInt.asIntN(64, value) !== value) return false;
        builder.appendInt64(value);
      } else if (typeof value === 'number' && Number.isInteger(value)) {
        const exact = Number.isSafeInteger(value) ? value : BigInt(value);
        if (typeof exact === 'bigint' && BigInt.asIntN(64, exact) !== exact) return false;
        builder.appendInt64(exact);
      } else return false;
      return true;
    case 'float':
    case 'double':
      if (typeof value !== 'number') return false;
      if (type.kind === 'float') builder.appendFloat(value);
      else builder.appendDouble(value);
      return true;
    case 'decimal':
      return typeof value === 'string' && appendDecimal(builder, type, value);
    case 'timestamptz':
    case 'timestamp':
      return appendTimestamp(builder, type, value);
    case 'date': {
      const days = typeof value === 'string' ? dateDays(value) : undefined;
      if (days === undefined) return false;
      builder.appendInt32(days);
      return true;
    }
    case 'time': {
      const micros = typeof value === 'string' ? timeMicros(value) : undefined;
      if (micros === undefined) return false;
      builder.appendInt64(micros);
      return true;
    }
    case 'bytes':
      if (!(value instanceof Uint8Array)) return false;
      builder.appendBytes(value);
      return true;
    case 'json':
      return appendJson(builder, type, value);
    case 'uuid':
      return typeof value === 'string' && builder.appendFixed(16, (data, offset) => uuidAt(value, data, offset));
    case 'text':
      if (typeof value !== 'string') return false;
      builder.appendText(value);
      return true;
  }
}
