/**
 * UTF-8 text held as its bytes, for a bulk load that passes records on as they were read,
 * never decoded nor encoded again: the bytes, checked as UTF-8 a run at a time (`isUtf8`), and,
 * for the few records that are parsed, a Latin-1 view of them, one character per byte. Every
 * byte the CSV tokenizer looks for (comma, quote, CR, LF, backslash, dot) is ASCII, which no
 * byte of a longer UTF-8 character is, so it finds the same records in the view as in the
 * decoded text, at the same indexes as in the bytes.
 */
import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8, InvalidTextError, unfinishedTail } from './text-encoding';

export class Utf8Window {
  /** The bytes from `offset` of the input on. */
  bytes: Buffer;
  private latin1: string | undefined;
  /** Where the next record starts. */
  at = 0;

  constructor(
    bytes: Buffer,
    /** Where `bytes` starts in the input (in bytes, a byte order mark included). */
    private offset: number,
  ) {
    this.bytes = bytes;
  }

  /** The bytes as Latin-1 text, `view.charCodeAt(i) === bytes[i]` (made when first asked for: making strings is slow). */
  get view(): string {
    this.latin1 ??= this.bytes.toString('latin1');
    return this.latin1;
  }

  /** Adds `chunks` (`size` bytes in all) after the bytes, and lets go of those before `at`. */
  append(chunks: readonly Buffer[], size: number): void {
    const kept = this.bytes.subarray(this.at);
    this.offset += this.at;
    this.bytes = kept.length === 0 && chunks.length === 1 ? chunks[0] : Buffer.concat([kept, ...chunks], kept.length + size);
    this.latin1 = undefined;
    this.at = 0;
  }

  /**
   * The bytes from `from` to before `to` when they are valid UTF-8; otherwise an error at the
   * first byte that is not (`final`: the input ends at `to` if `to` is the end of the bytes).
   */
  utf8(from: number, to: number, final: boolean): Buffer {
    const piece = this.bytes.subarray(from, to);
    if (isUtf8(piece)) return piece;
    const bad = firstInvalidUtf8(piece);
    const tail = unfinishedTail(piece);
    const truncated = final && to === this.bytes.length && tail > 0 && bad === piece.length - tail;
    throw new InvalidTextError('utf8', this.offset + from + bad, piece.subarray(bad, bad + 4), piece.toString('utf8', 0, bad), truncated);
  }
}
