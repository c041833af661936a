/**
 * Snappy's raw block format, what Parquet's SNAPPY codec holds: the uncompressed length as a
 * varint, then literals and copies. The input is compressed 64 KiB fragment by fragment as the
 * reference compressor does (a copy never reaches back before its fragment, so every offset fits
 * in two bytes), with its hash of four bytes, its search that steps further and further over data
 * that does not repeat, and its encoding of literals and copies, so the output is as small as
 * the reference's.
 *
 * Written for the speed JavaScript allows: the output goes into one buffer of the largest size a
 * block can compress to (no check of room per byte), four bytes are compared as one 32-bit load,
 * a match is extended four bytes at a time, long literals are copied with `set`, and the hash
 * table is kept from one block to the next.
 */

/** The bytes a fragment holds; copies stay within their fragment. */
const FRAGMENT = 1 << 16;
/** The largest hash table, in bits of the hash. */
const MAX_TABLE_BITS = 14;
/** Bytes at a fragment's end the search leaves to the last literal (it reads ahead of its position). */
const INPUT_MARGIN = 15;
/** Literals up to this length are copied byte by byte; longer ones with `set`. */
const SHORT_LITERAL = 24;
/** The reference's multiplier for hashing four bytes. */
const HASH_MULTIPLIER = 0x1e35a7bd;

/** The most bytes `n` bytes compress to (the reference's bound). */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

export class SnappyCompressor {
  /** Positions within the fragment being compressed, by hash of the four bytes there. */
  private readonly table = new Uint16Array(1 << MAX_TABLE_BITS);
  private output = new Uint8Array(0);

  /** The snappy block of `input`: a view of the compressor's buffer, valid until the next call. */
  compress(input: Uint8Array): Uint8Array {
    const room = maxCompressedLength(input.byteLength);
    if (this.output.byteLength < room) this.output = new Uint8Array(room);
    return this.output.subarray(0, this.compressInto(input, this.output, 0));
  }

  /** Writes the snappy block of `input` to `output` from `at` (room for `maxCompressedLength`); where it ends. */
  compressInto(input: Uint8Array, output: Uint8Array, at: number): number {
    const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    let op = writeVarint(output, at, input.byteLength);
    for (let start = 0; start < input.byteLength; start += FRAGMENT) {
      op = this.fragment(input, view, start, Math.min(start + FRAGMENT, input.byteLength), output, op);
    }
    return op;
  }

  /** Compresses `input[base, end)` to `output` from `op`; where the output ends. */
  private fragment(input: Uint8Array, view: DataView, base: number, end: number, output: Uint8Array, op: number): number {
    let nextEmit = base;
    if (end - base >= INPUT_MARGIN) {
      const shift = 32 - this.clearTable(end - base);
      const table = this.table;
      const limit = end - INPUT_MARGIN;
      let ip = base + 1;
      let nextData = view.getInt32(ip, true);
      search: for (;;) {
        // Look for four bytes seen before, stepping one byte more after every 32 bytes without one.
        let skip = 32;
        let nextIp = ip;
        let candidate = 0;
        let data = 0;
        do {
          ip = nextIp;
          data = nextData;
          const step = skip >>> 5;
          skip += step;
          nextIp = ip + step;
          if (nextIp > limit) break search;
          nextData = view.getInt32(nextIp, true);
          const h = hash(data, shift);
          candidate = base + table[h];
          table[h] = ip - base;
        } while (data !== view.getInt32(candidate, true));
        op = emitLiteral(input, nextEmit, ip - nextEmit, output, op);
        // Copy as long as the bytes right after a copy were seen before too.
        let next = 0;
        do {
          const from = ip;
          ip = matchEnd(input, view, candidate + 4, ip + 4, end);
          op = emitCopy(output, op, from - candidate, ip - from);
          nextEmit = ip;
          if (ip >= limit) break search;
          table[hash(view.getInt32(ip - 1, true), shift)] = ip - 1 - base;
          next = view.getInt32(ip, true);
          const h = hash(next, shift);
          candidate = base + table[h];
          table[h] = ip - base;
        } while (next === view.getInt32(candidate, true));
        ip += 1;
        nextData = view.getInt32(ip, true);
      }
    }
    return nextEmit < end ? emitLiteral(input, nextEmit, end - nextEmit, output, op) : op;
  }

  /** Empties as much of the table as a fragment of `size` bytes uses; its bits. */
  private clearTable(size: number): number {
    let bits = 8;
    while (bits < MAX_TABLE_BITS && 1 << bits < size) bits += 1;
    this.table.fill(0, 0, 1 << bits);
    return bits;
  }
}

function hash(bytes: number, shift: number): number {
  return Math.imul(bytes, HASH_MULTIPLIER) >>> shift;
}

function writeVarint(output: Uint8Array, op: number, value: number): number {
  while (value >= 0x80) {
    output[op++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  output[op++] = value;
  return op;
}

/** Where the bytes from `ip` stop equalling those from `candidate` (at most `end`). */
function matchEnd(input: Uint8Array, view: DataView, candidate: number, ip: number, end: number): number {
  while (ip <= end - 4) {
    const differ = view.getInt32(ip, true) ^ view.getInt32(candidate, true);
    // The first differing byte: the lowest set bit's, little-endian.
    if (differ !== 0) return ip + ((31 - Math.clz32(differ & -differ)) >>> 3);
    ip += 4;
    candidate += 4;
  }
  while (ip < end && input[ip] === input[candidate]) {
    ip += 1;
    candidate += 1;
  }
  return ip;
}

/** A literal of `length` (1 to 65536) bytes of `input` from `from`. */
function emitLiteral(input: Uint8Array, from: number, length: number, output: Uint8Array, op: number): number {
  const n = length - 1;
  if (n < 60) {
    output[op++] = n << 2;
  } else if (n < 0x100) {
    output[op++] = 60 << 2;
    output[op++] = n;
  } else {
    output[op++] = 61 << 2;
    output[op++] = n & 0xff;
    output[op++] = n >>> 8;
  }
  if (length <= SHORT_LITERAL) {
    for (let i = 0; i < length; i++) output[op + i] = input[from + i];
  } else {
    output.set(input.subarray(from, from + length), op);
  }
  return op + length;
}

/** A copy of `length` (4 or more) bytes from `offset` (1 to 65535) back, in pieces of at most 64. */
function emitCopy(output: Uint8Array, op: number, offset: number, length: number): number {
  while (length >= 68) {
    op = emitShortCopy(output, op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    // 60 rather than 64, so that at least 4 bytes are left for the last piece.
    op = emitShortCopy(output, op, offset, 60);
    length -= 60;
  }
  return emitShortCopy(output, op, offset, length);
}

/** A copy of 4 to 64 bytes: two bytes when it is short and near, else three. */
function emitShortCopy(output: Uint8Array, op: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    output[op] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    output[op + 1] = offset & 0xff;
    return op + 2;
  }
  output[op] = 2 | ((length - 1) << 2);
  output[op + 1] = offset & 0xff;
  output[op + 2] = offset >>> 8;
  return op + 3;
}
