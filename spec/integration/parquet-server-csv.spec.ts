/**
 * Parquet of an SQLStream on PostgreSQL written from the server's CSV (COPY) is, byte for byte,
 * the file the rows read one by one make: the bench table in several row groups, the wide table
 * (±infinity, BC, NaN, jsonb, arrays, bytea, inet), an edge table of every awkward value, bytea
 * in its escape form, text not valid UTF-8, through ToS3 plain, gzipped and split; a value the rows path refuses is refused with its
 * message, and nothing is uploaded.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { benchTableSql } from '../../bench/bench-table';
import { wideTableSql } from '../../bench/wide-table';
import { bigraysRun, BigraysConfig, SQLExecute, SQLStream, Task, ToS3 } from '../../lib';
import { PARQUET_FORMAT } from '../../lib/data/formats/parquet';
import type { SqlRows } from '../../lib/data/sql-rows';
import { failure } from '../helpers';
import { createBucket, useEmulator, type Emulator } from '../support/aws-hooks';
import { admin } from '../support/pg-admin';
import { hasOpenMultipartUpload, objectExists } from '../support/s3-objects';
import { freshPostgresDsn } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';

async function bytesOf(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What a write gave: its bytes, or the message it failed with. */
async function outcome(body: Readable): Promise<Buffer | string> {
  return bytesOf(body).catch((error: Error) => error.message);
}

/** The Parquet of `query` written from its rows read one by one, and from the server's CSV; `setting` run on the session first. */
async function bothWays(query: string, setting = 'select 1'): Promise<{ rows: Buffer | string; csv: Buffer | string }> {
  let result: { rows: Buffer | string; csv: Buffer | string } | undefined;
  class Setting extends SQLExecute { statement = setting; }
  class ByRows extends SQLStream { query = query; }
  class ByCsv extends SQLStream { query = query; }
  class Both extends Task {
    async run(): Promise<void> {
      const opened = await (ByRows.output as SqlRows).open();
      const rows = await outcome(PARQUET_FORMAT.writeRows({ columns: opened.columns, rows: opened.rows, columnTypes: opened.columnTypes }, 0).body);
      const copy = await (ByCsv.output as SqlRows).copyTyped();
      expect(copy, 'the server gives its CSV with the column types').not.to.equal(undefined);
      const csv = await outcome(PARQUET_FORMAT.writeServerCsv!(copy!, 0).body); // eslint-disable-line @typescript-eslint/no-non-null-assertion
      result = { rows, csv };
    }
  }
  await bigraysRun(Setting, ByRows, ByCsv, Both);
  return result!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
}

/** Checks the two files are one, a Parquet file; that file. */
async function expectSame(query: string, setting?: string): Promise<Buffer> {
  const { rows, csv } = await bothWays(query, setting);
  expect(rows).to.be.instanceOf(Buffer, String(rows));
  expect(csv).to.be.instanceOf(Buffer, String(csv));
  const [a, b] = [rows as Buffer, csv as Buffer];
  expect(a.subarray(0, 4).toString('latin1')).to.equal('PAR1');
  expect(b.length, 'the same length').to.equal(a.length);
  expect(b.equals(a), 'the same bytes').to.equal(true);
  return b;
}

async function rowGroups(file: Buffer): Promise<number> {
  const { parquetMetadata } = await import('hyparquet');
  return parquetMetadata(Uint8Array.from(file).buffer).row_groups.length;
}

async function objectBytes(emulator: Emulator, bucket: string, key: string): Promise<Buffer> {
  const answer = await emulator.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray()); // eslint-disable-line @typescript-eslint/no-non-null-assertion
}

/** Runs `sql` outside a transaction (CREATE DATABASE). */
async function plainStatement(dsn: string, sql: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (o: { connectionString: string }) => { connect(): Promise<void>; end(): Promise<void>; query(q: string): Promise<unknown> } };
  const client = new Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Every awkward value of each type, and NULL beside it. */
const EDGES = `
  create type mood as enum ('ok', 'not "ok"', 'ünï');
  create domain short_text as text check (length(value) < 100);
  create table edges (
    id int primary key, memo text, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
    n5 numeric(5,2), n9 numeric(9,0), n18 numeric(18,4), n30 numeric(30,10), nx numeric,
    d date, ts timestamp, tz timestamptz, t time, iv interval, u uuid, j json, jb jsonb,
    m mood, s short_text, words text[], ints int4[], raw bytea, ok bool, ch char(3), net inet);
  insert into edges values
    (1, 'a "quoted", comma', -32768, -2147483648, -9223372036854775808, '-0', '-0', -999.99, -999999999, -99999999999999.9999,
     -12345678901234567890.0123456789, -1.5, '4713-01-01 BC', '0001-01-01 00:00:00 BC', '0044-03-15 12:00:00+00 BC', '00:00:00',
     '-1 year -2 days 03:04:05', '00000000-0000-0000-0000-000000000000', '{"a": "q\\"uote"}', '{"b": [1, "x,y"]}', 'not "ok"', 's"',
     '{"x,y","q\\"z",NULL,""}', '{1,NULL,-3}', '\\x00ff0a0d22', true, 'a"b', '10.0.0.1/8'),
    (2, E'cr\\rlf\\ncrlf\\r\\nend', 32767, 2147483647, 9223372036854775807, 'NaN', 'NaN', 999.99, 999999999, 99999999999999.9999,
     12345678901234567890.0123456789, 'NaN', 'infinity', 'infinity', 'infinity', '24:00:00', '1 mon 00:00:00.000001',
     'ffffffff-ffff-ffff-ffff-ffffffffffff', '"text"', 'null', 'ünï', '', '{}', '{}', '\\x', false, '', '::1'),
    (3, E'ctl \\x01\\x1f\\x7f tab\\t é ☃ 😀 𝄞', 0, 0, 0, 'Infinity', '-Infinity', 0, 0, 0, 0, 0,
     '-infinity', '-infinity', '-infinity', '23:59:59.999999', '0', '12345678-9abc-def0-1234-56789abcdef0', '[]', '{}', 'ok', 'é',
     '{"é","😀","a\\\\b"}', '{0}', '\\x5c', null, 'é', null),
    (4, '', 1, 1, 4503599627370497, 1.17549435e-38, 5e-324, 0.01, 1, 0.0001, 0.0000000001, 123456789012345678901234567890.123456789,
     '1970-01-01', '1970-01-01 00:00:00.5', '2255-06-05 23:47:34.740991+00', '12:34:56.7', '1 day', null, null, null, null, null,
     null, null, '', null, null, null),
    (5, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
     null, null, null, null, null, null),
    (6, repeat('long ☃ "q", ', 4000), -1, -1, -1, 3.4028235e38, 1.7976931348623157e308, -0.01, -1, -0.0001, -0.0000000001, -0,
     '9999-12-31', '1685-01-01 00:00:00', '2000-01-01 00:00:00+00', '00:00:00.000001', '-00:00:00.000001',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '[[1,2],[3]]', '{"k": "é\\u00e9"}', 'ok', repeat('x', 99),
     '{"{}","\\\\"}', '{2147483647}', decode(repeat('00ff', 3000), 'hex'), true, 'abc', '192.168.0.1');`;

describe('Parquet from the server\'s CSV on PostgreSQL', function () {
  this.timeout(240_000);
  const emulator = useEmulator();
  let dsn: string;
  before(async () => {
    dsn = await freshPostgresDsn();
    await execute(dsn, benchTableSql(230_000));
    await execute(dsn, wideTableSql(3000, 'wide'));
    await execute(dsn, EDGES);
  });
  beforeEach(() => {
    BigraysConfig.DB_DSN = dsn;
  });

  it('should write the bench table as the rows path does, in several row groups', async () => {
    const file = await expectSame('select * from bench order by id');
    expect(await rowGroups(file)).to.equal(3);
  });

  it('should write the wide table as the rows path does (±infinity, BC, NaN, jsonb, arrays, bytea, inet)', async () => {
    await expectSame('select * from wide order by id');
  });

  it('should write every awkward value as the rows path does', async () => {
    await expectSame('select * from edges order by id');
    await expectSame('select * from edges where false');
  });

  it('should write bytea in its escape form as the rows path does', async () => {
    await expectSame('select id, raw, memo from edges order by id', 'set bytea_output = escape');
  });

  it('should write text not valid UTF-8 as the rows path reads it (U+FFFD), from a database and client in another encoding', async () => {
    const name = `latin_${process.pid}`;
    await plainStatement(dsn, `create database ${name} encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C' template template0`);
    const latin = dsn.replace(/\/[^/]*$/, `/${name}`);
    // SQL_ASCII keeps the bytes as they are written (0xe9 and 0xff are no UTF-8), and a client in SQL_ASCII gets them so.
    await execute(latin, "create table t as select 1 as id, E'caf\\xe9 \\xff\"q' as bad, 'ok' as good; insert into t values (2, E'\\xc3\\xa9 ok', '')");
    BigraysConfig.DB_DSN = latin;
    const file = await expectSame('select * from t order by id', 'set client_encoding = SQL_ASCII');
    expect(file.includes(Buffer.from('\ufffd')), 'U+FFFD for the bad bytes').to.equal(true);
  });

  it('should upload through ToS3 the rows path\'s file, gzipped for a .gz key and in parts for a split export', async () => {
    const bucket = await createBucket('pq-csv');
    const query = 'select * from edges order by id';
    class Plain extends SQLStream { query = query; }
    class ExportPlain extends ToS3 { input = Plain.output; bucket = bucket; key = 'edges.parquet'; format = 'parquet' as const; }
    class Zipped extends SQLStream { query = query; }
    class ExportZipped extends ToS3 { input = Zipped.output; bucket = bucket; key = 'edges.parquet.gz'; format = 'parquet' as const; }
    class Parts extends SQLStream { query = query; }
    class ExportParts extends ToS3 { input = Parts.output; bucket = bucket; key = 'split/edges-{part:03d}.parquet'; format = 'parquet' as const; maxRowsPerObject = 4; }
    await bigraysRun(Plain, ExportPlain, Zipped, ExportZipped, Parts, ExportParts);
    const { rows: whole } = await bothWays(query);
    expect((await objectBytes(emulator(), bucket, 'edges.parquet')).equals(whole as Buffer), 'the plain object').to.equal(true);
    expect(gunzipSync(await objectBytes(emulator(), bucket, 'edges.parquet.gz')).equals(whole as Buffer), 'the .gz object').to.equal(true);
    const listed = await emulator().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'split/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort(); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    expect(keys).to.have.length(2);
    const { rows: first } = await bothWays(`${query} limit 4`);
    const { rows: second } = await bothWays(`${query} offset 4`);
    expect((await objectBytes(emulator(), bucket, keys[0])).equals(first as Buffer), 'part 1').to.equal(true);
    expect((await objectBytes(emulator(), bucket, keys[1])).equals(second as Buffer), 'part 2').to.equal(true);
  });

  it('should refuse what the rows path refuses with its message, the row counted over the whole export, and upload nothing', async () => {
    await admin(dsn, "create table nan as select g as id, case when g = 1500 then 'NaN'::numeric else g end::numeric(9,2) as amount from generate_series(1, 2000) g");
    const { rows, csv } = await bothWays('select * from nan order by id');
    expect(rows).to.equal(
      "Parquet: column `amount` of row 1500 is \"NaN\", but the column's type is DECIMAL(9,2) (the database's numeric(9,2)); " +
        'cast the column in the query so that every row has one type (to text, say)',
    );
    expect(csv).to.equal(rows);

    const bucket = await createBucket('pq-nan');
    class Rows extends SQLStream { query = 'select * from nan order by id'; }
    class Whole extends ToS3 { input = Rows.output; bucket = bucket; key = 'nan.parquet'; format = 'parquet' as const; }
    expect((await failure(bigraysRun(Rows, Whole))).message).to.contain(rows as string);
    class Parts extends SQLStream { query = 'select * from nan order by id'; }
    class Split extends ToS3 { input = Parts.output; bucket = bucket; key = 'split/nan-{part:03d}.parquet'; format = 'parquet' as const; maxRowsPerObject = 1000; }
    expect((await failure(bigraysRun(Parts, Split))).message).to.contain(rows as string);
    expect(await objectExists(emulator(), bucket, 'nan.parquet')).to.equal(false);
    const listed = await emulator().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'split/' }));
    expect((listed.Contents ?? []).map((o) => o.Key), 'no part left behind').to.deep.equal([]);
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
  });
});
