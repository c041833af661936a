/**
 * COPY text gathered into chunks of about COPY_CHUNK bytes, one CopyData message each, however
 * small the pieces it comes in: a load whose records are mostly written again (an empty line
 * for NULL, a stray CR) gives one small piece per record, which would otherwise each be a
 * message, and each hold on to the bytes it was cut from while it waits to be sent.
 */
import { COPY_CHUNK } from './copy-text';

/** A piece of bytes at least this big goes as it is when nothing waits before it (no copy of a long run). */
const WHOLE = COPY_CHUNK / 2;

export class CopyChunks {
  private text = '';
  private bytes: Buffer[] = [];
  private size = 0;

  /** Takes `piece` after those before it; the chunk to send now when one is full. */
  add(piece: string | Buffer): string | Buffer | undefined {
    if (typeof piece === 'string' && this.size === 0) {
      this.text += piece;
      if (this.text.length < COPY_CHUNK) return undefined;
      return this.takeText();
    }
    if (this.size === 0 && this.text === '' && piece.length >= WHOLE) return piece;
    // Text and bytes in one input: what waits becomes bytes, in order.
    if (this.text !== '') this.push(Buffer.from(this.takeText(), 'utf8'));
    this.push(typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
    return this.size < COPY_CHUNK ? undefined : this.takeBytes();
  }

  /** What is left to send ('' when nothing). */
  rest(): string | Buffer {
    return this.size > 0 ? this.takeBytes() : this.takeText();
  }

  private push(bytes: Buffer): void {
    this.bytes.push(bytes);
    this.size += bytes.length;
  }

  private takeText(): string {
    const text = this.text;
    this.text = '';
    return text;
  }

  private takeBytes(): Buffer {
    const bytes = this.bytes.length === 1 ? this.bytes[0] : Buffer.concat(this.bytes, this.size);
    this.bytes = [];
    this.size = 0;
    return bytes;
  }
}
