/**
 * UTF-8 text as the bytes of a JSON string, as `JSON.stringify` writes it: `"` and `\`
 * escaped, control characters as `\b \t \n \f \r` or `\u00XX` (lower-case hex), every other
 * byte as it is (valid UTF-8 in, the same characters out).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = Buffer.from('0123456789abcdef');

/** What each byte needs: 0 as it is, 1 escaped. */
const ESCAPED = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) ESCAPED[c] = 1;
ESCAPED[QUOTE] = 1;
ESCAPED[BACKSLASH] = 1;

/** The short escapes of JSON (`\n` for LF…); 0: none, `\u00XX` then. */
const SHORT = new Uint8Array(0x20);
SHORT[0x08] = 0x62; // b
SHORT[0x09] = 0x74; // t
SHORT[0x0a] = 0x6e; // n
SHORT[0x0c] = 0x66; // f
SHORT[0x0d] = 0x72; // r

/** The most bytes the JSON string of `length` bytes of text takes. */
export function jsonStringRoom(length: number): number {
  return 6 * length + 2;
}

/** Runs of bytes longer than this are copied by `Buffer.copy`; shorter ones byte by byte, cheaper than the call. */
const COPY_RUN = 24;

/** Copies `src[from, to)` into `out` at `pos`; the position after it. */
function copyRun(src: Buffer, from: number, to: number, out: Buffer, pos: number): number {
  if (to - from > COPY_RUN) return pos + src.copy(out, pos, from, to);
  for (let i = from; i < to; i++) out[pos++] = src[i];
  return pos;
}

/**
 * Writes `src[from, to)` into `out` at `pos` as a JSON string (quotes around it); returns the
 * position after it. `csvQuoted`: the bytes are a quoted CSV field's, each `""` in it one quote.
 * `out` has `jsonStringRoom(to - from)` bytes of room at `pos`.
 */
export function writeJsonString(src: Buffer, from: number, to: number, out: Buffer, pos: number, csvQuoted: boolean): number {
  out[pos++] = QUOTE;
  let run = from;
  for (let i = from; i < to; i++) {
    const c = src[i];
    if (ESCAPED[c] === 0) continue;
    pos = copyRun(src, run, i, out, pos);
    out[pos++] = BACKSLASH;
    if (c === QUOTE) {
      out[pos++] = QUOTE;
      if (csvQuoted) i += 1;
    } else if (c === BACKSLASH) {
      out[pos++] = BACKSLASH;
    } else if (SHORT[c] !== 0) {
      out[pos++] = SHORT[c];
    } else {
      out[pos++] = 0x75; // u
      out[pos++] = 0x30;
      out[pos++] = 0x30;
      out[pos++] = HEX[c >> 4];
      out[pos++] = HEX[c & 15];
    }
    run = i + 1;
  }
  pos = copyRun(src, run, to, out, pos);
  out[pos++] = QUOTE;
  return pos;
}
