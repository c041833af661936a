/** The bytes a bulk load sends COPY are the text of copyLine, row after row, whatever the values. */
import { expect } from 'chai';
import { CopyLines } from '../../../../lib/data/csv-read';
import { copyLine, copyRowsText } from '../../../../lib/resources/sql/postgres/copy-text';
import { random } from '../../../support/seeded-random';

const VALUES: unknown[] = [
  null, undefined, '', 'plain', 'a, "b"', '"', 'two\nlines', 'cr\r\nlf', 'Zürich "ü" ✓ 日本 🎉', 'ascii then é "q"',
  0, -0, 7, -7, 1e15, -9007199254740991, 9007199254740991, 9007199254740992, 0.1, -1e-7, 1e21, NaN, Infinity,
  12345678901234567890n, -1n, true, false, new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), Buffer.from([0, 255, 10]),
  { a: [1, 'x"y\nz'] }, [], '\\.',
];

async function bytesOf(rows: unknown[][], width: number): Promise<{ text: string; pieces: number }> {
  async function* stream(): AsyncGenerator<unknown[]> {
    yield* rows;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of copyRowsText(stream(), width, new CopyLines())) chunks.push(chunk);
  return { text: Buffer.concat(chunks).toString('utf8'), pieces: chunks.length };
}

describe('COPY text of rows', () => {
  it('should be exactly copyLine of every row, in UTF-8, across buffer boundaries and for values bigger than a buffer', async () => {
    const next = random(4);
    const rows: unknown[][] = [];
    for (let r = 0; r < 20_000; r++) rows.push(Array.from({ length: 4 }, () => VALUES[next(VALUES.length)]));
    // Values bigger than a buffer, here and there.
    rows.splice(7000, 0, ['x'.repeat(300_000), 1, `${'é'.repeat(100_000)}"`, null]);
    rows.splice(15000, 0, [2, `"${'日'.repeat(200_000)}`, 'x', true]);
    const { text, pieces } = await bytesOf(rows, 4);
    expect(pieces).to.be.above(3);
    expect(text).to.equal(rows.map((row) => copyLine(row)).join(''));
  });

  it('should refuse a row of the wrong width and a value it cannot write, naming the row', async () => {
    const wide = await bytesOf([[1, 2], [3]], 2).then(() => undefined, (e: unknown) => e as Error);
    expect(wide?.message).to.equal('row 2 has 1 values for 2 columns');
    const bad = await bytesOf([[1], [new Date(Number.NaN)]], 1).then(() => undefined, (e: unknown) => e as Error);
    expect(bad?.message).to.equal('cannot write a value of row 2: an invalid Date');
  });
});
