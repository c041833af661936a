/**
 * One column of a Parquet row group as its values arrive, already in the bytes of its PLAIN
 * encoding: a 32-bit integer as 4 little-endian bytes, a 64-bit one as 8, a float or double as
 * its IEEE bytes, a BYTE_ARRAY as a 4-byte length and the bytes (text written as UTF-8 straight
 * into the buffer), a FIXED_LEN_BYTE_ARRAY as its bytes, a BOOLEAN as one bit. Beside them, one
 * definition level per row (0 for NULL, 1 for a value).
 *
 * No value is kept as a JavaScript object: a row group of a million values is two buffers, and
 * the builder is reused for the next row group, so its buffers are allocated once per export.
 */

/** The physical types a builder holds. */
export type PhysicalType = 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';

import { isUtf8 } from 'node:buffer';
import { hexInto } from './parquet-csv-scan';

const TWO_32 = 4_294_967_296;
const QUOTE = 0x22;
/** CSV fields up to this length are copied by a loop; longer ones by `Buffer.copy`. */
const SHORT_FIELD = 32;
/** Strings up to this length whose characters are all ASCII are copied by a loop; longer ones by `Buffer.write`. */
const SHORT_TEXT = 24;

export class ColumnBuilder {
  /** The PLAIN bytes of the non-null values so far. */
  private data = Buffer.allocUnsafe(64 * 1024);
  private size = 0;
  /** BOOLEAN values so far (one bit each). */
  private bits = 0;
  /** One definition level per row. */
  private levels = new Uint8Array(16 * 1024);
  rows = 0;
  nulls = 0;

  constructor(readonly type: PhysicalType) {}

  /** Bytes held: the values' PLAIN bytes (the row group's bound counts them). */
  get byteLength(): number {
    return this.size + this.rows;
  }

  /** The PLAIN bytes of the row group's values (a view, valid until the next append or `reset`). */
  plain(): Buffer {
    return this.data.subarray(0, this.type === 'BOOLEAN' ? (this.bits + 7) >>> 3 : this.size);
  }

  /** The definition levels of the row group's rows (a view, as `plain`). */
  definitionLevels(): Uint8Array {
    return this.levels.subarray(0, this.rows);
  }

  /** Empties the builder for the next row group, keeping its buffers. */
  reset(): void {
    this.size = 0;
    this.bits = 0;
    this.rows = 0;
    this.nulls = 0;
  }

  appendNull(): void {
    this.level(0);
    this.nulls += 1;
  }

  appendBoolean(value: boolean): void {
    this.level(1);
    const byte = this.bits >>> 3;
    this.room(byte + 1 - this.size);
    if ((this.bits & 7) === 0) this.data[byte] = 0;
    if (value) this.data[byte] |= 1 << (this.bits & 7);
    this.bits += 1;
    this.size = (this.bits + 7) >>> 3;
  }

  appendInt32(value: number): void {
    this.level(1);
    this.room(4);
    this.size = this.data.writeInt32LE(value, this.size);
  }

  /** A 64-bit integer given as a safe integer number or a bigint. */
  appendInt64(value: number | bigint): void {
    this.level(1);
    this.room(8);
    if (typeof value === 'bigint') {
      this.size = this.data.writeBigInt64LE(value, this.size);
      return;
    }
    const high = Math.floor(value / TWO_32);
    this.data.writeUInt32LE(value - high * TWO_32, this.size);
    this.size = this.data.writeInt32LE(high, this.size + 4);
  }

  appendFloat(value: number): void {
    this.level(1);
    this.room(4);
    this.size = this.data.writeFloatLE(value, this.size);
  }

  appendDouble(value: number): void {
    this.level(1);
    this.room(8);
    this.size = this.data.writeDoubleLE(value, this.size);
  }

  /** A BYTE_ARRAY value: `text` as UTF-8 (the caller has refused lone surrogates). */
  appendText(text: string): void {
    this.level(1);
    const length = text.length;
    this.room(4 + length * 3);
    const start = this.size + 4;
    let written = -1;
    if (length <= SHORT_TEXT) written = this.asciiAt(text, start);
    if (written < 0) written = this.data.write(text, start);
    this.data.writeUInt32LE(written, this.size);
    this.size = start + written;
  }

  /** A BYTE_ARRAY value of bytes. */
  appendBytes(bytes: Uint8Array): void {
    this.level(1);
    this.room(4 + bytes.byteLength);
    this.size = this.data.writeUInt32LE(bytes.byteLength, this.size);
    this.data.set(bytes, this.size);
    this.size += bytes.byteLength;
  }

  /**
   * A BYTE_ARRAY value of the bytes of a CSV field, `buf[from, to)` (`quoted`: each `""` one
   * quote). Bytes that are not valid UTF-8 are written as a string decoded from them is (U+FFFD
   * for each bad sequence), as the rows read one by one hold them.
   */
  appendCsvText(buf: Buffer, from: number, to: number, quoted: boolean): void {
    this.level(1);
    this.room(4 + to - from);
    const data = this.data;
    const start = this.size + 4;
    let pos = start;
    let high = 0;
    if (quoted) {
      for (let i = from; i < to; i++) {
        const c = buf[i];
        data[pos++] = c;
        high |= c;
        if (c === QUOTE) i++;
      }
    } else if (to - from <= SHORT_FIELD) {
      for (let i = from; i < to; i++) {
        const c = buf[i];
        data[pos++] = c;
        high |= c;
      }
    } else {
      pos += buf.copy(data, start, from, to);
      high = 0x80;
    }
    let length = pos - start;
    if (high & 0x80 && !isUtf8(data.subarray(start, pos))) {
      const text = data.toString('utf8', start, pos);
      this.room(4 + text.length * 3);
      length = this.data.write(text, start);
    }
    this.data.writeUInt32LE(length, this.size);
    this.size = start + length;
  }

  /** A BYTE_ARRAY value of the bytes of the hex digits `buf[from, to)`; false (nothing appended) for any other byte. */
  appendHex(buf: Buffer, from: number, to: number): boolean {
    this.room(4 + ((to - from) >>> 1));
    const written = hexInto(buf, from, to, this.data, this.size + 4);
    if (written < 0) return false;
    this.level(1);
    this.size = this.data.writeUInt32LE(written, this.size) + written;
    return true;
  }

  /**
   * A FIXED_LEN_BYTE_ARRAY value of `length` bytes, written by `write` at the offset it is given;
   * `write` returns false (and the value is not taken) when the value does not fit.
   */
  appendFixed(length: number, write: (data: Buffer, offset: number) => boolean): boolean {
    this.room(length);
    if (!write(this.data, this.size)) return false;
    this.level(1);
    this.size += length;
    return true;
  }

  /** Copies an ASCII `text` at `offset`; -1 (nothing meant) when a character is not ASCII. */
  private asciiAt(text: string, offset: number): number {
    const data = this.data;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) return -1;
      data[offset + i] = c;
    }
    return text.length;
  }

  private level(level: number): void {
    if (this.rows === this.levels.length) {
      const grown = new Uint8Array(this.levels.length * 2);
      grown.set(this.levels);
      this.levels = grown;
    }
    this.levels[this.rows] = level;
    this.rows += 1;
  }

  /** Makes room for `bytes` more bytes of values. */
  private room(bytes: number): void {
    if (this.size + bytes <= this.data.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.size + bytes));
    this.data.copy(grown, 0, 0, this.size);
    this.data = grown;
  }
}
