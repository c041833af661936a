/** The error of a CSV input that cannot be read, and where in it bytes not valid in its encoding are. */
import { ENCODING_NAMES, hexBytes, TEXT_ENCODINGS, type InvalidTextError } from './text-encoding';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/** A CSV input that cannot be read: the data row it is in (0 for the header row). */
export class CsvFormatError extends Error {
  constructor(
    message: string,
    readonly row: number,
  ) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

/**
 * How many records end in `text` (records end as `eol` says; with none known yet, at the first
 * CR, LF or CRLF) and how many commas follow the last one end, outside quotes.
 */
export function recordsIn(text: string, eol: '' | '\n' | '\r\n' | '\r'): { records: number; field: number } {
  let records = 0;
  let field = 0;
  let quoted = false;
  let ends = eol;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (quoted) continue;
    else if (c === COMMA) field += 1;
    else if (c === LF || c === CR) {
      if (ends === '') ends = c === LF ? '\n' : text.charCodeAt(i + 1) === LF ? '\r\n' : '\r';
      const crlf = c === CR && text.charCodeAt(i + 1) === LF;
      if ((ends === '\n' && c === LF) || (ends === '\r' && c === CR) || (ends === '\r\n' && crlf)) {
        if (crlf && ends === '\r\n') i += 1;
        records += 1;
        field = 0;
      }
    }
  }
  return { records, field };
}

/** Where bytes not valid in the encoding are: the row (0: the header), the column (from 0) and its name. */
export interface InvalidAt {
  row: number;
  field: number;
  name?: string | null;
}

/**
 * The error for bytes of `source` (the input, as messages name it) not valid in their encoding,
 * at `at`; its fix names `attribute`, the setting that declares the encoding.
 */
export function invalidTextError(error: InvalidTextError, at: InvalidAt, source = 'the CSV input', attribute = 'encoding'): CsvFormatError {
  const { row, field, name } = at;
  const where = `${row === 0 ? 'the header row' : `row ${row}`}, column ${field + 1}${name ? ` \`${name}\`` : ''}`;
  const others = TEXT_ENCODINGS.filter((e) => e !== error.encoding).map((e) => `'${e}'`);
  const fix = `set ${attribute} to ${others.join(' or ')}`;
  return new CsvFormatError(
    `CSV: ${source} is not valid ${ENCODING_NAMES[error.encoding]} at byte offset ${error.offset} (${where}): ` +
      `${hexBytes(error.bytes)}${error.truncated ? ' (the file ends inside a character)' : ''}; ` +
      `no byte is replaced: if the file is in another encoding, ${fix}`,
    row,
  );
}
