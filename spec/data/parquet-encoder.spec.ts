/**
 * Parquet's column encoder: values appended to typed columns row by row, several row groups of a
 * file sharing the same column buffers, read back by DuckDB. Texts the fast scans read and texts
 * they leave to the general reading (a year before Christ, 16 digits and more) must give the
 * same values.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RowCounter } from '../../lib/data/csv';
import { parquetChunks } from '../../lib/data/parquet';
import { recordBatches } from '../../lib/data/parquet-batches';
import type { SqlColumn } from '../../lib/data/sql-columns';

const TYPES: SqlColumn[] = [
  { name: 'id', kind: 'int64', dbType: 'int8' },
  { name: 'at', kind: 'timestamptz', dbType: 'timestamptz' },
  { name: 'd12', kind: 'decimal', dbType: 'numeric(12,2)', precision: 12, scale: 2 },
  { name: 'd18', kind: 'decimal', dbType: 'numeric(18,0)', precision: 18, scale: 0 },
  { name: 'd20', kind: 'decimal', dbType: 'numeric(20,4)', precision: 20, scale: 4 },
  { name: 'flag', kind: 'boolean', dbType: 'bool' },
  { name: 'memo', kind: 'text', dbType: 'text' },
];

// [text written, microseconds DuckDB reads]
const TIMES: Array<[string | null, number | null]> = [
  ['2026-01-02T03:04:05.1+05:30', Date.UTC(2026, 0, 1, 21, 34, 5, 100) * 1000],
  ['1969-12-31T23:59:59.999999Z', -1],
  ['2026-01-02 03:04:05-0100', Date.UTC(2026, 0, 2, 4, 4, 5) * 1000],
  ['0044-03-15 12:00:00+00 BC', Date.UTC(-43, 2, 15, 12) * 1000],
  [null, null],
];
// [text written, DuckDB's text of it] for numeric(12,2), numeric(18,0), numeric(20,4)
const D12: Array<[string | null, string | null]> = [['-0.05', '-0.05'], ['1234567890.12', '1234567890.12'], ['7', '7.00'], [null, null]];
const D18: Array<[string | null, string | null]> = [['999999999999999999', '999999999999999999'], ['-123', '-123'], [null, null]];
const D20: Array<[string | null, string | null]> = [['1234567890123456.7891', '1234567890123456.7891'], ['-1', '-1.0000'], [null, null]];
const MEMOS = ['é', '', '日本語 and more', 'x'.repeat(300), null];

function row(i: number): unknown[] {
  const flag = i % 5 === 4 ? null : i % 3 === 0;
  return [BigInt(i) * 1_000_003n, TIMES[i % 5][0], D12[i % 4][0], D18[i % 3][0], D20[i % 3][0], flag, MEMOS[i % 5]];
}

function expected(i: number): unknown[] {
  const flag = i % 5 === 4 ? null : i % 3 === 0;
  return [BigInt(i) * 1_000_003n, TIMES[i % 5][1] === null ? null : BigInt(TIMES[i % 5][1]!), D12[i % 4][1], D18[i % 3][1], D20[i % 3][1], flag, MEMOS[i % 5]];
}

async function writeParquet(file: string, rows: unknown[][], rowGroupSize: number): Promise<void> {
  const counter: RowCounter = { columns: [], rows: 0 };
  const input = { columns: TYPES.map((t) => t.name), rows, columnTypes: TYPES };
  const chunks: Buffer[] = [];
  for await (const chunk of parquetChunks(recordBatches(input, counter), rowGroupSize, 0, counter)) chunks.push(chunk);
  writeFileSync(file, Buffer.concat(chunks));
}

async function readDuckDb(file: string): Promise<{ rows: unknown[][]; groups: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const read = await connection.runAndReadAll(
      `select id, epoch_us("at"), d12::varchar, d18::varchar, d20::varchar, flag, memo from read_parquet('${file}') order by id`,
    );
    const groups = await connection.runAndReadAll(`select count(distinct row_group_id) from parquet_metadata('${file}')`);
    return { rows: read.getRows() as unknown[][], groups: Number(groups.getRows()[0][0]) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('Parquet column encoder (typed columns read back by DuckDB)', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-parquet-encoder-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should read back every value and NULL of rows spread over several row groups exactly as written', async () => {
    const file = path.join(dir, 'rows.parquet');
    const count = 61;
    await writeParquet(file, Array.from({ length: count }, (_, i) => row(i)), 7);
    const { rows, groups } = await readDuckDb(file);
    expect(groups).to.equal(9);
    expect(rows).to.deep.equal(Array.from({ length: count }, (_, i) => expected(i)));
  });

  it('should write a file with no rows that reads back as the columns and no rows', async () => {
    const file = path.join(dir, 'empty.parquet');
    await writeParquet(file, [], 7);
    const { rows } = await readDuckDb(file);
    expect(rows).to.deep.equal([]);
  });

  /** What writing `rows` of `columns` (types inferred unless `columnTypes`) fails with. */
  async function failure(columns: string[], rows: unknown[][], rowGroupSize: number, columnTypes?: SqlColumn[]): Promise<string> {
    const counter: RowCounter = { columns: [], rows: 0 };
    try {
      for await (const chunk of parquetChunks(recordBatches({ columns, rows, columnTypes }, counter), rowGroupSize, 0, counter)) expect(chunk).to.be.instanceOf(Buffer);
    } catch (error) {
      return (error as Error).message;
    }
    return 'written';
  }

  it('should refuse a string in a column inferred as JSON, naming column and row, and take the database text in a declared one', async () => {
    const message = await failure(['j'], [[{ a: 1 }], [{ a: 2 }], ['not json']], 2);
    expect(message).to.contain('`j`').and.to.contain('row 3').and.to.contain('"not json"');
    const declared = await failure(['j'], [['{"a": 1}'], ['[]']], 2, [{ name: 'j', kind: 'json', dbType: 'jsonb' }]);
    expect(declared).to.equal('written');
  });

  it('should refuse a timestamp past INT64 microseconds (294247 AD), naming column and row, not write it as infinity', async () => {
    const message = await failure(['at'], [['2026-01-01 00:00:00+00'], ['294247-01-10 04:00:54.775807+00'], ['294276-12-31 23:59:59+00']], 10, [
      { name: 'at', kind: 'timestamptz', dbType: 'timestamptz' },
    ]);
    expect(message).to.contain('`at`').and.to.contain('row 2');
  });
});
