/**
 * PostgreSQL's values as bigrays keeps them (int8 beyond 2^53 as bigint, numeric as text,
 * timestamps as ISO 8601 text with their microseconds, timestamptz in UTC, bytea as bytes), and
 * the column types `SQLWrite` creates.
 */
import { byteaBytes } from '../../../data/bytea';
import type { ValueKind } from '../dialect';
import { exactInteger } from '../values';
import { BOOL, BYTEA, FLOAT4, FLOAT8, INT2, INT4, INT8, OID, TIMESTAMP, TIMESTAMPTZ } from './type-oids';


const identity = (text: string): string => text;

/**
 * PostgreSQL's text of a timestamp as ISO 8601: `2026-01-02 03:04:05.123456` →
 * `2026-01-02T03:04:05.123456`, and with `zoned` (the session runs in UTC)
 * `2026-01-02 03:04:05.123456+00` → `2026-01-02T03:04:05.123456Z`. Years outside 1–9999 (BC,
 * or five digits) and `infinity` keep PostgreSQL's own text, which PostgreSQL reads back;
 * ISO's signed years it does not.
 *
 * Built with `join`, which makes one flat string: `replace` would keep a rope of slices of
 * PostgreSQL's text alive, more than twice the memory per value in a big DataFrame.
 */
export function isoTimestamp(text: string, zoned = false): string {
  const n = text.length;
  // `YYYY-MM-DD HH:MM:SS…`: a four-digit year, the date, then a space.
  if (n < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(n - 1) === 67 /* …BC */) return text;
  let end = n;
  let zone = '';
  if (zoned) {
    if (text.endsWith('+00')) end = n - 3;
    else if (text.endsWith('+00:00')) end = n - 6;
    if (end < n) zone = 'Z';
  }
  return [text.slice(0, 10), 'T', text.slice(11, end), zone].join('');
}

function isoTimestamptz(text: string): string {
  return isoTimestamp(text, true);
}

const PARSERS: Record<number, (text: string) => unknown> = {
  [BOOL]: (text) => text === 't' || text === 'true',
  [BYTEA]: byteaBytes,
  [INT8]: (text) => exactInteger(text),
  [INT2]: Number,
  [INT4]: Number,
  [OID]: Number,
  [FLOAT4]: Number,
  [FLOAT8]: Number,
  [TIMESTAMP]: (text) => isoTimestamp(text),
  [TIMESTAMPTZ]: isoTimestamptz,
};

/** Parsers for `pg`'s `types` option: the table above, text for every other type. */
export const pgTypes = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (format === 'binary') return identity;
    return PARSERS[oid] ?? identity;
  },
};

/** The column type `SQLWrite` creates for each kind of value. */
export const COLUMN_TYPES: Record<ValueKind, string> = {
  boolean: 'boolean',
  integer: 'bigint',
  float: 'double precision',
  numeric: 'numeric',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  binary: 'bytea',
  json: 'jsonb',
  text: 'text',
};
