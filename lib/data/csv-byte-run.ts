/**
 * `CsvScanner.cleanRun` (./csv-scan.ts) over UTF-8 bytes rather than decoded text: from the
 * record at `start`, the end of the run of whole records COPY reads exactly as parsing does. It
 * stops where cleanRun stops (a quote out of place, a CR or LF that is not the line break
 * outside quotes, the wrong number of fields, an empty line, a record starting with `\.`, one
 * the bytes do not yet hold whole). Every byte it looks for is ASCII, which no byte of a longer
 * UTF-8 character is, so it finds the records decoding would find.
 */
import type { CopyLines } from './copy-lines';
import type { LineBreak } from './csv-scan';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;
const BACKSLASH = 92;
const DOT = 46;

/** What the run is scanned against: the reader's state. */
export interface RunState {
  /** Fields a record has (the header's). */
  width: number;
  eol: LineBreak;
  /** The bytes end the input. */
  final: boolean;
  /** Data rows read before `start`. */
  rows: number;
  /** Learns the rows whose quoted values hold line breaks COPY counts (see ./copy-lines.ts). */
  lines: CopyLines;
}

/**
 * The end of the clean run from `start`, how many records it holds, and whether it stopped
 * because the bytes end before the record after it does (`short`: more bytes may take it on).
 */
export function cleanByteRun(bytes: Uint8Array, start: number, state: RunState): { end: number; records: number; short: boolean } {
  const { width, eol, final, rows, lines } = state;
  const n = bytes.length;
  const crlf = eol === '\r\n';
  const brk = eol === '\r' || crlf ? CR : LF;
  let p = start;
  let records = 0;
  let short = false;
  records: while (p < n) {
    if (bytes[p] === BACKSLASH && (p + 1 >= n || bytes[p + 1] === DOT)) {
      short = p + 1 >= n && !final;
      break;
    }
    // COPY counts CR inside the first row's values and in CR or CRLF text, LF otherwise (breakInside).
    const counted = rows + records === 0 || eol !== '\n' ? CR : LF;
    let breaks = 0;
    let fields = 1;
    let q = p;
    for (;;) {
      let c = -1;
      if (bytes[q] === QUOTE) {
        let close = q + 1;
        for (;;) {
          while (close < n && bytes[close] !== QUOTE) {
            if (bytes[close] === counted) breaks += 1;
            close += 1;
          }
          if (close >= n) {
            short = !final;
            break records;
          }
          if (close + 1 >= n || bytes[close + 1] !== QUOTE) break;
          close += 2;
        }
        q = close + 1;
        if (q < n) c = bytes[q];
        else if (!final) {
          short = true;
          break records;
        }
      } else {
        const from = q;
        for (; q < n; q++) {
          c = bytes[q];
          if (c === COMMA || c === QUOTE || c === CR || c === LF) break;
        }
        if (q >= n) {
          if (!final || q === from) {
            short = !final;
            break records;
          }
          c = -1;
        } else if (c === QUOTE || (q === from && fields === 1 && c !== COMMA)) break records;
      }
      if (c === COMMA) {
        fields += 1;
        q += 1;
        if (q >= n) {
          short = !final;
          break records;
        }
        continue;
      }
      if (fields !== width) break records;
      if (c !== -1 && c !== brk) break records;
      if (c !== -1 && crlf && (q + 1 >= n || bytes[q + 1] !== LF)) {
        short = q + 1 >= n && !final;
        break records;
      }
      if (breaks > 0) lines.add(rows + records + 1, breaks);
      records += 1;
      if (c === -1) {
        // The last record, ended by the end of the input.
        p = n;
        break records;
      }
      p = q + (crlf ? 2 : 1);
      continue records;
    }
  }
  return { end: p, records, short };
}
