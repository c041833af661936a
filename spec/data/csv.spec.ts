import { expect } from 'chai';
import { Readable } from 'node:stream';
import { csvStream, toCsv } from '../../lib';
import { loadDanfo } from '../../lib/data/danfo';

/** Rows as the SQL tasks hand them over: every kind of value in the data contract. */
const contractRows = [
  {
    id: 1,
    big: 9007199254740993n,
    exact: '12345678901234567890.123456789012',
    ts: '2026-01-02T03:04:05.123456',
    tstz: '2026-01-02T03:04:05.123456Z',
    day: '2026-01-02',
    flag: true,
    doc: '{"a": [1, 2]}',
    blob: Buffer.from([0x00, 0xde, 0xad, 0xff]),
    note: null,
    empty: '',
  },
  {
    id: 2.5,
    big: -9007199254740993n,
    exact: '-0.000000000000000000001',
    ts: '1999-12-31T23:59:59.999999',
    tstz: '1999-12-31T23:59:59.999999Z',
    day: '1999-12-31',
    flag: false,
    doc: 'null',
    blob: Buffer.alloc(0),
    note: 'x',
    empty: undefined,
  },
];

const contractCsv =
  'id,big,exact,ts,tstz,day,flag,doc,blob,note,empty\n' +
  '1,9007199254740993,12345678901234567890.123456789012,2026-01-02T03:04:05.123456,2026-01-02T03:04:05.123456Z,2026-01-02,true,"{""a"": [1, 2]}",\\x00deadff,,""\n' +
  '2.5,-9007199254740993,-0.000000000000000000001,1999-12-31T23:59:59.999999,1999-12-31T23:59:59.999999Z,1999-12-31,false,null,\\x,x,\n';

describe('the CSV writer', () => {
  it('should write every value of the SQL data contract exactly', async () => {
    expect(await toCsv(contractRows)).to.equal(contractCsv);
  });

  it('should write NULL and undefined as an empty unquoted field and the empty string as ""', async () => {
    const csv = await toCsv([{ a: null, b: '', c: undefined, d: 'x' }]);
    expect(csv).to.equal('a,b,c,d\n,"",,x\n');
  });

  it('should quote commas, quotes, CR and LF (RFC 4180) and keep unicode as UTF-8', async () => {
    const rows = [{ text: 'a,b' }, { text: 'say "hi"' }, { text: 'two\nlines' }, { text: 'cr\ronly' }, { text: 'crlf\r\n' }, { text: 'Zürich ✓ 東京' }];
    const stream = csvStream(rows);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    expect(bytes.toString('utf8')).to.equal(
      'text\n"a,b"\n"say ""hi"""\n"two\nlines"\n"cr\ronly"\n"crlf\r\n"\nZürich ✓ 東京\n',
    );
    expect(bytes.includes(Buffer.from('Zürich ✓ 東京', 'utf8'))).to.equal(true);
    expect(stream.rowCount).to.equal(6);
  });

  it('should quote header names that need it', async () => {
    expect(await toCsv({ columns: ['a,b', '', 'c"d'], rows: [[1, 2, 3]] })).to.equal('"a,b","","c""d"\n1,2,3\n');
  });

  it('should write Dates as ISO 8601, plain objects and arrays as JSON with exact bigints, and -0 as -0', async () => {
    const csv = await toCsv([{
      when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      obj: { n: 12345678901234567890n, list: [1, 'two', null] },
      arr: [1, 2],
      zero: -0,
      float: 0.1 + 0.2,
      huge: 1e21,
    }]);
    expect(csv).to.equal(
      'when,obj,arr,zero,float,huge\n' +
        '2026-01-02T03:04:05.678Z,"{""n"":12345678901234567890,""list"":[1,""two"",null]}","[1,2]",-0,0.30000000000000004,1e+21\n',
    );
  });

  it('should take the columns of row objects in first-seen order, missing keys as NULL', async () => {
    expect(await toCsv([{ a: 1 }, { b: 2, a: 3 }])).to.equal('a,b\n1,\n3,2\n');
  });

  it('should write a DataFrame with a header and no index, NULL vs "" kept', async () => {
    const { DataFrame } = loadDanfo();
    const frame = new DataFrame([[1, null, 'x,y'], [2, '', 'plain']], { columns: ['id', 'note', 'text'] });
    expect(await toCsv(frame)).to.equal('id,note,text\n1,,"x,y"\n2,"",plain\n');
  });

  it('should write only the header for a DataFrame or { columns, rows } without rows', async () => {
    const { DataFrame } = loadDanfo();
    expect(await toCsv(new DataFrame([], { columns: ['a', 'b'] }))).to.equal('a,b\n');
    expect(await toCsv({ columns: ['a', 'b'], rows: [] })).to.equal('a,b\n');
    expect(await toCsv([])).to.equal('');
  });

  it('should write a stream of row objects, its first row naming the columns', async () => {
    const rows = Readable.from([{ x: 1, y: 'a' }, { x: 2, y: null }]);
    expect(await toCsv(rows)).to.equal('x,y\n1,a\n2,\n');
  });

  it('should refuse a later streamed row with a column the first row lacks, rather than drop it', async () => {
    const rows = Readable.from([{ x: 1 }, { x: 2, y: 3 }]);
    await expect(toCsv(rows)).to.be.rejectedWith(TypeError, /row 2 has `y`, which the first row lacks/);
  });

  it('should refuse rows whose length does not match the columns', async () => {
    await expect(toCsv({ columns: ['a', 'b'], rows: [[1, 2], [3]] })).to.be.rejectedWith(TypeError, /row 2 has 1 values for 2 columns/);
  });

  it('should fail the stream, naming column and row, for an invalid Date', async () => {
    await expect(toCsv([{ ok: new Date(0) }, { ok: new Date(Number.NaN) }])).to.be.rejectedWith(RangeError, /invalid Date in column `ok` of row 2/);
  });

  it('should fail the stream when the row source fails', async () => {
    async function* rows() {
      yield [1];
      throw new Error('cursor lost');
    }
    await expect(toCsv({ columns: ['n'], rows: rows() })).to.be.rejectedWith(Error, 'cursor lost');
  });

  it('should emit bytes while rows are still coming, not after the whole input', async () => {
    const total = 100_000;
    let pulled = 0;
    function* rows() {
      for (let i = 0; i < total; i += 1) {
        pulled += 1;
        yield [i, `row ${i}`];
      }
    }
    const stream = csvStream({ columns: ['n', 'text'], rows: rows() });
    let pulledAtFirstChunk = -1;
    let bytes = 0;
    for await (const chunk of stream) {
      if (pulledAtFirstChunk < 0) pulledAtFirstChunk = pulled;
      bytes += (chunk as Buffer).length;
    }
    expect(pulledAtFirstChunk).to.be.greaterThan(0).and.lessThan(total / 10);
    expect(stream.rowCount).to.equal(total);
    expect(bytes).to.be.greaterThan(total * 8);
  });
});
