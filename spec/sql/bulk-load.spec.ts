/** Bulk loads: SQLWrite through COPY (PostgreSQL) and one prepared INSERT (SQLite), from a DataFrame, row objects or a stream. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import {
  bigraysRun, BigraysConfig, FromS3, outputOf, register, SQLSession, SQLWrite, ToS3, type CsvRows, type DataFrame, type SqlSession,
} from '../../lib';
import { copyField, copyLine } from '../../lib/resources/sql/postgres/copy-text';
import { toDataFrame } from '../../lib/data/frame';
import { createBucket, useEmulator } from '../support/aws-hooks';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';
import { failureOf, select } from '../support/sql-probe';

/** Every value that is easy to get wrong, one column per kind. */
const COLUMNS = ['id', 'big', 'amount', 'label', 'at', 'flag', 'blob', 'doc', 'ratio'];
const ROWS: unknown[][] = [
  [1, 9223372036854775807n, '12345678901234567890.123456789012', 'a,b "quoted"\r\nnext line', '2026-01-02T03:04:05.123456Z', true, Buffer.from([0, 255, 10, 13]), { a: [1, 'x'] }, 0.1],
  [2, -9223372036854775808n, '-0.000000000001', '', '1999-12-31T23:59:59.999999Z', false, Buffer.alloc(0), [], -1e-7],
  [3, null, null, null, null, null, null, null, null],
  [4, 9007199254740993n, '0', 'Zürich ✓ 日本 \\. \\N NULL', '2026-06-30T00:00:00Z', true, Buffer.from('\\x'), { nested: { q: '"' } }, 1e21],
];

async function* streamed(rows: unknown[][]): AsyncGenerator<unknown[]> {
  for (const row of rows) yield row;
}

describe('COPY CSV fields', () => {
  it('should write NULL unquoted, text always quoted, bytes as hex, JSON as text', () => {
    expect(copyField(null)).to.equal('');
    expect(copyField(undefined)).to.equal('');
    expect(copyField('')).to.equal('""');
    expect(copyField('say "hi"')).to.equal('"say ""hi"""');
    expect(copyField(9223372036854775807n)).to.equal('9223372036854775807');
    expect(copyField(-0)).to.equal('-0');
    expect(copyField(true)).to.equal('t');
    expect(copyField(Buffer.from([1, 171]))).to.equal('\\x01ab');
    expect(copyField({ a: 1 })).to.equal('"{""a"":1}"');
    expect(copyField(new Date(Date.UTC(2026, 0, 2)))).to.equal('2026-01-02T00:00:00.000Z');
    expect(copyLine([1, null, 'a\nb'])).to.equal('1,,"a\nb"\n');
  });
});

const TYPES = {
  id: 'integer', big: 'bigint', amount: 'numeric', label: 'text', at: 'timestamptz', flag: 'boolean', blob: 'bytea', doc: 'jsonb', ratio: 'double precision',
};

describe('SQLWrite bulk load on PostgreSQL', function () {
  this.timeout(120_000);
  const emulator = useEmulator();
  let dsn: string;

  before(async () => {
    dsn = await freshPostgresDsn();
  });
  beforeEach(() => {
    BigraysConfig.DB_DSN = dsn;
  });

  const inputs: Array<[string, () => unknown]> = [
    ['a DataFrame', () => toDataFrame({ columns: COLUMNS, rows: ROWS.map((r) => [...r]) })],
    ['row objects', () => ROWS.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]])))],
    ['a streamed input', () => ({ columns: COLUMNS, rows: streamed(ROWS) })],
  ];
  for (const [what, make] of inputs) {
    it(`should round-trip every tricky value exactly from ${what}`, async () => {
      const table = `tricky_${what.replace(/\W/g, '_').toLowerCase()}`;
      @register class Load extends SQLWrite { tablename = table; input = make() as never; columnTypes = TYPES; }
      const report = await bigraysRun();
      expect(report.tasks[0]).to.include({ status: 'ok', rows: ROWS.length });
      const back = await select(`select id, big, amount::text as amount, label, at, flag, blob, doc::text as doc, ratio from ${table} order by id`);
      const expected = ROWS.map((r) => [
        r[0], r[1] === null ? null : (r[1] as bigint) >= -(2n ** 53n) && (r[1] as bigint) <= 2n ** 53n ? Number(r[1]) : r[1],
        r[2], r[3], r[4], r[5], r[6], r[7] === null ? null : JSON.stringify(r[7]).replace(/":/g, '": ').replace(/,"/g, ', "').replace(/,(?=[^ ])/g, ', '), r[8],
      ]);
      const values = back.values as unknown[][];
      for (let i = 0; i < ROWS.length; i++) {
        const row = values[i];
        expect(row.slice(0, 6), `row ${i + 1}`).to.deep.equal(expected[i].slice(0, 6));
        expect(row[6] === null ? null : Buffer.from(row[6] as Buffer)).to.deep.equal(expected[i][6]);
        expect(row[7] === null ? null : JSON.parse(row[7] as string)).to.deep.equal(ROWS[i][7]);
        expect(row[8]).to.equal(expected[i][8]);
      }
      expect(Load).to.be.a('function');
    });
  }

  it('should infer the types of a streamed input from its first rows', async () => {
    @register class Load extends SQLWrite {
      tablename = 'inferred';
      input = { columns: ['n', 'at', 't'], rows: streamed([[1, '2026-01-02T03:04:05.123456Z', 'x'], [9007199254740993n, null, '']]) } as never;
    }
    await bigraysRun();
    const types = await select("select column_name, data_type from information_schema.columns where table_name = 'inferred' order by ordinal_position");
    expect(types.values).to.deep.equal([['n', 'bigint'], ['at', 'timestamp with time zone'], ['t', 'text']]);
    expect((await select('select n, t from inferred order by n')).values).to.deep.equal([[1, 'x'], [9007199254740993n, '']]);
    expect(Load).to.be.a('function');
  });

  it('should load all or nothing: a bad row at the end of a streamed 100k-row input leaves the table as it was', async () => {
    class Setup extends SQLWrite { tablename = 'accounts'; input = [{ id: 0, name: 'existing' }]; columnTypes = { id: 'integer primary key', name: 'text not null' }; }
    await bigraysRun(Setup);
    async function* rows(): AsyncGenerator<unknown[]> {
      for (let i = 1; i <= 100_000; i++) yield [i, i === 100_000 ? null : `user ${i}`];
    }
    class Load extends SQLWrite { tablename = 'accounts'; ifExists = 'append' as const; input = { columns: ['id', 'name'], rows: rows() } as never; }
    const error = await failureOf(bigraysRun(Load));
    expect((error.errors[0] as Error).message).to.match(/^Load: writing to accounts failed at row 100000, so none was written: .*null/i);
    expect((await select('select id, name from accounts')).values).to.deep.equal([[0, 'existing']]);
  });

  it('should keep the old table when a replace of a streamed input fails at its last row', async () => {
    class Setup extends SQLWrite { tablename = 'kept'; input = [{ v: 1 }]; }
    await bigraysRun(Setup);
    class Load extends SQLWrite {
      tablename = 'kept'; ifExists = 'replace' as const; columnTypes = { v: 'integer' };
      input = { columns: ['v'], rows: streamed([[2], [3], ['not a number']]) } as never;
    }
    await failureOf(bigraysRun(Load));
    expect((await select('select v from kept')).values).to.deep.equal([[1]]);
  });

  it('should stop the COPY at once on abort, roll back, and leave no query on the server', async () => {
    const resource = new SQLSession();
    const session: SqlSession = await resource.open({ DB_DSN: dsn });
    const probe: SqlSession = await resource.open({ DB_DSN: dsn });
    try {
      const controller = new AbortController();
      let sent = 0;
      async function* endless(): AsyncGenerator<unknown[]> {
        for (let i = 0; ; i++) {
          sent = i;
          if (i === 50_000) setTimeout(() => controller.abort(new Error('stop now')), 0);
          yield [i, `row ${i}`];
          if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
        }
      }
      const started = Date.now();
      const error = await session.write('endless', { columns: ['id', 'label'], rows: endless() }, 'fail', { signal: controller.signal, taskName: 'Load' }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).to.equal('stop now');
      expect(Date.now() - started).to.be.below(20_000);
      expect(sent).to.be.above(49_999);
      await new Promise((r) => setTimeout(r, 500));
      const active = await probe.query(
        "select query from pg_stat_activity where state <> 'idle' and query like 'COPY%' and pid <> pg_backend_pid()",
      );
      expect(active.rows).to.deep.equal([]);
      expect((await probe.query("select to_regclass('endless') as t")).rows).to.deep.equal([[null]]);
      // The session is usable again.
      expect((await session.query('select 1 as one')).rows).to.deep.equal([[1]]);
    } finally {
      await resource.close(session);
      await resource.close(probe);
    }
  });

  it('should load a 200k-row gzip CSV object read by FromS3 (format csv), NULL and empty string kept apart', async () => {
    const bucket = await createBucket('load');
    const lines = ['id,name,note'];
    for (let i = 1; i <= 200_000; i++) lines.push(`${i},${i % 3 === 0 ? '' : i % 3 === 1 ? '""' : `"n, ${i}"`},x${i}`);
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'rows.csv.gz', Body: gzipSync(`${lines.join('\n')}\n`) }));
    @register class Fetch extends FromS3<CsvRows> { bucket = bucket; key = 'rows.csv.gz'; format = 'csv' as const; }
    @register class Load extends SQLWrite { tablename = 'from_s3'; input = Fetch.output; columnTypes = { id: 'integer' }; }
    const report = await bigraysRun();
    expect(report.tasks[1]).to.include({ status: 'ok', rows: 200_000 });
    const summary = await select(
      'select count(*)::int as n, count(*) filter (where name is null)::int as nulls, count(*) filter (where name = \'\')::int as empties, max(id) as top from from_s3',
    );
    expect(summary.values).to.deep.equal([[200_000, 66_666, 66_667, 200_000]]);
    expect((await select('select name, note from from_s3 where id = 2')).values).to.deep.equal([['n, 2', 'x2']]);
  });

  it('should upload FromS3 csv rows again with ToS3, byte for byte', async () => {
    const bucket = await createBucket('again');
    const text = 'a,b\n1,\n2,""\n3,"x\ny"\n';
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'in.csv', Body: text }));
    @register class Fetch extends FromS3<CsvRows> { bucket = bucket; key = 'in.csv'; format = 'csv' as const; }
    @register class Upload extends ToS3 { input = Fetch.output; bucket = bucket; key = 'out.csv'; serverSideEncryption = 'none' as const; }
    @register class Check extends FromS3 { bucket = bucket; key = 'out.csv'; }
    await bigraysRun();
    expect(outputOf(Check).toString('utf8')).to.equal(text);
    expect(Upload).to.be.a('function');
  });
});

describe('SQLWrite on SQLite', function () {
  this.timeout(60_000);
  beforeEach(() => {
    BigraysConfig.DB_DSN = freshSqliteDsn();
  });

  it('should write a streamed input through one prepared INSERT, values exact', async () => {
    const rows = ROWS.map((r) => [r[0], r[1], r[2], r[3], r[5], r[6]]);
    @register class Load extends SQLWrite { tablename = 'tricky'; input = { columns: ['id', 'big', 'amount', 'label', 'flag', 'blob'], rows: streamed(rows) } as never; }
    await bigraysRun();
    const back = (await select('select id, big, amount, label, flag, blob from tricky order by id')).values as unknown[][];
    expect(back.map((r) => r.slice(0, 4))).to.deep.equal(rows.map((r) => [r[0], r[1] === 9007199254740993n || r[1] === null || typeof r[1] !== 'bigint' ? r[1] : r[1], r[2], r[3]]));
    expect(back.map((r) => r[4])).to.deep.equal([1, 0, null, 1]);
    expect(back[0][5]).to.deep.equal(Buffer.from([0, 255, 10, 13]));
    expect(Load).to.be.a('function');
  });

  it('should load all or nothing: a bad row at the end of a streamed 100k-row input leaves the table as it was', async () => {
    class Setup extends SQLWrite { tablename = 'accounts'; input = [{ id: 0, name: 'existing' }]; columnTypes = { id: 'integer primary key', name: 'text not null' }; }
    await bigraysRun(Setup);
    async function* rows(): AsyncGenerator<unknown[]> {
      for (let i = 1; i <= 100_000; i++) yield [i, i === 100_000 ? null : `user ${i}`];
    }
    class Load extends SQLWrite { tablename = 'accounts'; ifExists = 'append' as const; input = { columns: ['id', 'name'], rows: rows() } as never; }
    const error = await failureOf(bigraysRun(Load));
    expect((error.errors[0] as Error).message).to.match(/^Load: writing to accounts failed at row 100000, so none was written: .*NOT NULL/i);
    expect((await select('select id, name from accounts')).values).to.deep.equal([[0, 'existing']]);
  });
});
