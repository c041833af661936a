/** JSON lines from the server's CSV: the same bytes however the network cuts the CSV into chunks. */
import { expect } from 'chai';
import { CsvJsonl } from '../../lib/data/jsonl-csv';
import type { SqlColumn } from '../../lib/data/sql-columns';

const COLUMNS: SqlColumn[] = [
  { name: 'id', kind: 'int64', dbType: 'int8' },
  { name: 'memo', kind: 'text', dbType: 'text' },
  { name: 'at', kind: 'timestamptz', dbType: 'timestamptz' },
  { name: 'ok', kind: 'boolean', dbType: 'bool' },
  { name: 'x', kind: 'float64', dbType: 'float8' },
];

/** COPY's CSV: a header, a quoted value holding line feeds and quotes, NULL and '', a last record. */
const CSV = Buffer.from(
  'id,"me""mo",at,ok,x\n' +
    '1,"two\nlines, ""quoted""\n",2026-01-02 03:04:05.123456+00,t,1e-7\n' +
    '2,"",infinity,f,-0\n' +
    '3,,,,\n' +
    '9007199254740993,plain ☃,0044-03-15 12:00:00+00 BC,t,1e+21\n',
);

const EXPECTED =
  '{"id":1,"memo":"two\\nlines, \\"quoted\\"\\n","at":"2026-01-02T03:04:05.123456Z","ok":true,"x":1e-7}\n' +
  '{"id":2,"memo":"","at":"infinity","ok":false,"x":0}\n' +
  '{"id":3,"memo":null,"at":null,"ok":null,"x":null}\n' +
  '{"id":9007199254740993,"memo":"plain ☃","at":"0044-03-15 12:00:00+00 BC","ok":true,"x":1e+21}\n';

function converted(chunks: Buffer[], rowsBefore = 0): { text: string; rows: number } {
  const writer = new CsvJsonl(COLUMNS, rowsBefore);
  const out: Buffer[] = [];
  for (const chunk of chunks) out.push(...writer.push(chunk));
  out.push(...writer.end());
  return { text: Buffer.concat(out).toString('utf8'), rows: writer.rows };
}

describe('JSON lines from the server\'s CSV', () => {
  it('should write each row by its column\'s type, NULL as null and \'\' as ""', () => {
    expect(converted([CSV])).to.deep.equal({ text: EXPECTED, rows: 4 });
  });

  it('should write the same bytes wherever the CSV is cut, and byte by byte', () => {
    for (let cut = 0; cut <= CSV.length; cut++) {
      expect(converted([CSV.subarray(0, cut), CSV.subarray(cut)]).text, `cut at ${cut}`).to.equal(EXPECTED);
    }
    expect(converted([...CSV].map((byte) => Buffer.from([byte]))).text).to.equal(EXPECTED);
  });

  it('should write a last record that has no line feed', () => {
    expect(converted([CSV.subarray(0, CSV.length - 1)]).text).to.equal(EXPECTED);
  });

  it('should refuse NaN and Infinity naming the column and the row counted over the whole export', () => {
    const csv = Buffer.from('id,memo,at,ok,x\n1,a,,t,1\n2,b,,t,NaN\n');
    expect(() => converted([csv], 1000)).to.throw(TypeError, 'JSON lines: cannot write column "x" of row 1002: JSON lines: NaN has no JSON form');
    const infinite = Buffer.from('id,memo,at,ok,x\n1,a,,t,-Infinity\n');
    expect(() => converted([infinite])).to.throw(TypeError, 'JSON lines: cannot write column "x" of row 1: JSON lines: -Infinity has no JSON form');
  });
});
