/**
 * Parquet read back by two readers other than the writer: @dsnp/parquetjs (schema, most values,
 * decimals as their raw bytes) and hyparquet (raw microseconds and days).
 */
import { readFileSync } from 'node:fs';

export async function readParquet(file: string): Promise<{ schema: unknown[]; rows: Record<string, unknown>[]; raw: Record<string, unknown>[] }> {
  const parquetjs = (await import('@dsnp/parquetjs')).default;
  const reader = await parquetjs.ParquetReader.openFile(file);
  const schema = reader.getSchema().fieldList.map((f: { name: string; primitiveType?: string; originalType?: string; scale?: number }) => [
    f.name, f.primitiveType, f.originalType ?? null, f.scale ?? null,
  ]);
  const cursor = reader.getCursor();
  const read: Record<string, unknown>[] = [];
  for (let row = await cursor.next(); row; row = await cursor.next()) read.push(row as Record<string, unknown>);
  await reader.close();
  const { parquetReadObjects } = await import('hyparquet');
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const raw = await parquetReadObjects({ file: buffer, parsers: { timestampFromMicroseconds: (v: bigint) => v, dateFromDays: (v: number) => v } as never });
  return { schema, rows: read, raw: raw as Record<string, unknown>[] };
}

/** A DECIMAL read by @dsnp/parquetjs (its bytes, two's complement) as its unscaled integer. */
export function unscaled(bytes: unknown): bigint | null {
  return bytes === null || bytes === undefined ? null : BigInt.asIntN(128, BigInt(`0x${Buffer.from(bytes as Uint8Array).toString('hex')}`));
}
