/** What a CSV load sends COPY comes in messages of about COPY_CHUNK bytes, however many of its records are written again. */
import { expect } from 'chai';
import { CsvReader } from '../../../../lib/data/csv-read';
import { CopyChunks } from '../../../../lib/resources/sql/postgres/copy-chunks';
import { COPY_CHUNK } from '../../../../lib/resources/sql/postgres/copy-text';

/** The chunks a load of `csv` sends, read `read` bytes at a time: UTF-8 as bytes, UTF-16LE as text. */
async function chunksOf(csv: Buffer, read: number, encoding: 'utf8' | 'utf16le' = 'utf8'): Promise<Array<string | Buffer>> {
  async function* source(): AsyncGenerator<Buffer> {
    for (let at = 0; at < csv.length; at += read) yield csv.subarray(at, at + read);
  }
  const reader = new CsvReader(source(), { encoding });
  await reader.start();
  const chunks = new CopyChunks();
  const sent: Array<string | Buffer> = [];
  for await (const piece of reader.copyText()) {
    const chunk = chunks.add(piece);
    if (chunk !== undefined) sent.push(chunk);
  }
  sent.push(chunks.rest());
  return sent;
}

function textOf(chunks: Array<string | Buffer>): string {
  return chunks.map((chunk) => chunk.toString()).join('');
}

describe('COPY chunks', () => {
  it('should send a one-column file whose every other line is empty (NULL) in chunks of about COPY_CHUNK, its text unchanged', async () => {
    // Each empty line is written again (COPY would skip it), so the records come one piece each.
    const csv = `a\n${'x\n\n'.repeat(200_000)}`;
    const sent = await chunksOf(Buffer.from(csv), 64 * 1024);
    expect(textOf(sent)).to.equal(csv.slice(2));
    expect(sent.length).to.be.at.most(Math.ceil(Buffer.byteLength(csv) / COPY_CHUNK) + 1);
    for (const chunk of sent.slice(0, -1)) expect(chunk.length).to.be.at.least(COPY_CHUNK);
  });

  it('should pass a long run of records COPY reads as they are on as it is, and gather text pieces too', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i},"row ${i}"\n`).join('');
    const bytes = await chunksOf(Buffer.from(`id,memo\n${rows}`), 1 << 20);
    expect(textOf(bytes)).to.equal(rows);
    expect(bytes.every((chunk) => Buffer.isBuffer(chunk))).to.equal(true);
    expect(bytes[0].length).to.be.above(COPY_CHUNK);
    const text = await chunksOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`v\n${'é\n\n'.repeat(100_000)}`, 'utf16le')]), 4096, 'utf16le');
    expect(textOf(text)).to.equal('é\n\n'.repeat(100_000));
    expect(text.length).to.be.at.most(3);
  });
});
