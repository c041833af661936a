/**
 * The fields of the server's CSV read from their bytes, without a string: integers, decimals of up
 * to 15 digits, `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM]]` timestamps, `YYYY-MM-DD` dates,
 * `HH:MM:SS[.ffffff]` times and hex digits. Each gives what `parquet-text-scan.ts` and
 * `parquet-values.ts` give for the same text, or undefined for any other text (years before
 * Christ, `infinity`, longer decimals), which is then read from its text the general way.
 */
import { daysFromCivil } from './parquet-text-scan';

/** The value of each hex digit's byte; -1 for any other byte. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

const DASH = 0x2d;

/** 10^i, exact up to 10^22. */
const POW10 = Array.from({ length: 39 }, (_, i) => 10 ** i);

/** The number of `count` digits at `start`; -1 if one is not a digit. */
function digitsAt(buf: Buffer, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = buf[i] - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** An integer of at most 15 digits (a sign allowed); undefined for anything else. */
export function csvInteger(buf: Buffer, from: number, to: number): number | undefined {
  const negative = buf[from] === DASH;
  const start = negative ? from + 1 : from;
  if (start === to || to - start > 15) return undefined;
  const value = digitsAt(buf, start, to - start);
  if (value < 0) return undefined;
  return negative ? -value : value;
}

/**
 * The unscaled integer of a decimal of up to 15 digits at `scale` decimals, when it is a safe
 * integer below 10^`precision`; else undefined (as `scanDecimal`).
 */
export function csvDecimal(buf: Buffer, from: number, to: number, scale: number, precision: number): number | undefined {
  const n = to - from;
  if (n === 0 || n > 16) return undefined;
  let i = buf[from] === DASH ? from + 1 : from;
  const negative = i > from;
  let value = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < to; i++) {
    const c = buf[i];
    if (c === 0x2e && decimals < 0 && digits > 0) {
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
  value *= POW10[scale - kept];
  if (!Number.isSafeInteger(value) || value >= POW10[precision]) return undefined;
  return negative ? -value : value;
}

/** How many digits a fraction at `start` has (up to 7: more than 6 is malformed). */
function fractionDigits(buf: Buffer, start: number, to: number): number {
  let i = start;
  while (i < to && i - start < 7 && buf[i] >= 0x30 && buf[i] <= 0x39) i++;
  return i - start;
}

/** Microseconds of a fraction of `count` (1 to 6) digits at `start`. */
function fractionMicros(buf: Buffer, start: number, count: number): number {
  return digitsAt(buf, start, count) * POW10[6 - count];
}

/** Minutes east of UTC of a zone `Z`, `±HH`, `±HH:MM` or `±HHMM` from `start` to `to`; undefined if malformed. */
function zoneMinutes(buf: Buffer, start: number, to: number): number | undefined {
  if (start === to) return 0;
  const sign = buf[start];
  if (sign === 0x5a /* Z */) return start + 1 === to ? 0 : undefined;
  if (sign !== 0x2b && sign !== DASH) return undefined;
  if (start + 3 > to) return undefined;
  const hours = digitsAt(buf, start + 1, 2);
  let i = start + 3;
  let minutes = 0;
  if (i < to) {
    if (buf[i] === 0x3a) i++;
    minutes = i + 2 === to ? digitsAt(buf, i, 2) : -1;
  }
  if (hours < 0 || minutes < 0) return undefined;
  const total = hours * 60 + minutes;
  return sign === DASH ? -total : total;
}

/** Microseconds since the epoch of a timestamp of a four-digit year, as a safe integer; else undefined (as `scanTimestampMicros`). */
export function csvTimestampMicros(buf: Buffer, from: number, to: number): number | undefined {
  if (to - from < 19 || buf[from + 4] !== DASH || buf[from + 7] !== DASH || buf[from + 13] !== 0x3a || buf[from + 16] !== 0x3a) return undefined;
  const t = buf[from + 10];
  if (t !== 0x54 && t !== 0x20) return undefined;
  const year = digitsAt(buf, from, 4);
  const month = digitsAt(buf, from + 5, 2);
  const day = digitsAt(buf, from + 8, 2);
  const hour = digitsAt(buf, from + 11, 2);
  const minute = digitsAt(buf, from + 14, 2);
  const second = digitsAt(buf, from + 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let micros = 0;
  let i = from + 19;
  if (i < to && buf[i] === 0x2e) {
    const count = fractionDigits(buf, i + 1, to);
    if (count === 0 || count > 6) return undefined;
    micros = fractionMicros(buf, i + 1, count);
    i += 1 + count;
  }
  const zone = zoneMinutes(buf, i, to);
  if (zone === undefined) return undefined;
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - zone * 60;
  const total = seconds * 1_000_000 + micros;
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Days since the epoch of `YYYY-MM-DD`; else undefined. */
export function csvDateDays(buf: Buffer, from: number, to: number): number | undefined {
  if (to - from !== 10 || buf[from + 4] !== DASH || buf[from + 7] !== DASH) return undefined;
  const year = digitsAt(buf, from, 4);
  const month = digitsAt(buf, from + 5, 2);
  const day = digitsAt(buf, from + 8, 2);
  return year < 0 || month < 0 || day < 0 ? undefined : daysFromCivil(year, month, day);
}

/** Microseconds since midnight of `HH:MM:SS[.ffffff]`; else undefined. */
export function csvTimeMicros(buf: Buffer, from: number, to: number): number | undefined {
  if (to - from < 8 || buf[from + 2] !== 0x3a || buf[from + 5] !== 0x3a) return undefined;
  const hour = digitsAt(buf, from, 2);
  const minute = digitsAt(buf, from + 3, 2);
  const second = digitsAt(buf, from + 6, 2);
  if (hour < 0 || minute < 0 || second < 0) return undefined;
  let micros = 0;
  if (to - from > 8) {
    const count = buf[from + 8] === 0x2e ? fractionDigits(buf, from + 9, to) : 0;
    if (count === 0 || count > 6 || from + 9 + count !== to) return undefined;
    micros = fractionMicros(buf, from + 9, count);
  }
  return (hour * 3600 + minute * 60 + second) * 1_000_000 + micros;
}

/**
 * Writes the bytes of the hex digits `buf[from, to)` at `offset` of `data` (dashes skipped with
 * `dashes`, as in a UUID): how many were written, or -1 for any other byte or an odd digit.
 */
export function hexInto(buf: Buffer, from: number, to: number, data: Buffer, offset: number, dashes = false): number {
  let out = offset;
  let i = from;
  while (i < to) {
    if (dashes && buf[i] === DASH) {
      i++;
      continue;
    }
    if (i + 1 >= to) return -1;
    const high = HEX[buf[i]];
    const low = HEX[buf[i + 1]];
    if (high < 0 || low < 0) return -1;
    data[out++] = (high << 4) | low;
    i += 2;
  }
  return out - offset;
}
