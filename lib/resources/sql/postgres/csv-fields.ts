/**
 * Where one column's fields of PostgreSQL's `COPY … (FORMAT csv)` go: each field turned into
 * the value pg's row path gives for the column's type (the parsers of types.ts, by type OID) and
 * put in `FrameColumns`. Text (and timestamps, written as bigrays keeps them) is gathered as
 * bytes for a batch of rows and decoded once into the batch's joined string; numbers are read
 * from their digits; anything else goes through the row path's own parser.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { FrameColumns } from '../../../data/frame-columns';
import { pgTypes } from './types';
import { BOOL, FLOAT4, FLOAT8, INT2, INT4, INT8, OID, TEXT, TIMESTAMP, TIMESTAMPTZ } from './type-oids';

/** How a field was written: unquoted, NULL (unquoted and empty), quoted, quoted with doubled quotes. */
export const PLAIN = 0;
export const NULL = 1;
export const QUOTED = 2;
export const ESCAPED = 3;

const QUOTE = 0x22;

/** Values, and bytes, of one text batch at most (a longer value is a batch of its own). */
const BATCH_VALUES = 4096;
const BATCH_BYTES = 1 << 20;


export interface FieldSink {
  put(bytes: Buffer, start: number, end: number, how: number): void;
  /** Puts what is held back (a text batch) into the columns. */
  flush(): void;
}

/** The field's text, its doubled quotes made single, decoded as pg decodes a field (UTF-8, U+FFFD for bad bytes). */
function fieldText(bytes: Buffer, start: number, end: number, how: number): string {
  if (how !== ESCAPED) return bytes.toString('utf8', start, end);
  const out = Buffer.allocUnsafe(end - start);
  return out.toString('utf8', 0, copyUnescaped(bytes, start, end, out, 0));
}

/** Copies `bytes[start, end)` into `out` at `at`, each doubled quote once; the end in `out`. */
function copyUnescaped(bytes: Buffer, start: number, end: number, out: Buffer, at: number): number {
  if (end - start > 64) return copyUnescapedLong(bytes, start, end, out, at);
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    out[at++] = byte;
    if (byte === QUOTE) i += 1;
  }
  return at;
}

/** `copyUnescaped` of a long field: the runs between quotes copied whole. */
function copyUnescapedLong(bytes: Buffer, start: number, end: number, out: Buffer, at: number): number {
  let from = start;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0 || quote >= end) return at + bytes.copy(out, at, from, end);
    at += bytes.copy(out, at, from, quote + 1);
    from = quote + 2;
  }
}

/** Any value, by the row path's parser of the column's type. */
class ParsedSink implements FieldSink {
  private readonly parse: (text: string) => unknown;

  constructor(protected readonly columns: FrameColumns, protected readonly column: number, oid: number) {
    this.parse = pgTypes.getTypeParser(oid);
  }

  put(bytes: Buffer, start: number, end: number, how: number): void {
    this.columns.pushValue(this.column, how === NULL ? null : this.parse(fieldText(bytes, start, end, how)));
  }

  flush(): void {}
}

/** Integers: up to 15 digits read from the bytes (exactly a number); longer ones by the parser (int8 past 2^53 a bigint). */
class IntegerSink extends ParsedSink {
  override put(bytes: Buffer, start: number, end: number, how: number): void {
    if (how === NULL) return this.columns.pushNumber(this.column, null);
    if (how === PLAIN && end - start <= 15) {
      let at = start;
      const negative = bytes[at] === 0x2d;
      if (negative) at += 1;
      let value = 0;
      for (; at < end; at++) {
        const digit = bytes[at] - 0x30;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
      }
      if (at === end && end > start + (negative ? 1 : 0)) return this.columns.pushNumber(this.column, negative ? -value : value);
    }
    super.put(bytes, start, end, how);
  }
}

/** float4/float8: `Number` of the text, as the row path. */
class FloatSink implements FieldSink {
  constructor(private readonly columns: FrameColumns, private readonly column: number) {}

  put(bytes: Buffer, start: number, end: number, how: number): void {
    this.columns.pushNumber(this.column, how === NULL ? null : Number(fieldText(bytes, start, end, how)));
  }

  flush(): void {}
}

/** Booleans: `t`/`f`, as the row path reads them. */
class BooleanSink extends ParsedSink {
  override put(bytes: Buffer, start: number, end: number, how: number): void {
    if (how === PLAIN && end - start === 1) return this.columns.pushValue(this.column, bytes[start] === 0x74);
    super.put(bytes, start, end, how);
  }
}

/**
 * Strings: a batch's field bytes side by side, decoded at once. Timestamps are written as
 * `isoTimestamp` writes them (`T` for the space, `Z` for a UTC offset) on the way.
 */
class TextSink implements FieldSink {
  private bytes = Buffer.allocUnsafe(64 * 1024);
  private length = 0;
  private readonly ends = new Uint32Array(BATCH_VALUES);
  private readonly charEnds = new Uint32Array(BATCH_VALUES);
  private readonly nulls = new Uint8Array(BATCH_VALUES);
  private hasNulls = false;
  private count = 0;
  private readonly parse: (text: string) => unknown;

  /** `stamp`: 0 for text, 1 for timestamp, 2 for timestamptz. */
  constructor(private readonly columns: FrameColumns, private readonly column: number, oid: number, private readonly stamp: number) {
    this.parse = pgTypes.getTypeParser(oid);
  }

  put(bytes: Buffer, start: number, end: number, how: number): void {
    const size = end - start;
    if (this.count === BATCH_VALUES || (this.count > 0 && this.length + size > BATCH_BYTES)) this.flush();
    if (this.length + size + 1 > this.bytes.length) this.grow(size + 1);
    const index = this.count;
    if (how === NULL) {
      this.nulls[index] = 1;
      this.hasNulls = true;
    } else if (this.stamp !== 0) {
      if (how !== PLAIN || !this.putStamp(bytes, start, end)) {
        // Not a plain ASCII timestamp: the row path's parser, on the value alone.
        this.flush();
        return this.columns.pushValue(this.column, this.parse(fieldText(bytes, start, end, how)));
      }
    } else if (how === ESCAPED) {
      this.length = copyUnescaped(bytes, start, end, this.bytes, this.length);
    } else {
      const out = this.bytes;
      let at = this.length;
      if (size < 32) for (let i = start; i < end; i++) out[at++] = bytes[i];
      else at += bytes.copy(out, at, start, end);
      this.length = at;
    }
    this.ends[index] = this.length;
    this.count = index + 1;
  }

  flush(): void {
    const count = this.count;
    if (count === 0) return;
    const bytes = this.bytes.subarray(0, this.length);
    const nulls = this.hasNulls ? this.nulls : undefined;
    if (isAscii(bytes)) {
      this.columns.pushJoined(this.column, bytes.toString('latin1'), this.ends, nulls, count);
    } else if (isUtf8(bytes) && this.countChars(bytes)) {
      this.columns.pushJoined(this.column, bytes.toString('utf8'), this.charEnds, nulls, count);
    } else {
      // Bytes that are not UTF-8: each value decoded alone, as pg decodes a field (U+FFFD).
      const parts = new Array<string>(count);
      let chars = 0;
      for (let i = 0; i < count; i++) {
        parts[i] = bytes.toString('utf8', i === 0 ? 0 : this.ends[i - 1], this.ends[i]);
        chars += parts[i].length;
        this.charEnds[i] = chars;
      }
      this.columns.pushJoined(this.column, parts.join(''), this.charEnds, nulls, count);
    }
    this.count = 0;
    this.length = 0;
    if (this.hasNulls) this.nulls.fill(0, 0, count);
    this.hasNulls = false;
  }

  /**
   * Each value's end in UTF-16 code units, from valid UTF-8 bytes; false when a value starts
   * in the middle of a character (its bytes alone are not UTF-8: decoded alone they differ).
   */
  private countChars(bytes: Buffer): boolean {
    let chars = 0;
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      const end = this.ends[i];
      if (at < end && (bytes[at] & 0xc0) === 0x80) return false;
      for (; at < end; at++) {
        const byte = bytes[at];
        if ((byte & 0xc0) !== 0x80) chars += byte >= 0xf0 ? 2 : 1;
      }
      this.charEnds[i] = chars;
    }
    return true;
  }

  /** A timestamp's text as `isoTimestamp` gives it, written from ASCII bytes; false for any other bytes. */
  private putStamp(bytes: Buffer, start: number, end: number): boolean {
    const out = this.bytes;
    const size = end - start;
    let at = this.length;
    let any = 0;
    for (let i = start; i < end; i++) any |= bytes[i];
    if (any & 0x80) return false;
    if (size < 19 || bytes[start + 4] !== 0x2d || bytes[start + 10] !== 0x20 || bytes[end - 1] === 0x43 /* …BC */) {
      for (let i = start; i < end; i++) out[at++] = bytes[i];
      this.length = at;
      return true;
    }
    let last = end;
    if (this.stamp === 2) {
      if (endsWith(bytes, end, '+00')) last = end - 3;
      else if (endsWith(bytes, end, '+00:00')) last = end - 6;
    }
    for (let i = start; i < start + 10; i++) out[at++] = bytes[i];
    out[at++] = 0x54; // T
    for (let i = start + 11; i < last; i++) out[at++] = bytes[i];
    if (last < end) out[at++] = 0x5a; // Z
    this.length = at;
    return true;
  }

  private grow(size: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + size));
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
  }
}

function endsWith(bytes: Buffer, end: number, suffix: string): boolean {
  for (let i = 0; i < suffix.length; i++) if (bytes[end - suffix.length + i] !== suffix.charCodeAt(i)) return false;
  return true;
}

/** Where column `column`'s fields go, by its type OID: the row path's parser for it decides. */
export function fieldSink(columns: FrameColumns, column: number, oid: number): FieldSink {
  switch (oid) {
    case BOOL:
      return new BooleanSink(columns, column, oid);
    case INT2:
    case INT4:
    case OID:
    case INT8:
      return new IntegerSink(columns, column, oid);
    case FLOAT4:
    case FLOAT8:
      return new FloatSink(columns, column);
    case TIMESTAMP:
      return new TextSink(columns, column, oid, 1);
    case TIMESTAMPTZ:
      return new TextSink(columns, column, oid, 2);
    default:
      // Every type the row path keeps as text; any other one (bytea…) by its parser.
      return pgTypes.getTypeParser(oid) === pgTypes.getTypeParser(TEXT) ? new TextSink(columns, column, oid, 0) : new ParsedSink(columns, column, oid);
  }
}
