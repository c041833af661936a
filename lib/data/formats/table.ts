/**
 * The formats, by name: the one list ToS3, ToCSV and FromS3 check their `format` against and
 * the payload writes with. A format is added here and nowhere else.
 */
import { CSV_FORMAT } from './csv';
import type { Format } from './format';
import { JSONL_FORMAT } from './jsonl';
import { PARQUET_FORMAT } from './parquet';

export const FORMATS = { csv: CSV_FORMAT, jsonl: JSONL_FORMAT, parquet: PARQUET_FORMAT } as const satisfies Record<string, Format>;

/** How ToS3 and ToCSV write tabular input: a name in `FORMATS`. */
export type DataFormat = keyof typeof FORMATS;

/** The names of the formats, in the table's order. */
export const DATA_FORMATS = Object.keys(FORMATS) as DataFormat[];

/** The format named `name`; undefined for any other value. */
export function formatNamed(name: unknown): Format | undefined {
  return typeof name === 'string' && Object.hasOwn(FORMATS, name) ? FORMATS[name as DataFormat] : undefined;
}

/** The format named `name`; a TypeError listing the formats for any other value. */
export function formatOf(name: unknown): Format {
  const format = formatNamed(name);
  if (format) return format;
  throw new TypeError(`unknown format ${typeof name === 'string' ? `'${name}'` : String(name)}: the formats are ${listed(DATA_FORMATS)}`);
}

/** Names as an allowed-values message lists them: `'a', 'b', 'c'`. */
export function listed(names: readonly string[]): string {
  return names.map((name) => `'${name}'`).join(', ');
}

/** The formats FromS3 can read back as rows. */
export function readableFormats(): Format[] {
  return Object.values(FORMATS).filter((format: Format) => format.readRows !== undefined);
}
