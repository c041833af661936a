/**
 * The Parquet file's column chunks: a column with no NULL, one with only NULLs and one with some,
 * in a row group of 100 000 rows and one of 5, read back by DuckDB and by hyparquet as written.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RowCounter } from '../../lib/data/csv';
import { parquetChunks } from '../../lib/data/parquet';
import { recordBatches } from '../../lib/data/parquet-batches';
import type { SqlColumn } from '../../lib/data/sql-columns';

const TYPES: SqlColumn[] = [
  { name: 'id', kind: 'int64', dbType: 'int8' },
  { name: 'none', kind: 'int32', dbType: 'int4' },
  { name: 'memo', kind: 'text', dbType: 'text' },
];
const ROWS = 100_005;

function row(i: number): [bigint, null, string | null] {
  return [BigInt(i) * 1_000_003n, null, i % 3 === 0 ? null : `memo ${i}`];
}

describe('Parquet column chunks (levels of columns with no NULL, only NULLs, some NULLs)', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-parquet-file-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should read back every value and NULL with DuckDB and hyparquet, in a long row group and a short one', async () => {
    const file = path.join(dir, 'levels.parquet');
    const counter: RowCounter = { columns: [], rows: 0 };
    const input = { columns: TYPES.map((t) => t.name), rows: Array.from({ length: ROWS }, (_, i) => row(i)), columnTypes: TYPES };
    const chunks: Buffer[] = [];
    for await (const chunk of parquetChunks(recordBatches(input, counter), 100_000, 0, counter)) chunks.push(chunk);
    writeFileSync(file, Buffer.concat(chunks));

    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const read = await connection.runAndReadAll(`select id, "none", memo from read_parquet('${file}') order by id`);
      expect(read.getRows()).to.deep.equal(Array.from({ length: ROWS }, (_, i) => row(i)));
      const groups = await connection.runAndReadAll(`select count(distinct row_group_id) from parquet_metadata('${file}')`);
      expect(Number(groups.getRows()[0][0])).to.equal(2);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }

    const { parquetReadObjects } = await import('hyparquet');
    const bytes = readFileSync(file);
    const objects = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    expect(objects.map((o) => [o.id, o.none, o.memo])).to.deep.equal(Array.from({ length: ROWS }, (_, i) => row(i)));
  });
});
