/**
 * JSON lines for ToS3 and ToCSV: one JSON object per row, `\n` after each, keys in column
 * order. Values: NULL (and `undefined`) as `null`, bigint as a JSON number with every digit,
 * numbers, booleans and strings as JSON has them (exact numerics and timestamps stay the
 * strings the SQL tasks give), a `Date` as its ISO 8601 string, bytes as `\x` and hex (as
 * PostgreSQL's `to_json` writes bytea), plain objects and arrays as nested JSON.
 */
import type { RowRecords } from './csv';
import { jsonText } from './json';

/** The content type of JSON lines. */
export const JSONL_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

/** Lines are gathered into chunks of about this many characters before they are handed on. */
const CHUNK_CHARS = 64 * 1024;

/** The JSON text of one value. */
export function jsonValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`JSON lines: ${value} has no JSON form`);
      return JSON.stringify(value);
    default:
      break;
  }
  if (value instanceof Uint8Array) return JSON.stringify(`\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('JSON lines: an invalid Date');
    return JSON.stringify(value.toISOString());
  }
  return jsonText(value);
}

/**
 * The JSON lines of `records` (its first item the column names, then one array per row), as
 * UTF-8 chunks. Keys are written as text, so any column name (`__proto__` too) is kept.
 */
export async function* jsonlChunks(records: RowRecords, rowsBefore = 0): AsyncGenerator<Buffer> {
  let keys: string[] | undefined;
  let text = '';
  let row = rowsBefore; // rows are numbered over the whole export (a split export's earlier parts too)
  for await (const record of records) {
    if (keys === undefined) {
      keys = record.map((column) => `${JSON.stringify(String(column))}:`);
      continue;
    }
    row += 1;
    let line = '{';
    for (let j = 0; j < keys.length; j++) {
      let value: string;
      try {
        value = jsonValue(record[j]);
      } catch (error) {
        throw new TypeError(`JSON lines: cannot write column ${keys[j].slice(0, -1)} of row ${row}: ${(error as Error).message}`);
      }
      line += (j === 0 ? '' : ',') + keys[j] + value;
    }
    text += `${line}}\n`;
    if (text.length >= CHUNK_CHARS) {
      yield Buffer.from(text, 'utf8');
      text = '';
    }
  }
  if (text.length > 0) yield Buffer.from(text, 'utf8');
}
