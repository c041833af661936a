/**
 * Parquet typed by PostgreSQL: the wide table (every integer and float width with NaN and
 * ±Infinity, decimals, 2 KB texts, jsonb, uuid, arrays, bytea, times, intervals, ±infinity and
 * years BC, inet) exported by `bigrays run`, night after night, and read back by DuckDB and by
 * hyparquet, each value compared with PostgreSQL's own; and `infinity` in a timestamptz column,
 * in the first row and in a later row group, keeping the column a timestamp.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bigraysRun, BigraysConfig, register, SQLSession, SQLStream, ToCSV } from '../../lib';
import { wideTableSql } from '../../bench/wide-table';
import { failure } from '../helpers';
import { createBucket, emulatorEnv, useEmulator } from '../support/aws-hooks';
import { root, spawnCli, type CliResult } from '../support/cli';
import { freshPostgresDsn } from '../support/sql-hooks';

const JOB = path.join(root, 'spec/fixtures/jobs/parquet-export.ts');
const INFINITY = 9223372036854775807n;

/** How DuckDB types each column of the wide table read back. */
const DUCKDB_TYPES: Record<string, string> = {
  id: 'BIGINT', small: 'SMALLINT', medium: 'INTEGER', big: 'BIGINT', ratio4: 'FLOAT', ratio8: 'DOUBLE',
  amount: 'DECIMAL(20,6)', exact: 'VARCHAR', flag: 'BOOLEAN', body: 'VARCHAR', label: 'VARCHAR', code: 'VARCHAR',
  day: 'DATE', clock: 'TIME', seen: 'TIMESTAMP', at: 'TIMESTAMP WITH TIME ZONE', wait: 'VARCHAR', uid: 'UUID',
  doc: 'JSON', raw: 'JSON', ints: 'VARCHAR', words: 'VARCHAR', bytes: 'BLOB', host: 'VARCHAR', maybe: 'BOOLEAN',
};
const COLUMNS = Object.keys(DUCKDB_TYPES);
const TIMESTAMPS = ['seen', 'at'];

/** Microseconds since the epoch of a timestamp column, ±infinity as DuckDB's ±(2^63 − 1), as text. */
function micros(column: string): string {
  return `case when ${column} = 'infinity' then '${INFINITY}' when ${column} = '-infinity' then '-${INFINITY}'
    else (extract(epoch from ${column}) * 1000000)::numeric(30,0)::text end`;
}

/** PostgreSQL's own value of each column, as text, in a form both readers' values are compared in. */
const TRUTH = `select ${COLUMNS.map((c) => {
  if (TIMESTAMPS.includes(c)) return `${micros(c)} as ${c}`;
  if (c === 'day') return `(day - date '1970-01-01')::text as day`;
  if (c === 'clock') return `(extract(epoch from clock) * 1000000)::bigint::text as clock`;
  if (c === 'bytes') return `encode(bytes, 'hex') as bytes`;
  if (c === 'amount') return `replace(amount::text, '.', '') as amount`;
  return `case when ${c} is not null then format('%s', ${c}) end as ${c}`;
}).join(', ')} from wide order by wide.id`;

type Row = Record<string, string | null>;

/** A value DuckDB gave, in the truth's form. */
function duckText(column: string, value: unknown): string | null {
  if (value === null) return null;
  const v = value as Record<string, unknown>;
  if (TIMESTAMPS.includes(column) || column === 'clock') return String(v.micros);
  if (column === 'day') return String(v.days);
  if (column === 'amount') return String(v.value);
  if (column === 'bytes') return Buffer.from(v.bytes as Uint8Array).toString('hex');
  if (column === 'flag' || column === 'maybe') return value ? 't' : 'f';
  if (column === 'ratio8') return Number.isNaN(value) ? 'NaN' : String(value);
  return String(value);
}

/** PostgreSQL's text of a float column as the reader's number. */
function float(text: string | null, column: string): number | null {
  if (text === null) return null;
  return column === 'ratio4' ? Math.fround(Number(text)) : Number(text);
}

async function readDuckDb(file: string): Promise<{ types: Record<string, string>; rows: Row[]; floats: Array<Record<string, number | null>> }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const described = await connection.runAndReadAll(`select column_name, column_type from (describe select * from read_parquet('${file}'))`);
    const types = Object.fromEntries(described.getRows().map(([name, type]) => [String(name), String(type)]));
    const read = await connection.runAndReadAll(`select * from read_parquet('${file}') order by id`);
    const objects = read.getRowObjects() as Array<Record<string, unknown>>;
    const rows = objects.map((o) => Object.fromEntries(COLUMNS.map((c) => [c, duckText(c, o[c])])));
    const floats = objects.map((o) => ({ ratio4: o.ratio4 as number | null, ratio8: o.ratio8 as number | null }));
    return { types, rows, floats };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function readHyparquet(bytes: Buffer): Promise<Array<Record<string, unknown>>> {
  const { parquetReadObjects } = await import('hyparquet');
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const parsers = { timestampFromMicroseconds: (v: bigint) => v, dateFromDays: (v: number) => v };
  return (await parquetReadObjects({ file, parsers, utf8: false } as never)) as Array<Record<string, unknown>>;
}

describe('Parquet typed by the database (bigrays run, read back by DuckDB and hyparquet)', function () {
  this.timeout(300_000);
  const emulator = useEmulator();
  let dir: string;
  let dsn: string;
  let bucket: string;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-parquet-'));
    dsn = await freshPostgresDsn();
    bucket = await createBucket('parquet');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (table: string, day: string): Promise<CliResult> =>
    spawnCli(['run', JOB, '--set', `bucket=${bucket}`, '--set', `day=${day}`], {
      env: {
        BIGRAYS_DB_DSN: dsn,
        ...emulatorEnv(emulator().endpoint),
        BIGRAYS_PROGRESS: '0',
        PARQUET_TABLE: table,
      },
    });

  async function sql<T = Row>(statement: string): Promise<T[]> {
    const owner = new SQLSession();
    const session = await owner.open({ DB_DSN: dsn });
    try {
      const table = await session.query(statement);
      return table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, (row as unknown[])[i]]))) as T[];
    } finally {
      await owner.close(session);
    }
  }

  async function object(key: string): Promise<{ bytes: Buffer; file: string; etag?: string }> {
    const got = await emulator().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    const file = path.join(dir, key.replace(/\//g, '-'));
    writeFileSync(file, bytes);
    return { bytes, file, etag: got.ETag };
  }

  it('should keep every type and value of the wide table, night after night', async () => {
    await sql(wideTableSql(1200, 'wide'));
    const first = await run('wide', '2026-12-05');
    expect(first.status, first.stderr).to.equal(0);

    const truth = await sql(TRUTH);
    const night1 = await object('wide/2026-12-05.parquet');
    const duck = await readDuckDb(night1.file);
    expect(duck.types).to.deep.equal(DUCKDB_TYPES);
    // Floats as numbers (NaN and ±Infinity kept, float4 as its 32-bit value); the rest as PostgreSQL's text.
    expect(duck.floats).to.deep.equal(truth.map((r) => ({ ratio4: float(r.ratio4, 'ratio4'), ratio8: float(r.ratio8, 'ratio8') })));
    const exact = (rows: Row[]) => rows.map((r) => ({ ...r, ratio4: null, ratio8: null }));
    expect(exact(duck.rows)).to.deep.equal(exact(truth));
    // The edge rows are there: ±infinity, a year BC, NaN and ±Infinity.
    expect(truth.slice(0, 4).map((r, i) => (i < 2 ? r.seen : r.at))).to.deep.equal([`${INFINITY}`, `-${INFINITY}`, `${INFINITY}`, `-${INFINITY}`]);
    expect(BigInt(truth[4].at!) < -62_000_000_000_000_000n, 'a year BC').to.equal(true);
    expect(truth.slice(0, 3).map((r) => r.ratio8)).to.deep.equal(['NaN', 'Infinity', '-Infinity']);

    // hyparquet: the same values, JSON parsed, decimals as numbers.
    const hyp = await readHyparquet(night1.bytes);
    expect(hyp.map((r) => r.at)).to.deep.equal(truth.map((r) => BigInt(r.at!)));
    expect(hyp.map((r) => r.seen)).to.deep.equal(truth.map((r) => BigInt(r.seen!)));
    expect(hyp.map((r) => r.day)).to.deep.equal(truth.map((r) => Number(r.day)));
    expect(hyp.map((r) => r.clock)).to.deep.equal(truth.map((r) => BigInt(r.clock!)));
    expect(hyp.map((r) => r.big)).to.deep.equal(truth.map((r) => BigInt(r.big!)));
    expect(hyp.map((r) => r.small)).to.deep.equal(truth.map((r) => Number(r.small)));
    expect(hyp.map((r) => r.ratio8)).to.deep.equal(truth.map((r) => float(r.ratio8, 'ratio8')));
    expect(hyp.map((r) => r.doc)).to.deep.equal(truth.map((r) => JSON.parse(r.doc!)));
    expect(hyp.map((r) => r.uid)).to.deep.equal(truth.map((r) => r.uid));
    expect(hyp.map((r) => r.body)).to.deep.equal(truth.map((r) => r.body));
    expect(hyp.map((r) => r.ints)).to.deep.equal(truth.map((r) => r.ints));
    expect(hyp.map((r) => Buffer.from(r.bytes as Uint8Array).toString('hex'))).to.deep.equal(truth.map((r) => r.bytes));
    hyp.forEach((r, i) => expect(r.amount).to.be.closeTo(Number(truth[i].amount) / 1e6, 1e-6));

    // The next night: fewer rows, a new object; last night's is as it was.
    await sql('delete from wide where id > 1000');
    const second = await run('wide', '2026-12-06');
    expect(second.status, second.stderr).to.equal(0);
    const head = await emulator().s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'wide/2026-12-05.parquet' }));
    expect(head.ETag).to.equal(night1.etag);
    const night2 = await readDuckDb((await object('wide/2026-12-06.parquet')).file);
    expect(night2.types).to.deep.equal(DUCKDB_TYPES);
    expect(exact(night2.rows)).to.deep.equal(exact(truth.slice(0, 1000)));
  });

  it('should keep a timestamptz column a timestamp with infinity in its first row and in a later row group', async () => {
    await sql(`create table edges as select g::bigint as id,
        case when g in (1, 200004) then 'infinity'::timestamptz when g = 200005 then '-infinity'::timestamptz
          else timestamptz '2026-01-01 00:00:00+00' + g * interval '1.000001 second' end as at
      from generate_series(1, 200010) g`);
    const result = await run('edges', '2026-12-05');
    expect(result.status, result.stderr).to.equal(0);
    const { file } = await object('edges/2026-12-05.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const described = await connection.runAndReadAll(`select column_type from (describe select * from read_parquet('${file}')) where column_name = 'at'`);
      expect(described.getRows()).to.deep.equal([['TIMESTAMP WITH TIME ZONE']]);
      const read = await connection.runAndReadAll(
        `select id, "at"::varchar from read_parquet('${file}') where id in (1, 2, 200003, 200004, 200005, 200010) order by id`,
      );
      expect(read.getRows()).to.deep.equal([
        [1n, 'infinity'],
        [2n, '2026-01-01 00:00:02.000002+00'],
        [200003n, '2026-01-03 07:33:23.200003+00'],
        [200004n, 'infinity'],
        [200005n, '-infinity'],
        [200010n, '2026-01-03 07:33:30.20001+00'],
      ]);
      const count = await connection.runAndReadAll(`select count(*), count("at") from read_parquet('${file}')`);
      expect(count.getRows()).to.deep.equal([[200010n, 200010n]]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('should refuse NaN in a numeric(p,s) column, naming the column, the row and the fix, and leave no file', async () => {
    await sql(`create table prices as select g::bigint as id, case when g = 3 then 'NaN'::numeric else g * 1.5 end::numeric(12,2) as price
      from generate_series(1, 5) g`);
    BigraysConfig.DB_DSN = dsn;
    const file = path.join(dir, 'prices.parquet');
    @register class Prices extends SQLStream { query = 'select * from prices order by id'; }
    @register class Save extends ToCSV { input = Prices.output; filename = file; format = 'parquet' as const; }
    const error = (await failure(bigraysRun())).errors[0] as Error;
    expect(error.message).to.include(
      'Parquet: column `price` of row 3 is "NaN", but the column\'s type is DECIMAL(12,2) (the database\'s numeric(12,2)); ' +
        'cast the column in the query so that every row has one type (to text, say)',
    );
    expect(error.message).to.include('Save');
    expect(existsSync(file)).to.equal(false);
    expect(readdirSync(dir)).to.deep.equal([]);
    expect([Prices, Save]).to.have.length(2);
  });
});
