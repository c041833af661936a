/**
 * A query's columns are written to CSV a block of rows at a time, straight from how each column
 * holds its values: the bytes are those of the same rows written one by one, and a value CSV
 * cannot hold fails the same way, naming its column and row.
 */
import { expect } from 'chai';
import { toCsv } from '../../lib';
import { FrameColumns } from '../../lib/data/frame-columns';
import { lazyFrame } from '../../lib/data/lazy-frame';
import type { DataFrame } from '../../lib/data/danfo';

const NAMES = ['num', 'flag', 'text', 'mixed', 'nothing', 'late'];

/** Rows of every kind a column holds: numbers (-0, NaN, ±Infinity), booleans, text to quote, mixed values, NULLs only, NULLs first. */
function rows(count: number): unknown[][] {
  const texts = ['plain', '', 'a,b', 'say "hi"', 'cr\r', 'lf\n', 'é 中 😀', ' lead'];
  const numbers = [0, -0, 1.5, NaN, Infinity, -Infinity, 1e300, -7];
  const mixed = [1, 'two', 2n ** 64n, Buffer.from([0, 255]), { a: '"' }, [1, null], true, new Date(0)];
  return Array.from({ length: count }, (_, i) => [
    i % 9 === 0 ? null : numbers[i % numbers.length],
    i % 7 === 0 ? null : i % 2 === 0,
    i % 11 === 0 ? null : texts[i % texts.length],
    i % 13 === 0 ? null : mixed[i % mixed.length],
    null,
    i < 1500 ? null : `v${i}`,
  ]);
}

const unmade = (columns: FrameColumns): DataFrame => lazyFrame(columns, () => expect.fail('the columns were made a DataFrame'));

describe("A query's columns written as CSV", () => {
  it('should write the same bytes as the same rows written one by one, across blocks', async () => {
    for (const count of [0, 1, 1023, 1024, 1025, 5000]) {
      const given = rows(count);
      const expected = await toCsv({ columns: NAMES, rows: given.map((row) => [...row]) });
      const written = await toCsv(unmade(FrameColumns.fromRows(NAMES, given)));
      expect(written, `${count} rows`).to.equal(expected);
    }
  });

  it('should fail on a lone surrogate naming its column and row, as for rows', async () => {
    const given = rows(3000);
    given[2500][2] = 'bad \ud800 text';
    const failure = async (input: Parameters<typeof toCsv>[0]): Promise<string> => {
      try {
        await toCsv(input);
      } catch (error) {
        return (error as Error).message;
      }
      return expect.fail('no error');
    };
    const expected = await failure({ columns: NAMES, rows: given.map((row) => [...row]) });
    expect(expected).to.contain('`text`').and.contain('row 2501');
    expect(await failure(unmade(FrameColumns.fromRows(NAMES, given)))).to.equal(expected);
  });
});
