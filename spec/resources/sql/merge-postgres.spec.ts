/**
 * SQLWrite ifExists = 'merge' on PostgreSQL, beyond the essentials every engine shares: a unique
 * index on the keys or none, a DataFrame, FromS3 CSV (COPY of its text), the rows of an
 * SQLStream of the same database (staged on the server) and of another one, addColumns' types,
 * and input types that no longer fit.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, FromS3, SQLStream, sqlWrite, SQLWrite, Task, type CsvRows } from '../../../lib';
import knexFactory from 'knex';
import { toDataFrame } from '../../../lib/data/frame';
import { postgresMerge } from '../../../lib/resources/sql/postgres/merge';
import { createBucket, useEmulator } from '../../support/aws-hooks';
import { admin } from '../../support/pg-admin';
import { freshPostgresDsn } from '../../support/sql-hooks';
import { failureOf } from '../../support/sql-probe';

/** The message of the task error a run fails with. */
async function taskError(run: Promise<unknown>): Promise<string> {
  const error = await failureOf(run);
  return ((error.errors?.[0] as Error | undefined) ?? error).message;
}

describe('SQLWrite merge on PostgreSQL', function () {
  this.timeout(120_000);
  const emulator = useEmulator();
  let dsn: string;

  beforeEach(async () => {
    dsn = await freshPostgresDsn();
    BigraysConfig.DB_DSN = dsn;
  });

  /** An SQLWrite merging `input` into `table` on `keys`, with `attrs`. */
  function merging(table: string, input: unknown, keys: string[], attrs: Partial<SQLWrite> = {}): typeof SQLWrite {
    return class Merge extends SQLWrite {
      tablename = table;
      input = input as never;
      ifExists = 'merge' as const;
      mergeKeys = keys;
      constructor() {
        super();
        Object.assign(this, attrs);
      }
    };
  }

  const table = async (sql: string): Promise<unknown[][]> => (await admin<Record<string, unknown>>(dsn, sql)).map((row) => Object.values(row));

  it('should merge a DataFrame on composite keys through a unique index whose columns come in another order', async () => {
    await admin(dsn, 'create table stock (sku text not null, site int not null, qty int, checked date, unique (site, sku))');
    await admin(dsn, "insert into stock values ('a', 1, 5, '2026-01-01'), ('b', 1, 7, '2026-01-01')");
    const frame = toDataFrame({ columns: ['sku', 'site', 'qty'], rows: [['b', 1, 8], ['a', 2, 1]] });
    const report = await bigraysRun(merging('stock', frame, ['sku', 'site']));
    expect(report.tasks[0]).to.include({ status: 'ok', rows: 2 });
    expect(await table("select sku, site, qty, checked::text from stock order by site, sku")).to.deep.equal([
      ['a', 1, 5, '2026-01-01'], ['b', 1, 8, '2026-01-01'], ['a', 2, 1, null],
    ]);
  });

  it('should merge in one pass (ON CONFLICT) only where a unique index is on exactly the keys', async () => {
    await admin(dsn, 'create table keyed (a int, b int, c int, unique (b, a)); create table partly (a int, b int); create unique index on partly (a) where b > 0');
    await admin(dsn, 'create table covered (a int, b int, unique (a) include (b))');
    const knex = knexFactory({ client: 'pg', connection: dsn });
    try {
      const unique = (table: string, keys: string[]) => knex.transaction((trx) => postgresMerge.hasUniqueKey(trx, undefined, table, keys));
      expect(await unique('keyed', ['a', 'b'])).to.equal(true);
      expect(await unique('keyed', ['a'])).to.equal(false);
      expect(await unique('keyed', ['a', 'b', 'c'])).to.equal(false);
      expect(await unique('partly', ['a'])).to.equal(false);
      expect(await unique('covered', ['a'])).to.equal(true);
    } finally {
      await knex.destroy();
    }
  });

  it('should merge from a custom task through sqlWrite', async () => {
    class Nightly extends Task {
      async run() {
        await sqlWrite({ tablename: 'fn', input: [{ id: 1, v: 'a' }], ifExists: 'merge', mergeKeys: ['id'] });
        return sqlWrite({ tablename: 'fn', input: [{ id: 1, v: 'b' }, { id: 2, v: 'c' }, { id: 2, v: 'd' }], ifExists: 'merge', mergeKeys: ['id'], dedupe: 'last' });
      }
    }
    await bigraysRun(Nightly);
    expect(await table('select id, v from fn order by id')).to.deep.equal([[1, 'b'], [2, 'd']]);
  });

  it('should give a table it creates a primary key on mergeKeys', async () => {
    await bigraysRun(merging('made', [{ day: '2026-01-01', site: 1, n: 1 }], ['site', 'day']));
    const [key] = await admin<{ def: string }>(dsn, "select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'made'::regclass and contype = 'p'");
    expect(key.def).to.equal('PRIMARY KEY (site, day)');
  });

  it('should merge the rows of an SQLStream of the same database on the server, and of another database as they are read', async () => {
    const other = await freshPostgresDsn();
    for (const where of [dsn, other]) {
      await admin(where, 'create table src as select g as id, g * 10 as v from generate_series(1, 5000) g');
    }
    await admin(dsn, 'create table dst (id int primary key, v int)');
    await admin(dsn, 'insert into dst select g, -g from generate_series(4001, 6000) g');
    class Same extends SQLStream { query = 'select id, v + 1 as v from src'; }
    await bigraysRun(Same, merging('dst', Same.output, ['id']));
    expect(await table('select count(*)::int, sum(v)::int from dst')).to.deep.equal([[6000, 5000 * 5001 * 5 + 5000 - (5001 + 6000) * 1000 / 2]]);
    class Other extends SQLStream { query = 'select id, v from src where id > 4990'; override resourceConfig = { DB_DSN: other }; }
    const report = await bigraysRun(Other, merging('dst', Other.output, ['id']));
    expect(report.tasks[1]).to.include({ status: 'ok', rows: 10 });
    expect(await table('select id, v from dst where id between 4999 and 5001 order by id')).to.deep.equal([[4999, 49990], [5000, 50000], [5001, -5001]]);
  });

  it('should merge FromS3 CSV, its text copied as it is, and refuse a second row of a key in it', async () => {
    const bucket = await createBucket('merge-csv');
    const put = (key: string, body: string) => emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await admin(dsn, 'create table prices (sku text primary key, price numeric(8,2))');
    await admin(dsn, "insert into prices values ('a', 1.00), ('b', 2.00)");
    await put('day1.csv', 'sku,price\nb,2.50\nc,"3.00"\n');
    await put('day2.csv', 'sku,price\nc,3.10\nd,4.00\nc,3.20\n');
    const fetch = (key: string) => class Fetch extends FromS3<CsvRows> { bucket = bucket; key = key; format = 'csv' as const; };
    const day1 = fetch('day1.csv');
    expect((await bigraysRun(day1, merging('prices', day1.output, ['sku']))).tasks[1]).to.include({ rows: 2 });
    const day2 = fetch('day2.csv');
    expect(await taskError(bigraysRun(day2, merging('prices', day2.output, ['sku'])))).to.contain('1 key comes more than once in the input, so nothing was written to prices: sku="c" (2 rows)');
    expect(await table('select sku, price::text from prices order by sku')).to.deep.equal([['a', '1.00'], ['b', '2.50'], ['c', '3.00']]);
  });

  it('should add new columns with the types a new table would get, columnTypes first, in the merge\'s transaction', async () => {
    await admin(dsn, 'create table wide (id int primary key)');
    await admin(dsn, 'insert into wide values (1)');
    const input = [{ id: 1, n: 5, label: 'x', amount: '1.50' }, { id: 2, n: 6, label: 'y', amount: '2.25' }];
    await bigraysRun(merging('wide', input, ['id'], { addColumns: true, columnTypes: { amount: 'numeric(8,2)' } }));
    const types = await table("select column_name, data_type from information_schema.columns where table_name = 'wide' order by ordinal_position");
    expect(types).to.deep.equal([['id', 'integer'], ['n', 'bigint'], ['label', 'text'], ['amount', 'numeric']]);
    expect(await table('select id, n::int, label, amount::text from wide order by id')).to.deep.equal([[1, 5, 'x', '1.50'], [2, 6, 'y', '2.25']]);
    // A merge that fails after adding a column takes the column back.
    await taskError(bigraysRun(merging('wide', [{ id: 3, extra: 1 }, { id: null, extra: 2 }], ['id'], { addColumns: true })));
    expect((await table("select column_name from information_schema.columns where table_name = 'wide'")).flat()).not.to.include('extra');
  });

  it('should append with addColumns, adding the columns in the append\'s transaction', async () => {
    await admin(dsn, 'create table log (id int)');
    await bigraysRun(class Add extends SQLWrite { tablename = 'log'; input = [{ id: 1, note: 'n' }]; ifExists = 'append' as const; addColumns = true; });
    expect(await table('select id, note from log')).to.deep.equal([[1, 'n']]);
    // The rows of a query of the same database, appended on the server.
    class More extends SQLStream { query = "select 2 as id, 'm' as note, 7.5::numeric(4,1) as amount"; }
    await bigraysRun(More, class Add extends SQLWrite { tablename = 'log'; input = More.output; ifExists = 'append' as const; addColumns = true; });
    expect(await table('select id, note, amount::text from log order by id')).to.deep.equal([[1, 'n', null], [2, 'm', '7.5']]);
    const [added] = await admin<{ t: string }>(dsn, "select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'log'::regclass and attname = 'amount'");
    expect(added.t).to.equal('numeric(4,1)');
  });

  it('should refuse a declared type or a query column type that no longer fits, naming both, before anything is written', async () => {
    await admin(dsn, 'create table counts (id int primary key, n integer)');
    await admin(dsn, 'insert into counts values (1, 1)');
    const declared = await taskError(bigraysRun(merging('counts', [{ id: 1, n: '2' }], ['id'], { columnTypes: { n: 'text' } })));
    expect(declared).to.equal(
      "Merge: the column `n` of counts is integer, and the input's is text, which it does not take, so nothing was written; change the column's type (ALTER TABLE) or the input's",
    );
    class Query extends SQLStream { query = "select 1 as id, 'many'::varchar(10) as n"; }
    const queried = await taskError(bigraysRun(Query, merging('counts', Query.output, ['id'])));
    expect(queried).to.match(/^Merge: the column `n` of counts is integer, and the input's is character varying\(10\), which it does not take/);
    expect(await table('select id, n from counts')).to.deep.equal([[1, 1]]);
  });
});
