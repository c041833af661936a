/**
 * Values between bigrays and MySQL, kept exact: BIGINT beyond 2^53 as bigint (a number when it
 * fits), DECIMAL as its text (every digit), DATETIME as ISO 8601 text with its microseconds,
 * TIMESTAMP the same in UTC with `Z` (the session speaks UTC), DATE as `YYYY-MM-DD`, BOOLEAN
 * (`tinyint(1)`) as true/false, binary as a Buffer, JSON as its text.
 */
import { jsonText } from '../../../data/json';
import { exactInteger, isJsonValue } from '../values';

/** The part of mysql2's column description a `typeCast` sees. */
export interface CastField {
  type: string;
  length: number;
  string(encoding?: string): string | null;
}

const ZONED = /(Z|[+-]\d\d(:?\d\d)?)$/;
const TIMESTAMP_TEXT = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?/;

/** MySQL's text of a DATETIME (`2026-01-02 03:04:05.123456`) as ISO 8601; a zero date keeps MySQL's text. */
function isoDatetime(text: string, zoned: boolean): string {
  if (text.length < 19 || text.charCodeAt(10) !== 32 || text.startsWith('0000')) return text;
  return [text.slice(0, 10), 'T', text.slice(11), zoned ? 'Z' : ''].join('');
}

/** mysql2's `typeCast`: the types above, mysql2's own reading for the rest. */
export function castValue(field: CastField, next: () => unknown): unknown {
  switch (field.type) {
    case 'LONGLONG': {
      const text = field.string('ascii');
      return text === null ? null : exactInteger(text);
    }
    case 'DATETIME':
    case 'TIMESTAMP': {
      const text = field.string('ascii');
      return text === null ? null : isoDatetime(text, field.type === 'TIMESTAMP');
    }
    case 'TINY': {
      if (field.length !== 1) return next();
      const text = field.string('ascii');
      return text === null ? null : text !== '0';
    }
    default:
      return next();
  }
}

/** A timestamp with an offset (`…Z`, `…+02:00`) as the UTC `YYYY-MM-DD HH:MM:SS.ffffff` a DATETIME takes; other text as it is. */
export function utcDatetime(text: string): string {
  if (!ZONED.test(text) || !TIMESTAMP_TEXT.test(text)) return text;
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  const date = new Date(text.replace(' ', 'T'));
  if (Number.isNaN(date.getTime())) return text;
  const micros = fraction.padEnd(6, '0').slice(0, 6);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${micros}`;
}

/** A JavaScript Date as the UTC DATETIME text MySQL takes. */
function dateText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** A value as the session binds it: NULL for undefined, text for bigint, JSON text for objects, UTC text for dates. */
export function toMysql(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return dateText(value);
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value);
  if (isJsonValue(value)) return jsonText(value);
  return value;
}
