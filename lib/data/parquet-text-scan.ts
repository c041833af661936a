/**
 * The common texts of timestamps and decimals read character by character, without a regular
 * expression, a string slice or a bigint: PostgreSQL's and ISO's `YYYY-MM-DD HH:MM:SS[.ffffff]`
 * with `Z` or `±HH[:MM]` or no zone, and decimals of up to 15 digits. Anything else (years
 * before Christ or past 9999, `infinity`, longer decimals, text that is neither) gives undefined,
 * and `parquet-values.ts` reads it the general way.
 */

/** The number written by `count` digits of `text` at `start`; -1 if one is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Days from 1970-01-01 to a proleptic Gregorian date of years 1 to 9999. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/** Microseconds of a fraction `.f…` at `start` (1 to 6 digits) and where it ends; undefined if malformed. */
function fractionAt(text: string, start: number): [number, number] | undefined {
  let micros = 0;
  let i = start;
  while (i < text.length && i - start < 7) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    micros = micros * 10 + d;
    i++;
  }
  const count = i - start;
  if (count === 0 || count > 6) return undefined;
  return [micros * 10 ** (6 - count), i];
}

/** Minutes east of UTC of a zone `Z`, `±HH`, `±HH:MM` or `±HHMM` from `start` to the end; undefined if malformed. */
function zoneMinutes(text: string, start: number): number | undefined {
  const n = text.length;
  if (start === n) return 0;
  const sign = text.charCodeAt(start);
  if (sign === 90 /* Z */) return start + 1 === n ? 0 : undefined;
  if (sign !== 43 && sign !== 45) return undefined;
  const hours = digitsAt(text, start + 1, 2);
  let i = start + 3;
  let minutes = 0;
  if (i < n) {
    if (text.charCodeAt(i) === 58) i++;
    minutes = i + 2 === n ? digitsAt(text, i, 2) : -1;
  }
  if (hours < 0 || minutes < 0 || start + 3 > n) return undefined;
  const total = hours * 60 + minutes;
  return sign === 45 ? -total : total;
}

/** Microseconds since the epoch of a common timestamp text, as a safe integer; else undefined. */
export function scanTimestampMicros(text: string): number | undefined {
  const n = text.length;
  if (n < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const t = text.charCodeAt(10);
  if (t !== 84 && t !== 32) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let micros = 0;
  let i = 19;
  if (i < n && text.charCodeAt(i) === 46) {
    const fraction = fractionAt(text, i + 1);
    if (fraction === undefined) return undefined;
    [micros, i] = fraction;
  }
  const zone = zoneMinutes(text, i);
  if (zone === undefined) return undefined;
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - zone * 60;
  const total = seconds * 1_000_000 + micros;
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * The unscaled integer of a decimal text of up to 15 digits at `scale` decimals, when it is a
 * safe integer below 10^`precision`; else undefined.
 */
export function scanDecimal(text: string, scale: number, precision: number): number | undefined {
  const n = text.length;
  if (n === 0 || n > 16) return undefined;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const negative = i === 1;
  let value = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && decimals < 0 && digits > 0) {
      decimals = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
    digits++;
    if (decimals >= 0) decimals++;
  }
  if (digits === 0 || decimals === 0 || digits > 15) return undefined;
  const kept = decimals < 0 ? 0 : decimals;
  if (kept > scale) return undefined;
  value *= 10 ** (scale - kept);
  if (!Number.isSafeInteger(value) || value >= 10 ** precision) return undefined;
  return negative ? -value : value;
}
