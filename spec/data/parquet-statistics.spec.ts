/**
 * The smallest and largest value of each column chunk in a Parquet file's footer: the values a
 * reader prunes row groups by. Checked against DuckDB's own min and max of each row group, and
 * by what matters to a user: DuckDB's filtered queries on the file return the rows a copy of it
 * in a table returns (a bound too narrow would make it skip a row group that holds a match).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RowCounter } from '../../lib/data/csv';
import { parquetChunks } from '../../lib/data/parquet';
import { recordBatches } from '../../lib/data/parquet-batches';
import type { SqlColumn } from '../../lib/data/sql-columns';
import { random } from '../support/seeded-random';

const GROUP = 50;
const GROUPS = 8;

/** Text whose UTF-8 order differs from JavaScript's UTF-16 order ('\uFFFD' sorts after '😀' in UTF-16, before it in UTF-8). */
const WORDS = ['', 'a', 'A', 'z', 'ä', 'Ω', '\uFFFD', '😀', '\u{10FFFF}', 'ab', 'a\u0000b', 'zz', '日本'];

const TYPES: SqlColumn[] = [
  { name: 'i16', kind: 'int16', dbType: 'int2' },
  { name: 'i32', kind: 'int32', dbType: 'int4' },
  { name: 'i64', kind: 'int64', dbType: 'int8' },
  { name: 'f32', kind: 'float32', dbType: 'float4' },
  { name: 'f64', kind: 'float64', dbType: 'float8' },
  { name: 'dec9', kind: 'decimal', dbType: 'numeric(9,2)', precision: 9, scale: 2 },
  { name: 'dec18', kind: 'decimal', dbType: 'numeric(18,4)', precision: 18, scale: 4 },
  { name: 'dec30', kind: 'decimal', dbType: 'numeric(30,5)', precision: 30, scale: 5 },
  { name: 'ts', kind: 'timestamp', dbType: 'timestamp' },
  { name: 'tstz', kind: 'timestamptz', dbType: 'timestamptz' },
  { name: 'day', kind: 'date', dbType: 'date' },
  { name: 'clock', kind: 'time', dbType: 'time' },
  { name: 'flag', kind: 'boolean', dbType: 'bool' },
  { name: 'word', kind: 'text', dbType: 'text' },
  { name: 'blob', kind: 'bytes', dbType: 'bytea' },
  { name: 'id', kind: 'uuid', dbType: 'uuid' },
  { name: 'doc', kind: 'json', dbType: 'jsonb' },
  { name: 'nan', kind: 'float64', dbType: 'float8' },
  { name: 'long', kind: 'text', dbType: 'text' },
];

/** The value of column `name` in row `i` of group `group` (NULL now and then, and all of group 3 for some). */
function value(name: string, group: number, i: number, next: (n: number) => number): unknown {
  if (name === 'nan' && group === 0 && i === 7) return NaN;
  if (next(9) === 0) return null;
  const sign = next(2) === 0 ? -1 : 1;
  switch (name) {
    case 'i16': return sign * next(32_768);
    case 'i32': return sign * next(2 ** 31);
    // Across the sign and the 32-bit boundary, where comparing high and low words matters.
    case 'i64': return BigInt(sign) * (BigInt(next(2 ** 20)) * 4_294_967_296n + BigInt(next(2 ** 32)));
    case 'f32': return Math.fround(sign * next(1000) / 8);
    case 'f64': return group === 5 ? [0, -0][next(2)] : sign * next(1e6) / 7;
    case 'dec9': return `${sign < 0 ? '-' : ''}${next(10_000_000)}.${String(next(100)).padStart(2, '0')}`;
    case 'dec18': return `${sign < 0 ? '-' : ''}${next(1e9)}${String(next(1e5)).padStart(5, '0')}.${String(next(10_000)).padStart(4, '0')}`;
    case 'dec30': return `${sign < 0 ? '-' : ''}${next(1e9)}${String(next(1e9)).padStart(9, '0')}${String(next(1e7)).padStart(7, '0')}.${String(next(1e5)).padStart(5, '0')}`;
    case 'ts': return new Date(Date.UTC(1900 + next(200), next(12), 1 + next(28), next(24), next(60), next(60), next(1000))).toISOString().replace('T', ' ').replace('Z', '');
    case 'tstz': return new Date(Date.UTC(-50 + next(2100), next(12), 1 + next(28), next(24)));
    case 'day': return `${String(1 + next(9998)).padStart(4, '0')}-0${1 + next(9)}-1${next(9)}`;
    case 'clock': return `${String(next(24)).padStart(2, '0')}:${String(next(60)).padStart(2, '0')}:0${next(10)}.${next(1_000_000)}`;
    case 'flag': return group === 1 ? true : next(2) === 0;
    case 'word': return WORDS[next(WORDS.length)] + WORDS[next(WORDS.length)];
    case 'blob': return Buffer.from(Array.from({ length: next(4) }, () => [0, 0x7f, 0x80, 0xff, next(256)][next(5)]));
    case 'id': return Array.from({ length: 16 }, () => next(256).toString(16).padStart(2, '0')).join('').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    case 'doc': return JSON.stringify({ n: next(100) });
    case 'nan': return sign * next(100);
    // Longer than the 64 bytes a bound is shortened to, and with a shared prefix.
    case 'long': return `${'x'.repeat(60)}${WORDS[next(WORDS.length)]}${'é'.repeat(next(40))}${next(1000)}`;
  }
  throw new Error(name);
}

function table(seed: number): unknown[][] {
  const next = random(seed);
  const rows: unknown[][] = [];
  for (let group = 0; group < GROUPS; group++) {
    for (let i = 0; i < GROUP; i++) {
      rows.push(TYPES.map((t) => (group === 3 && t.name.startsWith('dec') ? null : value(t.name, group, i, next))));
    }
  }
  return rows;
}

async function parquetFile(file: string, rows: unknown[][]): Promise<void> {
  const counter: RowCounter = { columns: [], rows: 0 };
  const chunks: Buffer[] = [];
  const input = { columns: TYPES.map((t) => t.name), rows, columnTypes: TYPES };
  for await (const chunk of parquetChunks(recordBatches(input, counter), GROUP, 0, counter)) chunks.push(chunk);
  writeFileSync(file, Buffer.concat(chunks));
}

type Row = unknown[];

async function rowsOf(connection: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await connection.runAndReadAll(sql)).getRows() as Row[];
}

describe('Parquet column chunk statistics (min and max)', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  let connection: DuckDBConnection;
  let close: () => void;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-parquet-stats-'));
    file = path.join(dir, 'stats.parquet');
    await parquetFile(file, table(20261206));
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    close = () => {
      connection.closeSync();
      instance.closeSync();
    };
    // The same rows in a table: what every filtered query on the file must return.
    await connection.run(`create table copy as select * from read_parquet('${file}')`);
  });

  after(() => {
    close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Each row group's bounds of `column` in the footer, in row group order. */
  async function bounds(column: string): Promise<Array<[unknown, unknown]>> {
    const rows = await rowsOf(connection, `select stats_min_value, stats_max_value from parquet_metadata('${file}') where path_in_schema = '${column}' order by row_group_id`);
    expect(rows, column).to.have.length(GROUPS);
    return rows.map(([min, max]) => [min, max]);
  }

  /** DuckDB's own min and max of `column` in each row group (NULL for a group of NULLs). */
  async function actual(column: string): Promise<Array<[unknown, unknown]>> {
    const rows = await rowsOf(connection, `
      select min("${column}")::varchar, max("${column}")::varchar
      from read_parquet('${file}', file_row_number = true) group by file_row_number // ${GROUP} order by file_row_number // ${GROUP}`);
    return rows.map(([min, max]) => [min, max]);
  }

  const exact = TYPES.filter((t) => !['doc', 'nan', 'long', 'f64', 'f32'].includes(t.name)).map((t) => t.name);
  for (const column of exact) {
    it(`should give each row group of ${column} its smallest and largest value, in the order of its type`, async () => {
      expect(await bounds(column)).to.deep.equal(await actual(column));
    });
  }

  it('should give floats their bounds as numbers, a zero minimum as -0 and a zero maximum as +0', async () => {
    for (const column of ['f32', 'f64']) {
      const written = await bounds(column);
      const own = await actual(column);
      written.forEach(([min, max], group) => {
        expect(Number(min), `${column} group ${group}`).to.equal(Number(own[group][0]));
        expect(Number(max), `${column} group ${group}`).to.equal(Number(own[group][1]));
      });
    }
    // Group 5 of f64 holds only zeros (and NULLs).
    expect((await bounds('f64'))[5]).to.deep.equal(['-0.0', '0.0']);
  });

  it('should give no bounds to a float chunk holding a NaN, nor to JSON, but bounds to the other groups', async () => {
    const nan = await bounds('nan');
    expect(nan[0]).to.deep.equal([null, null]);
    expect(nan.slice(1).every(([min, max]) => min !== null && max !== null)).to.equal(true);
    expect((await bounds('doc')).every(([min, max]) => min === null && max === null)).to.equal(true);
  });

  it('should give text longer than 64 bytes a prefix that is at most its minimum and a bound at least its maximum', async () => {
    const written = await bounds('long');
    const own = await actual('long');
    written.forEach(([min, max], group) => {
      const [ownMin, ownMax] = own[group].map((v) => Buffer.from(String(v)));
      const [minBytes, maxBytes] = [Buffer.from(String(min)), Buffer.from(String(max))];
      expect(minBytes.length).to.be.at.most(64);
      expect(maxBytes.length).to.be.at.most(64);
      expect(ownMin.subarray(0, minBytes.length).equals(minBytes), `group ${group}: a prefix of the minimum`).to.equal(true);
      expect(Buffer.compare(maxBytes, ownMax), `group ${group}: at least the maximum`).to.be.above(0);
    });
  });

  it('should let DuckDB answer filtered queries on the file exactly as on the same rows in a table', async () => {
    for (const column of TYPES.map((t) => t.name).filter((name) => name !== 'doc')) {
      const [[type]] = await rowsOf(connection, `select typeof("${column}") from copy where "${column}" is not null limit 1`);
      // Each row group's bounds (where a query's answer turns) and a dozen values between.
      const picked = await rowsOf(connection, `select v from (select distinct "${column}"::varchar as v from copy where "${column}" is not null) order by hash(v) limit 12`);
      const probes = new Set([...picked.map(([v]) => v), ...(await actual(column)).flat().filter((v) => v !== null)]);
      // (SQL text cannot hold a NUL character: those values are checked by their bounds only.)
      for (const probe of [...probes].filter((v) => !String(v).includes('\u0000'))) {
        // A constant of the column's type: what DuckDB prunes row groups by.
        const literal = `cast('${String(probe).replace(/'/g, "''")}' as ${String(type)})`;
        for (const op of ['=', '<', '<=', '>', '>=']) {
          const [[onFile]] = await rowsOf(connection, `select count(*) from read_parquet('${file}') where "${column}" ${op} ${literal}`);
          const [[inTable]] = await rowsOf(connection, `select count(*) from copy where "${column}" ${op} ${literal}`);
          expect(onFile, `${column} ${op} ${String(probe)}`).to.equal(inTable);
        }
      }
    }
  });
});
