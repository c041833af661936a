/**
 * Bytes read as text in a declared encoding, and text written as UTF-8, strictly: bytes that
 * are not valid in the encoding, and strings UTF-8 cannot hold (a lone surrogate), are errors
 * that say where, never replaced by U+FFFD.
 *
 * UTF-8 is checked a chunk at a time with `isUtf8` (the precise offset is looked for only once a
 * chunk fails); a character split between chunks waits for the rest. A byte order mark at the
 * start says what the bytes are, whatever was declared: a UTF-8 one is dropped, a UTF-16LE one
 * (FF FE) switches to UTF-16LE and is dropped.
 */
import { isUtf8 } from 'node:buffer';

/** The encodings text is read in. */
export type TextEncoding = 'utf8' | 'latin1' | 'utf16le';

export const TEXT_ENCODINGS: readonly TextEncoding[] = ['utf8', 'latin1', 'utf16le'];

/** An encoding as messages name it. */
export const ENCODING_NAMES: Readonly<Record<TextEncoding, string>> = { utf8: 'UTF-8', latin1: 'Latin-1', utf16le: 'UTF-16LE' };

/** Bytes not valid in the encoding: at `offset` from the start of the input, after the text `before` (of this write). */
export class InvalidTextError extends Error {
  constructor(
    readonly encoding: TextEncoding,
    readonly offset: number,
    /** The bytes from `offset`, a few. */
    readonly bytes: Buffer,
    /** The text decoded, in the same write, before `offset`. */
    readonly before: string,
    /** The input ends inside a character. */
    readonly truncated: boolean,
  ) {
    super(
      `not valid ${ENCODING_NAMES[encoding]} at byte offset ${offset}: ${hexBytes(bytes)}${truncated ? ' (the input ends inside a character)' : ''}`,
    );
    this.name = 'InvalidTextError';
  }
}

/** Bytes as `ff fe c3 28`. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Where the first malformed UTF-8 sequence of `bytes` starts (Unicode's table 3-7: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or where a sequence the bytes end inside starts;
 * -1 when all of it is valid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let follow: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) follow = 1;
    else if (b === 0xe0) [follow, low] = [2, 0xa0];
    else if (b === 0xed) [follow, high] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) follow = 2;
    else if (b === 0xf0) [follow, low] = [3, 0x90];
    else if (b === 0xf4) [follow, high] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) follow = 3;
    else return i;
    if (i + follow >= n) return i;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k <= follow; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += follow + 1;
  }
  return -1;
}

/** How many bytes at the end of `bytes` begin a UTF-8 character they do not finish (0 to 3). */
export function unfinishedTail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back];
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return size > back ? back : 0;
    }
  }
  return 0;
}

/** The index of the first unpaired surrogate in `text`, or -1. */
export function loneSurrogateAt(text: string): number {
  if ((text as unknown as { isWellFormed(): boolean }).isWellFormed()) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/** Text with a lone surrogate cannot be written as UTF-8: what to say about it, or undefined when there is none. */
export function loneSurrogateProblem(text: string): string | undefined {
  const at = loneSurrogateAt(text);
  if (at < 0) return undefined;
  const unit = text.charCodeAt(at).toString(16).toUpperCase();
  return `holds a lone surrogate (U+${unit} at character ${at}), which UTF-8 cannot hold (it is not written as U+FFFD)`;
}

/** Decodes chunks of bytes in `encoding` (see the file's comment); throws an InvalidTextError for bytes not valid in it. */
export class StrictTextDecoder {
  private encoding: TextEncoding;
  private started = false;
  /** Bytes of the input decoded so far (a byte order mark included). */
  private offset = 0;
  /** Bytes held back: the start of a character (or of a UTF-16 surrogate pair) the next chunk finishes, or too few to tell a byte order mark from. */
  private held: Buffer = Buffer.alloc(0);

  constructor(declared: TextEncoding) {
    this.encoding = declared;
  }

  /** The text of `chunk` (and of what was held back before it). */
  write(chunk: Buffer): string {
    let data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.held = Buffer.alloc(0);
    if (!this.started) {
      if (data.length < 3) {
        this.held = data;
        return '';
      }
      data = this.byteOrderMark(data);
    }
    return this.decode(data, false);
  }

  /** The encoding the bytes are read in (a byte order mark may have changed the declared one). */
  get decoding(): TextEncoding {
    return this.encoding;
  }

  /** How many bytes of the input were decoded (a byte order mark included). */
  get decoded(): number {
    return this.offset;
  }

  /** The bytes held back (the start of a character the next chunk finishes), taken: whoever takes them reads on from them. */
  takeHeld(): Buffer {
    const held = this.held;
    this.held = Buffer.alloc(0);
    return held;
  }

  /** The text of what is held back, at the end of the input. */
  end(): string {
    const data = this.held;
    this.held = Buffer.alloc(0);
    return this.decode(this.started ? data : this.byteOrderMark(data), true);
  }

  private byteOrderMark(data: Buffer): Buffer {
    this.started = true;
    if (data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) {
      this.encoding = 'utf8';
      this.offset = 3;
      return data.subarray(3);
    }
    if (data.length >= 2 && data[0] === 0xff && data[1] === 0xfe) {
      this.encoding = 'utf16le';
      this.offset = 2;
      return data.subarray(2);
    }
    return data;
  }

  private decode(data: Buffer, final: boolean): string {
    switch (this.encoding) {
      case 'latin1':
        this.offset += data.length;
        return data.toString('latin1');
      case 'utf16le':
        return this.decodeUtf16(data, final);
      default:
        return this.decodeUtf8(data, final);
    }
  }

  private decodeUtf8(data: Buffer, final: boolean): string {
    const tail = unfinishedTail(data);
    const end = final ? data.length : data.length - tail;
    const whole = end === data.length ? data : data.subarray(0, end);
    if (!isUtf8(whole)) {
      const bad = firstInvalidUtf8(whole);
      const truncated = final && tail > 0 && bad === data.length - tail;
      throw new InvalidTextError('utf8', this.offset + bad, whole.subarray(bad, bad + 4), whole.toString('utf8', 0, bad), truncated);
    }
    const text = whole.toString('utf8');
    this.offset += end;
    if (end < data.length) this.held = Buffer.from(data.subarray(end));
    return text;
  }

  private decodeUtf16(data: Buffer, final: boolean): string {
    let end = data.length - (data.length % 2);
    // A high surrogate last waits for the low one the next chunk starts with.
    if (!final && end >= 2 && (data[end - 1] & 0xfc) === 0xd8) end -= 2;
    const text = data.toString('utf16le', 0, end);
    const lone = loneSurrogateAt(text);
    if (lone >= 0) {
      throw new InvalidTextError('utf16le', this.offset + 2 * lone, data.subarray(2 * lone, 2 * lone + 2), text.slice(0, lone), false);
    }
    this.offset += end;
    if (end < data.length) {
      if (final) throw new InvalidTextError('utf16le', this.offset, data.subarray(end), text, true);
      this.held = Buffer.from(data.subarray(end));
    }
    return text;
  }
}
