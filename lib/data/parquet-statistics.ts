/**
 * The smallest and largest value of a column chunk, read from its PLAIN bytes once the row group
 * is full, in the sort order Parquet defines for the column's type: what lets a reader (DuckDB,
 * Spark, Athena, Polars) skip the row groups a filter cannot match. A bound that is wrong makes
 * such a reader skip rows it should return, so a column gets bounds only where the order is
 * certain:
 *
 * - integers, dates, times, timestamps and decimals of ≤ 18 digits: signed, as their integers;
 * - decimals of more digits (16-byte two's complement, big-endian): signed;
 * - text (UTF-8) and bytea: unsigned byte by byte (not JavaScript's UTF-16 order);
 * - UUIDs: unsigned byte by byte; booleans: false before true;
 * - floats and doubles: as numbers, none at all when the chunk holds a NaN; a zero bound is
 *   written -0 as the minimum and +0 as the maximum, as the format asks;
 * - JSON: none.
 *
 * The bounds are given as the values hyparquet-writer's footer writer takes (it writes them in
 * the type's PLAIN bytes, and shortens long text to a prefix, rounded up for a maximum).
 */
import type { ColumnBuilder } from './parquet-builder';

export interface MinMax {
  min_value?: number | bigint | boolean | Uint8Array;
  max_value?: number | bigint | boolean | Uint8Array;
}

type Element = Record<string, unknown>;

const NONE: MinMax = {};

/** The bounds of the non-null values `column` holds, for the schema `element` it is written as. */
export function chunkMinMax(column: ColumnBuilder, element: Element): MinMax {
  const count = column.rows - column.nulls;
  if (count === 0) return NONE;
  const data = column.plain();
  switch (column.type) {
    case 'BOOLEAN':
      return booleanBounds(data, count);
    case 'INT32':
      return int32Bounds(data, count, element.converted_type === 'DECIMAL');
    case 'INT64':
      return int64Bounds(data, count);
    case 'FLOAT':
      return floatBounds(data, count, 4);
    case 'DOUBLE':
      return floatBounds(data, count, 8);
    case 'BYTE_ARRAY':
      if (element.converted_type === 'JSON') return NONE;
      return byteArrayBounds(data, count);
    case 'FIXED_LEN_BYTE_ARRAY':
      return fixedBounds(data, count, element);
  }
}

function booleanBounds(data: Buffer, count: number): MinMax {
  let trues = 0;
  for (let i = 0; i < count; i++) trues += (data[i >>> 3] >>> (i & 7)) & 1;
  return { min_value: trues === count, max_value: trues > 0 };
}

/** A decimal's bound is its unscaled integer, as a bigint (the writer scales a number). */
function int32Bounds(data: Buffer, count: number, decimal: boolean): MinMax {
  let min = data.readInt32LE(0);
  let max = min;
  for (let at = 4; at < count * 4; at += 4) {
    const value = data.readInt32LE(at);
    if (value < min) min = value;
    else if (value > max) max = value;
  }
  return decimal ? { min_value: BigInt(min), max_value: BigInt(max) } : { min_value: min, max_value: max };
}

/** Compared as their high (signed) then low (unsigned) 32 bits; read as bigints only at the end. */
function int64Bounds(data: Buffer, count: number): MinMax {
  let minAt = 0;
  let maxAt = 0;
  let minHigh = data.readInt32LE(4);
  let minLow = data.readUInt32LE(0);
  let maxHigh = minHigh;
  let maxLow = minLow;
  for (let at = 8; at < count * 8; at += 8) {
    const high = data.readInt32LE(at + 4);
    if (high < minHigh || (high === minHigh && data.readUInt32LE(at) < minLow)) {
      minAt = at;
      minHigh = high;
      minLow = data.readUInt32LE(at);
    }
    if (high > maxHigh || (high === maxHigh && data.readUInt32LE(at) > maxLow)) {
      maxAt = at;
      maxHigh = high;
      maxLow = data.readUInt32LE(at);
    }
  }
  return { min_value: data.readBigInt64LE(minAt), max_value: data.readBigInt64LE(maxAt) };
}

function floatBounds(data: Buffer, count: number, width: 4 | 8): MinMax {
  let min = Infinity;
  let max = -Infinity;
  for (let at = 0; at < count * width; at += width) {
    const value = width === 8 ? data.readDoubleLE(at) : data.readFloatLE(at);
    if (value !== value) return NONE; // NaN: no order a reader can rely on
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max };
}

/** Whether `data[a, a + aLength)` sorts before `data[b, b + bLength)`, unsigned byte by byte (negative), after (positive) or equal (0). */
function compareBytes(data: Buffer, a: number, aLength: number, b: number, bLength: number): number {
  const length = aLength < bLength ? aLength : bLength;
  // Compared here up to 64 bytes (a call of Buffer.compare costs more than that), the rest by it.
  const head = length < 64 ? length : 64;
  for (let i = 0; i < head; i++) {
    const difference = data[a + i] - data[b + i];
    if (difference !== 0) return difference;
  }
  if (length > head) {
    const order = data.compare(data, b + head, b + length, a + head, a + length);
    if (order !== 0) return order;
  }
  return aLength - bLength;
}

/** The bounds of length-prefixed values, copied out of the builder's buffer (reused for the next row group). */
function byteArrayBounds(data: Buffer, count: number): MinMax {
  let minAt = 4;
  let minLength = data.readUInt32LE(0);
  let maxAt = minAt;
  let maxLength = minLength;
  let at = 4 + minLength;
  for (let i = 1; i < count; i++) {
    const length = data.readUInt32LE(at);
    const start = at + 4;
    if (compareBytes(data, start, length, minAt, minLength) < 0) {
      minAt = start;
      minLength = length;
    } else if (compareBytes(data, start, length, maxAt, maxLength) > 0) {
      maxAt = start;
      maxLength = length;
    }
    at = start + length;
  }
  return { min_value: copy(data, minAt, minLength), max_value: copy(data, maxAt, maxLength) };
}

/** UUIDs unsigned; 16-byte decimals signed (their first byte's sign bit flipped, then unsigned). */
function fixedBounds(data: Buffer, count: number, element: Element): MinMax {
  const width = element.type_length as number;
  const decimal = element.converted_type === 'DECIMAL';
  if (!decimal && (element.logical_type as { type?: string } | undefined)?.type !== 'UUID') return NONE;
  const order = (a: number, b: number): number => {
    if (decimal && data[a] !== data[b]) return (data[a] ^ 0x80) - (data[b] ^ 0x80);
    return compareBytes(data, a, width, b, width);
  };
  let minAt = 0;
  let maxAt = 0;
  for (let at = width; at < count * width; at += width) {
    if (order(at, minAt) < 0) minAt = at;
    else if (order(at, maxAt) > 0) maxAt = at;
  }
  if (!decimal) return { min_value: copy(data, minAt, width), max_value: copy(data, maxAt, width) };
  return { min_value: signedBigInt(data, minAt, width), max_value: signedBigInt(data, maxAt, width) };
}

function copy(data: Buffer, at: number, length: number): Uint8Array {
  return new Uint8Array(data.subarray(at, at + length));
}

/** The big-endian two's complement integer of `data[at, at + width)`. */
function signedBigInt(data: Buffer, at: number, width: number): bigint {
  const hex = data.toString('hex', at, at + width);
  return BigInt.asIntN(width * 8, BigInt(`0x${hex}`));
}
