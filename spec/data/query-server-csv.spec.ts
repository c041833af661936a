/**
 * SQLQuery on PostgreSQL reads a plain query's result from the server's CSV (`COPY (query) TO
 * STDOUT`): every value is exactly the one the row path reads (numbers, -0, NaN, int8 past 2^53
 * as bigint, numeric as text, timestamps as ISO text, bytea as bytes, NULL apart from ''), in
 * whatever chunks the bytes come, and its CSV export is the same bytes.
 */
import { expect } from 'chai';
import type * as dfd from 'danfojs-node';
import { bigraysRun, BigraysConfig, outputOf, SQLExecute, SQLQuery, toCsv, type DataFrame } from '../../lib';
import { benchTableSql } from '../../bench/bench-table';
import { wideTableSql } from '../../bench/wide-table';
import type { FrameColumns } from '../../lib/data/frame-columns';
import { CopyOut } from '../../lib/resources/sql/postgres/copy-out';
import { CsvColumns } from '../../lib/resources/sql/postgres/csv-columns';
import { describeQuery } from '../../lib/resources/sql/postgres/describe';
import { queryColumns, queryRowColumns } from '../../lib/resources/sql/postgres/query-columns';
import { pgTypes } from '../../lib/resources/sql/postgres/types';
import { failure } from '../helpers';
import { admin } from '../support/pg-admin';
import { freshPostgresDsn } from '../support/sql-hooks';

/** An SQLQuery's output with danfojs' own type, as a job that uses danfojs' API gives it. */
const danfo = (frame: DataFrame): dfd.DataFrame => frame as unknown as dfd.DataFrame;

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  query<T>(query: T): T;
  end(): Promise<void>;
}

/** A connection as SQLQuery's: bigrays' types, the session in UTC. */
async function connect(dsn: string): Promise<PgClient> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (config: object) => PgClient };
  const client = new Client({ connectionString: dsn, types: pgTypes });
  await client.connect();
  await client.query("SET TIME ZONE 'UTC'");
  return client;
}

/** The server's CSV of `sql`, as SQLQuery asks for it, and the result's columns. */
async function serverCsv(client: PgClient, sql: string): Promise<{ bytes: Buffer; fields: Awaited<ReturnType<typeof describeQuery>> }> {
  const fields = await describeQuery(client, sql);
  const copy = client.query(new CopyOut(`COPY (${sql}\n) TO STDOUT WITH (FORMAT csv)`));
  const chunks: Buffer[] = [];
  for await (const chunk of copy) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), fields };
}

/** Every value of `actual` is the one of `expected`: same kind, `Object.is` (bytes for a Buffer). */
function expectSameColumns(actual: FrameColumns, expected: FrameColumns): void {
  expect(actual.names).to.deep.equal(expected.names);
  expect(actual.length).to.equal(expected.length);
  for (let c = 0; c < expected.names.length; c++) {
    for (let r = 0; r < expected.length; r++) {
      const a = actual.value(c, r);
      const e = expected.value(c, r);
      const where = `column ${expected.names[c]} row ${r}: ${String(a)} vs ${String(e)}`;
      if (Buffer.isBuffer(e)) expect(Buffer.isBuffer(a) && a.equals(e), where).to.equal(true);
      else if (!Object.is(a, e)) expect.fail(where);
    }
  }
}

/** The server's CSV read into columns in chunks cut at `cuts`. */
function readInChunks(bytes: Buffer, fields: NonNullable<Awaited<ReturnType<typeof describeQuery>>>, cuts: number[]): FrameColumns {
  const reader = new CsvColumns(fields);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.write(bytes.subarray(from, cut));
    from = cut;
  }
  return reader.end();
}

/** A table of what a CSV reader may get wrong: quoting, line breaks, encodings, the edges of every type. */
const EDGES = [
  "create type mood as enum ('calm', 'say \"hi\"', 'a,b')",
  'create domain positive as integer check (value > 0)',
  `create table edges (k int, t text, i2 smallint, i4 int, i8 bigint, f4 real, f8 double precision, n numeric, d date,
     ts timestamp, tz timestamptz, tm time, ttz timetz, iv interval, u uuid, j json, jb jsonb, ints int[], texts text[],
     b bytea, m mood, p positive, bo boolean, ch char(3), o oid)`,
  `insert into edges values
    (1, 'a,b', 1, 2, 9007199254740993, '-0', '-0', -123.45, '4713-01-01 BC', '0044-03-15 12:00:00 BC', '0044-03-15 12:00:00+00 BC', '00:00:00', '23:59:59.999999+05:30', '-1 year 2 mons -3 days 04:05:06.7', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": "q\\"x, y"}', '{"b": [1, "2,\\"3\\""]}', '{1,NULL,3}', '{"a,b","c\\"d",NULL,""}', '\\x00ff0a0d22', 'say "hi"', 5, true, 'ab', 4294967295),
    (2, E'say "hi"\\r\\nnext\\nline\\rcr', -32768, -2147483648, -9223372036854775808, 'NaN', 'NaN', 'NaN', 'infinity', 'infinity', 'infinity', '24:00:00', '00:00:00-12', '0', '00000000-0000-0000-0000-000000000000', 'null', '"text"', '{}', '{}', '\\x', 'a,b', 1, false, '', 0),
    (3, E'\\x01\\x1f\\t\\\\ é ü 中 😀 𝄞 "', 32767, 2147483647, 9223372036854775807, 'Infinity', '-Infinity', '-99999999999999999999999999999999.000000000000000001', '-infinity', '-infinity', '-infinity', '12:34:56.789', '12:00:00+00', '1 day', null, '[]', '{}', '{{1,2},{3,4}}', '{"é","😀"}', '\\x5c78', 'calm', 2147483647, null, 'é', 26),
    (4, '', 0, 0, 9007199254740991, 3.4e38, 1e300, 0, '2024-02-29', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123456+00', '01:02:03', '01:02:03+00', '-00:00:01', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{}', '[1, 2.50, "x"]', '{-1}', '{"\\\\"}', '\\x00', 'calm', 7, true, 'a,', 1),
    (5, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null),
    (6, E'\\\\.', 7, -9, -9007199254740993, 1.17549435e-38, 5e-324, 1e-30, '12345-06-07', '12345-06-07 08:09:10', '1999-12-31 23:59:59.5+00', '23:59:59', '23:59:59-01:30', '178000000 years', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '"a\\\\nb"', 'null', null, '{NULL}', null, null, null, false, null, null),
    (7, ' lead, trail ', 1, 1, -1, -1.5, 0.1, 12.30, '0001-01-01', '0001-01-01 00:00:00', '2026-06-07 08:09:10+00', '00:00:00.000001', '00:00:00.000001+14', '1 mon', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', '{"k":""}', '""', '{0}', '{" "}', '\\xdeadbeef', 'a,b', 3, true, '"', 2)`,
].join(';\n');

describe('SQLQuery read from the server\'s CSV on PostgreSQL', function () {
  this.timeout(180_000);
  let dsn: string;
  let client: PgClient;

  before(async () => {
    dsn = await freshPostgresDsn();
    await admin(dsn, EDGES);
    await admin(dsn, benchTableSql(20_000));
    await admin(dsn, wideTableSql(2_000, 'wide'));
    client = await connect(dsn);
  });
  after(async () => {
    await client?.end();
  });
  beforeEach(() => {
    BigraysConfig.DB_DSN = dsn;
  });

  for (const [what, sql] of [
    ['the edge table', 'select * from edges order by k'],
    ['the bench table', 'select * from bench order by id'],
    ['the wide table', 'select * from wide order by id'],
    ['expressions over the edge table (casts, NULL columns, a domain, an enum)', "select k, t || '' as t2, null::text as nothing, null::int as no_int, p, m, i8::text as i8_text, f8 / 1 as f8b from edges order by k"],
  ]) {
    it(`should read every value of ${what} exactly as the row path does`, async () => {
      const rows = await queryRowColumns(client, sql, []);
      const { bytes, fields } = await serverCsv(client, sql);
      expect(fields, 'the query has columns').to.have.length(rows.names.length);
      expectSameColumns(readInChunks(bytes, fields!, []), rows);
      expectSameColumns(await queryColumns(client, sql, []), rows);
    });
  }

  it('should read the same values from the CSV cut at every byte', async () => {
    const sql = 'select * from edges order by k';
    const rows = await queryRowColumns(client, sql, []);
    const { bytes, fields } = await serverCsv(client, sql);
    for (let cut = 0; cut <= bytes.length; cut++) expectSameColumns(readInChunks(bytes, fields!, [cut]), rows);
    // One byte at a time: every row waits for the chunks that complete it.
    expectSameColumns(readInChunks(bytes, fields!, Array.from({ length: bytes.length }, (_, i) => i)), rows);
  });

  it('should read the query as COPY, and give the same values with bound parameters (read by rows)', async () => {
    class Copied extends SQLQuery { query = 'select current_query() as q, k, t from edges order by k'; }
    class Bound extends SQLQuery {
      query = 'select current_query() as q, k, t from edges where k > :low order by k';
      params = { low: 0 };
    }
    await bigraysRun(Copied, Bound);
    const copied = danfo(outputOf(Copied));
    const bound = danfo(outputOf(Bound));
    expect(String(copied['q'].values[0])).to.match(/^COPY \(select current_query\(\)/);
    expect(String(bound['q'].values[0])).to.match(/^select current_query\(\)/);
    expect(copied['t'].values).to.deep.equal(bound['t'].values);
  });

  it('should write the same CSV bytes from the server\'s CSV as from the rows', async () => {
    for (const table of ['edges', 'bench', 'wide']) {
      const order = table === 'edges' ? 'k' : 'id';
      class Copied extends SQLQuery { query = `select * from ${table} order by ${order}`; }
      class Rows extends SQLQuery {
        query = `select * from ${table} where :all order by ${order}`;
        params = { all: true };
      }
      await bigraysRun(Copied, Rows);
      const copied = await toCsv(outputOf(Copied));
      const rows = await toCsv(outputOf(Rows));
      expect(copied.length).to.be.greaterThan(100);
      expect(copied === rows, `the CSV of ${table} differs`).to.equal(true);
    }
  });

  it('should read statements COPY cannot wrap by their rows, as before', async () => {
    class Several extends SQLQuery { query = 'select 1 as one; select 2 as two'; }
    class Trailing extends SQLQuery { query = 'select k from edges order by k;  '; }
    class Returning extends SQLQuery { query = "insert into edges (k) values (100) returning k, 'new' as what"; }
    class Show extends SQLQuery { query = 'show time zone'; }
    class Locking extends SQLQuery { query = 'select k from edges where k = 1 for update'; }
    await bigraysRun(Several, Trailing, Returning, Show, Locking);
    expect(outputOf(Several).values).to.deep.equal([[2]]);
    expect(danfo(outputOf(Trailing))['k'].values).to.have.length(7);
    expect(outputOf(Returning).values).to.deep.equal([[100, 'new']]);
    expect(outputOf(Show).values).to.deep.equal([['UTC']]);
    expect(outputOf(Locking).values).to.deep.equal([[1]]);
    await admin(dsn, 'delete from edges where k = 100');
  });

  it('should fail naming the task for a bad relation, and for an error on a late row, the session usable after', async () => {
    class Missing extends SQLQuery { query = 'select * from no_such_table'; }
    const missing = await failure(bigraysRun(Missing));
    expect(missing.message).to.contain('Missing').and.contain('no_such_table');
    class Late extends SQLQuery { query = 'select g, 1 / (g - 50000) as x from generate_series(1, 60000) g'; }
    class After extends SQLQuery { query = 'select 1 as one'; }
    const late = await failure(bigraysRun(Late, After));
    expect(late.message).to.contain('Late').and.contain('division by zero');
    await bigraysRun(After);
    expect(outputOf(After).values).to.deep.equal([[1]]);
  });

  it('should decode bytes that are not UTF-8 value by value, as the row path does', async () => {
    const name = `bytes_${process.pid}`;
    await client.query(`create database ${name} encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C' template template0`);
    const other = await connect(dsn.replace(/\/[^/]+$/, `/${name}`));
    try {
      // Text the server passes on as it holds it: a SQL_ASCII database, and the client's encoding the same.
      await other.query("SET client_encoding = 'SQL_ASCII'");
      expect(await other.query('select current_setting(\'server_encoding\') as e')).to.have.nested.property('rows[0].e', 'SQL_ASCII');
      // A value ending in the first bytes of a character, the next starting with its last byte.
      const raw = (hex: string): string => `convert_from(decode('${hex}', 'hex'), 'SQL_ASCII')`;
      const sql = `select * from (values (1, ${raw('61e282')}, ${raw('ff')}), (2, ${raw('ac62')}, 'ok'), (3, ${raw('e282ac')}, ${raw('f09f98')})) v(k, s, t) order by k`;
      const rows = await queryRowColumns(other, sql, []);
      const { bytes, fields } = await serverCsv(other, sql);
      expect(rows.value(1, 0)).to.contain('\ufffd');
      expect(rows.value(1, 2)).to.equal('\u20ac');
      expectSameColumns(readInChunks(bytes, fields!, []), rows);
      expectSameColumns(await queryColumns(other, sql, []), rows);
    } finally {
      await other.end();
      await client.query(`drop database ${name}`);
    }
  });
});
