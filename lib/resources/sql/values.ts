/** Values between the drivers and bigrays: integers kept exact, and which values are written as JSON text. */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** An integer as a number when it is exact as one, else as a bigint. */
export function exactInteger(value: bigint | string): number | bigint {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big;
}

/** Whether `value` should be written as JSON text. */
export function isJsonValue(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value) && !(value instanceof Uint8Array);
}
