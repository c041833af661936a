/**
 * gzip as exports write it (`compression: 'gzip'`): whatever the input's chunks, one gzip member
 * at level 6 that a strict reader takes whole and that gives the input back; a failing input
 * fails it; a reader that gives up stops the input being read.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { crc32, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { payloadOf } from '../../lib/data/payload';

async function bytesOf(body: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The gzip body of `input`, as ToS3 and ToCSV write it. */
async function gzipBody(input: unknown): Promise<Readable> {
  const payload = await payloadOf(input, { compression: 'gzip' });
  expect(payload.gzip).to.equal(true);
  return payload.body as Readable;
}

/** The content of a gzip file that is one member, its deflate stream whole, its trailer right. */
function singleMember(bytes: Buffer): Buffer {
  expect([...bytes.subarray(0, 3)]).to.deep.equal([0x1f, 0x8b, 0x08]);
  const content = inflateRawSync(bytes.subarray(10, -8));
  expect(bytes.readUInt32LE(bytes.length - 8)).to.equal(crc32(content));
  expect(bytes.readUInt32LE(bytes.length - 4)).to.equal(content.length);
  return content;
}

/** 3.5 MiB of CSV-like text with a stretch of random bytes: some compressible, some not. */
function sample(): Buffer {
  const lines = Array.from({ length: 40_000 }, (_, i) => `${i},"memo, ""quoted"" ${i % 977}",${(i * 1.01).toFixed(2)},café\n`).join('');
  const text = Buffer.from(lines, 'utf8');
  return Buffer.concat([text, randomBytes(1024 * 1024 + 17), text]).subarray(0, 3.5 * 1024 * 1024);
}

/** `bytes` as a stream of chunks of `size`. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks, { objectMode: false });
}

describe('gzip payloads', () => {
  const input = sample();

  for (const [what, source] of [
    ['a stream in chunks of 64 KiB', () => chunked(input, 64 * 1024)],
    ['a stream in chunks of 1 MiB and 1 byte', () => chunked(input, 1024 * 1024 + 1)],
    ['one Buffer', () => input],
  ] as const) {
    it(`should give back the input byte for byte as one gzip member at level 6 (${what})`, async () => {
      const gzip = await bytesOf(await gzipBody(source()));
      expect(singleMember(gzip).equals(input)).to.equal(true);
      expect(gunzipSync(gzip).equals(input)).to.equal(true);
      expect(gzip.length).to.equal(gzipSync(input, { level: 6 }).length);
    });
  }

  it('should write a gzip file of nothing for no input', async () => {
    const gzip = await bytesOf(await gzipBody(Readable.from([], { objectMode: false })));
    expect(singleMember(gzip).length).to.equal(0);
  });

  it("should fail with the input's error", async () => {
    const failing = new Readable({ read() {} });
    failing.push(input.subarray(0, 2 * 1024 * 1024));
    setImmediate(() => failing.destroy(new Error('connection lost')));
    const error = await bytesOf(await gzipBody(failing)).then(() => undefined, (e: unknown) => e);
    expect((error as Error)?.message).to.equal('connection lost');
  });

  it('should stop reading its input when its reader gives up', async () => {
    let reads = 0;
    const endless = new Readable({
      read() {
        reads += 1;
        this.push(input.subarray(0, 256 * 1024));
      },
    });
    const gzip = await gzipBody(endless);
    await once(gzip, 'data');
    gzip.destroy();
    await new Promise((resolve) => endless.once('close', resolve));
    const seen = reads;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).to.equal(seen);
  });
});
