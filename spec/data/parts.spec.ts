/** CSV bytes cut into parts between records, wherever the chunks of the source happen to end. */
import { expect } from 'chai';
import { splitCsvBytes } from '../../lib/data/parts';

/** The parts of `chunks` split by `maxRows`: each part's text and its row count. */
async function parts(chunks: string[], maxRows: number): Promise<Array<[string, number]>> {
  const source = (async function* () {
    for (const chunk of chunks) yield Buffer.from(chunk, 'utf8');
  })();
  const out: Array<[string, number]> = [];
  for await (const part of splitCsvBytes(source, maxRows)) {
    const pieces: Buffer[] = [];
    for await (const piece of part.chunks) pieces.push(piece);
    out.push([Buffer.concat(pieces).toString('utf8'), part.rows()]);
  }
  return out;
}

/** `text` cut at `cuts` (offsets). */
function cut(text: string, cuts: number[]): string[] {
  const at = [0, ...cuts, text.length];
  return at.slice(1).map((end, i) => text.slice(at[i], end));
}

describe('splitCsvBytes', () => {
  const header = '"id","memo\nof the row"\n';
  const records = ['1,plain\n', '2,"two\nlines, ""quoted"""\n', '3,""\n', '4,"\r\n"\r\n', '5,\n', '6,"a""\n""b"\n', '7,last\n'];
  const text = header + records.join('');

  for (const maxRows of [1, 2, 3, 7, 100]) {
    it(`should cut between records into parts of at most ${maxRows} rows, each with the header, wherever a chunk ends`, async () => {
      const expected: Array<[string, number]> = [];
      for (let i = 0; i < records.length; i += maxRows) {
        const slice = records.slice(i, i + maxRows);
        expected.push([header + slice.join(''), slice.length]);
      }
      expect(await parts([text], maxRows)).to.deep.equal(expected);
      expect(await parts([...text], maxRows)).to.deep.equal(expected); // one character a chunk
      for (let a = 1; a < text.length; a++) {
        expect(await parts(cut(text, [a]), maxRows), `cut at ${a}`).to.deep.equal(expected);
        expect(await parts(cut(text, [a, Math.min(a + 5, text.length)]), maxRows), `cuts at ${a}, ${a + 5}`).to.deep.equal(expected);
      }
    });
  }

  it('should count a last record without its line break', async () => {
    expect(await parts(['a\n1\n2'], 1)).to.deep.equal([['a\n1\n', 1], ['a\n2', 1]]);
    expect(await parts(['a\n1\n', '"2', '\n"'], 5)).to.deep.equal([['a\n1\n"2\n"', 2]]);
  });

  it('should make one part of a header without rows, and one empty part of nothing', async () => {
    expect(await parts(['n,memo\n'], 3)).to.deep.equal([['n,memo\n', 0]]);
    expect(await parts([], 3)).to.deep.equal([['', 0]]);
  });
});
