/**
 * Bytes written in place into a buffer and handed on in chunks that end between records: a
 * record being written can be taken back (its input was cut short), never half handed on.
 * A full buffer is handed on and a new one begun, the record in progress moved into it.
 */
export class ByteSink {
  /** The buffer written into, and where the next byte goes. */
  buf: Buffer;
  pos = 0;
  /** Where the bytes not yet handed on begin, and where the record in progress begins. */
  private start = 0;
  private mark = 0;
  private ready: Buffer[] = [];

  constructor(private readonly size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** A record begins at the current position. */
  begin(): void {
    this.mark = this.pos;
  }

  /** Takes back the record in progress. */
  undo(): void {
    this.pos = this.mark;
  }

  /** Makes room for `bytes` more bytes. */
  room(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.grow(bytes);
  }

  private grow(bytes: number): void {
    if (this.mark > this.start) this.ready.push(this.buf.subarray(this.start, this.mark));
    const partial = this.pos - this.mark;
    const next = Buffer.allocUnsafe(Math.max(this.size, 2 * (partial + bytes)));
    this.buf.copy(next, 0, this.mark, this.pos);
    this.buf = next;
    this.start = 0;
    this.mark = 0;
    this.pos = partial;
  }

  /** Writes ASCII text. */
  ascii(text: string): void {
    const n = text.length;
    this.room(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Writes `src[from, to)` as it is. */
  bytes(src: Uint8Array, from = 0, to = src.length): void {
    this.room(to - from);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = from; i < to; i++) buf[pos++] = src[i];
    this.pos = pos;
  }

  /** The whole records written since the last call, as chunks to hand on. */
  take(): Buffer[] {
    if (this.mark > this.start) {
      this.ready.push(this.buf.subarray(this.start, this.mark));
      this.start = this.mark;
    }
    const ready = this.ready;
    this.ready = [];
    return ready;
  }
}
