/** Parquet from the server's CSV: the file the rows read one by one make, however the network cuts the CSV into chunks. */
import { expect } from 'chai';
import type { RowCounter } from '../../lib/data/csv';
import { parquetChunks } from '../../lib/data/parquet';
import { recordBatches } from '../../lib/data/parquet-batches';
import { CsvParquet } from '../../lib/data/parquet-csv';
import { parquetParts } from '../../lib/data/parquet-file';
import type { SqlColumn } from '../../lib/data/sql-columns';

const COLUMNS: SqlColumn[] = [
  { name: 'id', kind: 'int64', dbType: 'int8' },
  { name: 'memo', kind: 'text', dbType: 'text' },
  { name: 'at', kind: 'timestamptz', dbType: 'timestamptz' },
  { name: 'ok', kind: 'boolean', dbType: 'bool' },
  { name: 'x', kind: 'float64', dbType: 'float8' },
  { name: 'amount', kind: 'decimal', dbType: 'numeric(12,2)', precision: 12, scale: 2 },
  { name: 'raw', kind: 'bytes', dbType: 'bytea' },
  { name: 'day', kind: 'date', dbType: 'date' },
];

/** COPY's CSV: a header, a quoted value holding line feeds and quotes, NULL and '', a last record. */
const CSV = Buffer.from(
  'id,"me""mo",at,ok,x,amount,raw,day\n' +
    '1,"two\nlines, ""quoted""\n",2026-01-02 03:04:05.123456+00,t,1e-7,-12.5,\\x00ff,2026-01-02\n' +
    '2,"",infinity,f,-0,0.01,\\x,infinity\n' +
    '3,,,,,,,\n' +
    '9007199254740993,plain ☃ 😀,0044-03-15 12:00:00+00 BC,t,NaN,9999999999.99,"a\\\\b""",0044-03-15 BC\n' +
    '-9223372036854775808,"cr\r\nlf",1999-12-31 23:59:59+00,f,-Infinity,-0.10,\\x0a,1970-01-01\r\n',
);

/** The same rows as an SQLStream reads them one by one (./lib/resources/sql/postgres/types.ts). */
const ROWS: unknown[][] = [
  [1, 'two\nlines, "quoted"\n', '2026-01-02T03:04:05.123456Z', true, 1e-7, '-12.5', Buffer.from([0, 255]), '2026-01-02'],
  [2, '', 'infinity', false, -0, '0.01', Buffer.alloc(0), 'infinity'],
  [3, null, null, null, null, null, null, null],
  [9007199254740993n, 'plain ☃ 😀', '0044-03-15 12:00:00+00 BC', true, NaN, '9999999999.99', Buffer.from('a\\b"'), '0044-03-15 BC'],
  [-9223372036854775808n, 'cr\r\nlf', '1999-12-31T23:59:59Z', false, -Infinity, '-0.10', Buffer.from([10]), '1970-01-01'],
];

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return Buffer.concat(out);
}

/** The file the rows path writes of `rows`, row groups of `groupRows`. */
async function fromRows(rows: unknown[][], groupRows: number, rowsBefore = 0): Promise<Buffer> {
  const counter: RowCounter = { columns: [], rows: 0 };
  const input = { columns: COLUMNS.map((c) => c.name), rows, columnTypes: COLUMNS };
  return collect(parquetChunks(recordBatches(input, counter), groupRows, rowsBefore, counter));
}

/** The file written of the CSV given in `chunks`. */
async function fromCsv(chunks: Buffer[], groupRows: number, rowsBefore = 0): Promise<Buffer> {
  const writer = new CsvParquet(await parquetParts(), COLUMNS, rowsBefore, groupRows);
  const out: Buffer[] = [];
  for (const chunk of chunks) out.push(...writer.push(chunk));
  out.push(...writer.end());
  expect(writer.rows).to.equal(ROWS.length);
  return Buffer.concat(out);
}

describe("Parquet from the server's CSV", () => {
  it('should write the bytes the rows path writes, in one row group and in several', async () => {
    for (const groupRows of [100, 2, 1]) {
      expect((await fromCsv([CSV], groupRows)).equals(await fromRows(ROWS, groupRows)), `groups of ${groupRows}`).to.equal(true);
    }
  });

  it('should write the same bytes wherever the CSV is cut, and byte by byte', async () => {
    const expected = await fromRows(ROWS, 2);
    for (let cut = 0; cut <= CSV.length; cut++) {
      expect((await fromCsv([CSV.subarray(0, cut), CSV.subarray(cut)], 2)).equals(expected), `cut at ${cut}`).to.equal(true);
    }
    expect((await fromCsv([...CSV].map((byte) => Buffer.from([byte])), 2)).equals(expected)).to.equal(true);
  });

  it('should write a last record that has no line feed', async () => {
    expect((await fromCsv([CSV.subarray(0, CSV.length - 2)], 100)).equals(await fromRows(ROWS, 100))).to.equal(true);
  });

  it('should refuse what the rows path refuses with its message, the row counted over the whole export', async () => {
    const csv = Buffer.from('id,memo,at,ok,x,amount,raw,day\n1,a,,,,1.5,,\n2,b,,,,NaN,,\n');
    const rows = [[1, 'a', null, null, null, '1.5', null, null], [2, 'b', null, null, null, 'NaN', null, null]];
    const message = await fromRows(rows, 100, 1000).then(() => 'none', (error: Error) => error.message);
    expect(message).to.equal(
      "Parquet: column `amount` of row 1002 is \"NaN\", but the column's type is DECIMAL(12,2) (the database's numeric(12,2)); " +
        'cast the column in the query so that every row has one type (to text, say)',
    );
    const writer = new CsvParquet(await parquetParts(), COLUMNS, 1000);
    expect(() => writer.push(csv)).to.throw(TypeError, message);
  });

  it('should name a malformed CSV and one that ends inside a record', async () => {
    const writer = new CsvParquet(await parquetParts(), COLUMNS, 10);
    expect(() => writer.push(Buffer.from('h\n1,"a"x,,,,,,\n'))).to.throw(TypeError, 'Parquet: the server\'s CSV has "x" after column "memo" of row 11');
    const cut = new CsvParquet(await parquetParts(), COLUMNS, 0);
    cut.push(Buffer.from('h\n1,"a'));
    expect(() => cut.end()).to.throw(TypeError, "Parquet: the server's CSV ended inside row 1");
  });
});
