/**
 * A query result's text past its bound lives in a temporary file: every value reads back as the
 * code units it was put in, in order or not, the file is never seen in its folder, and its room
 * is given back when the result is closed.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FrameColumns } from '../../lib/data/frame-columns';
import { TextColumn } from '../../lib/data/text-column';
import { TextSpill } from '../../lib/data/text-spill';

/** Values of every sort the SQL tasks give, and a few they may not (a lone surrogate). */
const SAMPLES: Array<string | null> = [
  'plain', '', null, 'café — naïve', 'ÿ\u00ff\u0000\u0001', '日本語のテキスト', 'emoji 😀👍🏽 family 👨‍👩‍👧', '\ud800 lone high', 'lone low \udc00',
  'é'.repeat(3000), 'tail',
];

/** Values longer than a batch of joined values (a million characters). */
const LONG = ['x'.repeat((1 << 20) + 17), `${'😀'.repeat(600_000)}!`];

/** `count` values cycling through the samples, each numbered so that none is like its neighbours; the long ones once each. */
function values(count: number): Array<string | null> {
  return Array.from({ length: count }, (_, i) => {
    const sample = i === 1000 || i === count - 2 ? LONG[i === 1000 ? 0 : 1] : SAMPLES[i % SAMPLES.length];
    return sample === null ? null : `${i}:${sample}`;
  });
}

/** The files open in this process that lie (removed) in `folder`. */
function openIn(folder: string): string[] {
  if (process.platform !== 'linux') return [];
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(folder + path.sep));
}

describe('Query text spilled to a temporary file', function () {
  this.timeout(60_000);
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'bigrays-spill-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('should read every value back exactly, in order and out of order, on both sides of the bound', () => {
    const put = values(20_000);
    const spill = new TextSpill(50_000, folder, 'SQLQuery Spilled');
    const column = new TextColumn(spill);
    for (const value of put) column.push(value);
    column.finish();
    expect(column.length).to.equal(put.length);
    for (let i = 0; i < put.length; i++) if (column.get(i) !== put[i]) expect.fail(`value ${i} read in order differs`);
    for (let i = put.length - 1; i >= 0; i -= 7) if (column.get(i) !== put[i]) expect.fail(`value ${i} read backwards differs`);
    for (let n = 0, i = 5; n < 1500; n++, i = (i * 7919 + 13) % put.length) if (column.get(i) !== put[i]) expect.fail(`value ${i} read at random differs`);
    expect(readdirSync(folder), 'a file is left in the temp folder').to.deep.equal([]);
    if (process.platform === 'linux') expect(openIn(folder), 'nothing was spilled').to.have.length(1);
    spill.close();
    expect(openIn(folder), 'the file is still open').to.deep.equal([]);
  });

  it('should keep every value of a result within its bound in memory, and write nothing', () => {
    const put = values(200);
    const spill = new TextSpill(100_000_000, folder);
    const columns = new FrameColumns(['id', 'text', 'again'], spill);
    put.forEach((value, i) => columns.push([i, value, value]));
    columns.finish();
    expect(columns.value(1, 9)).to.equal(put[9]);
    expect(columns.rowArrays().map((row) => row[2])).to.deep.equal(put);
    expect(openIn(folder)).to.deep.equal([]);
  });

  it('should share the bound across the text columns of a result, and give its room back when closed', () => {
    const put = values(3000);
    const spill = new TextSpill(2_000_000, folder);
    const columns = new FrameColumns(['id', 'text', 'flag', 'again'], spill);
    put.forEach((value, i) => columns.push([i, value, i % 2 === 0, value === null ? null : value.slice(0, 10)]));
    columns.finish();
    const rows = [...columns.rows()];
    expect(rows.map((row) => row[1])).to.deep.equal(put);
    expect(rows.map((row) => row[3])).to.deep.equal(put.map((value) => (value === null ? null : value.slice(0, 10))));
    expect(rows[2999]).to.deep.equal([2999, put[2999], false, (put[2999] as string).slice(0, 10)]);
    if (process.platform === 'linux') expect(openIn(folder)).to.have.length(1);
    columns.close();
    expect(openIn(folder)).to.deep.equal([]);
    expect(readdirSync(folder)).to.deep.equal([]);
  });

  it('should fail naming the task, the folder and the settings when the folder cannot take the text', () => {
    const gone = path.join(folder, 'missing');
    const column = new TextColumn(new TextSpill(10, gone, 'SQLQuery PullEvents'));
    let failure: Error | undefined;
    try {
      for (const value of values(5000)) column.push(value);
      column.finish();
    } catch (error) {
      failure = error as Error;
    }
    expect(failure?.message).to.contain('SQLQuery PullEvents').and.contain(gone).and.contain('BIGRAYS_QUERY_TEXT_MB').and.contain('TMPDIR');
  });
});
