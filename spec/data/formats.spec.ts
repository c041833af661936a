/** The format table: every format the payload writes is one of its entries, and nothing else is. */
import { expect } from 'chai';
import { gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { FORMATS, formatNamed } from '../../lib/data/formats/table';
import { payloadOf } from '../../lib/data/payload';

async function bytesOf(body: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const rows = [{ id: 1, name: 'a' }, { id: 2, name: 'b' }];

describe('the format table', () => {
  it('should refuse an unknown format name, listing the formats, rather than write another format', async () => {
    const error = await payloadOf(rows, { format: 'xml' as never }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.equal("unknown format 'xml': the formats are 'csv', 'jsonl', 'parquet'");
  });

  it('should refuse an unknown compression, listing the compressions, rather than write uncompressed bytes', async () => {
    const error = await payloadOf(rows, { compression: 'zip' as never }).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.equal("unknown compression 'zip': the compressions are 'none', 'gzip'");
  });

  it('should not take the names every object has for formats', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(formatNamed(name), name).to.equal(undefined);
  });

  it("should write each format's rows with its own content type, gzip on top when asked", async () => {
    const starts: Record<string, string> = { csv: 'id,name\n1,a\n', jsonl: '{"id":1,"name":"a"}\n', parquet: 'PAR1' };
    for (const format of Object.values(FORMATS)) {
      for (const compression of ['none', 'gzip'] as const) {
        const payload = await payloadOf(rows, { format: format.name as keyof typeof FORMATS, compression });
        expect(payload.contentType, format.name).to.equal(format.contentType);
        expect(payload.kind).to.equal(format.name);
        const bytes = await bytesOf(payload.body);
        const plain = compression === 'gzip' ? gunzipSync(bytes) : bytes;
        expect(plain.toString('latin1').startsWith(starts[format.name]), `${format.name} ${compression}`).to.equal(true);
        expect(payload.rows()).to.equal(2);
      }
    }
  });
});
