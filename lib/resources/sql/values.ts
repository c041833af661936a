/**
 * Values between the drivers and bigrays: integers kept exact, JSON written as text, and the
 * bytes a driver's socket moved.
 */
export { jsonText } from '../../data/json';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** An integer as a number when it is exact as one, else as a bigint. */
export function exactInteger(value: bigint | string): number | bigint {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big;
}

/** A socket's count of bytes read and sent (not merely queued): it grows while the peer answers. */
export function socketBytes(socket: { bytesRead: number; bytesWritten?: number; writableLength: number } | undefined): number {
  if (!socket) return 0;
  return socket.bytesRead + (socket.bytesWritten ?? 0) - socket.writableLength;
}

/** Whether `value` should be written as JSON text. */
export function isJsonValue(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value) && !(value instanceof Uint8Array);
}
