/**
 * gzip of a stream of bytes, compressed on several threads while it is read and sent: the bytes
 * are cut into blocks of 1 MiB, each compressed on libuv's thread pool as raw deflate primed
 * with the last 32 KiB of the block before it (so it compresses as well as one stream would) and
 * ended by a sync flush (so the blocks join on a byte boundary), a few blocks at a time. The
 * blocks, joined in order between a gzip header and a trailer (CRC-32 and length), are one gzip
 * member holding one deflate stream, as `pigz` makes it: any gzip reader takes it, at the size
 * `gzip -6` gives. The main thread only cuts, checksums and joins; the pool threads never wait
 * on it for the next block, nor it on them to read on.
 */
import { availableParallelism } from 'node:os';
import { pipeline, Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** The level: gzip's and zlib's default. */
const LEVEL = 6;

/** Bytes of input per block compressed on its own. */
const BLOCK_BYTES = 1024 * 1024;

/** What deflate looks back over: the tail of a block that primes the next. */
const WINDOW_BYTES = 32 * 1024;

/** Blocks compressed at once: as many as cores, at least 2 (one compressing while one is joined), at most 4 (libuv's pool, which file writes share). */
const IN_FLIGHT = Math.min(4, Math.max(2, availableParallelism()));

/** A gzip header: deflate, no name, no time, no extra flags (level 6), made on Unix (as zlib writes it). */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03]);

/** The last block of a deflate stream: final, fixed codes, empty. Follows a sync flush, which ends on a byte boundary. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** `block` as raw deflate, primed with `dictionary`, ended by a sync flush (not the stream's end). */
function deflateBlock(block: Buffer, dictionary: Buffer | undefined): Promise<Buffer> {
  const options: zlib.ZlibOptions = {
    level: LEVEL,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
    // Room for the whole block's output at once: one trip to the pool and back.
    chunkSize: Math.max(64 * 1024, block.length + (block.length >> 3)),
    ...(dictionary === undefined ? {} : { dictionary }),
  };
  return new Promise((resolve, reject) => zlib.deflateRaw(block, options, (error, out) => (error ? reject(error) : resolve(out))));
}

/** The gzip trailer: CRC-32 of the input and its length modulo 2³², little-endian. */
function trailer(crc: number, length: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32LE(crc >>> 0, 0);
  out.writeUInt32LE(length % 2 ** 32, 4);
  return out;
}

/** `chunks` cut into blocks of exactly `BLOCK_BYTES` (the last one shorter, never empty). */
async function* blocks(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const chunk of chunks) {
    let rest = chunk;
    while (heldBytes + rest.length >= BLOCK_BYTES) {
      const take = BLOCK_BYTES - heldBytes;
      const block = held.length === 0 ? rest.subarray(0, take) : Buffer.concat([...held, rest.subarray(0, take)]);
      held = [];
      heldBytes = 0;
      rest = rest.subarray(take);
      yield block;
    }
    if (rest.length > 0) {
      held.push(rest);
      heldBytes += rest.length;
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held);
}

/** The gzip bytes of `chunks`, in order, blocks compressed `IN_FLIGHT` at a time. */
async function* gzipChunks(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const pending: Array<Promise<Buffer>> = [];
  let crc = 0;
  let length = 0;
  let dictionary: Buffer | undefined;
  try {
    yield HEADER;
    for await (const block of blocks(chunks)) {
      crc = zlib.crc32(block, crc);
      length += block.length;
      pending.push(deflateBlock(block, dictionary));
      dictionary = block.subarray(block.length - WINDOW_BYTES);
      if (pending.length >= IN_FLIGHT) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
    yield Buffer.concat([FINAL_BLOCK, trailer(crc, length)]);
  } finally {
    // Given up (the source failed, the reader went): blocks still compressing are let go of.
    for (const block of pending) block.catch(() => undefined);
  }
}

/**
 * `source` gzip-compressed (level 6), compressed on the thread pool as it is read. An error of
 * `source` fails the stream; destroying the stream destroys `source` at once, as a pipeline does.
 */
export function gzipStream(source: Readable | Buffer): Readable {
  const input = Buffer.isBuffer(source) ? Readable.from([source], { objectMode: false }) : source;
  // Node before 20.15 has no zlib.crc32: its own gzip stream, on one thread.
  if (typeof zlib.crc32 !== 'function') return pipeline(input, zlib.createGzip({ level: LEVEL }), () => undefined);
  const out = Readable.from(gzipChunks(input), { objectMode: false });
  out.once('close', () => {
    if (!input.readableEnded) input.destroy();
  });
  return out;
}
