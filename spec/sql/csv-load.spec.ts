/**
 * FromS3 csv → SQLWrite: on PostgreSQL the CSV goes to COPY as its own text wherever COPY reads
 * it as the same rows; the table must hold exactly the rows csv-parse reads, whatever the file.
 * Row numbers in errors count rows, not lines.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { gzipSync } from 'node:zlib';
import {
  bigraysRun, BigraysConfig, FromS3, outputOf, register, SQLExecute, SQLQuery, SQLStream, SQLWrite, type CsvRows,
} from '../../lib';
import { createBucket, useEmulator } from '../support/aws-hooks';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';
import { failureOf, select } from '../support/sql-probe';
import { random } from '../support/seeded-random';

/** What csv-parse reads (empty unquoted = NULL), data rows only. */
function parsed(text: string): Array<Array<string | null>> {
  return (parse(text, { bom: true, cast: (value: string, context: { quoting: boolean }) => (value === '' && !context.quoting ? null : value) }) as Array<
    Array<string | null>
  >).slice(1);
}

/** Values COPY would read otherwise if they went unquoted or as they stand, among plain ones. */
const VALUES = ['plain', '', 'a, "b"', 'two\nlines', 'cr\ronly', 'crlf\r\nhere', '\\.', '\\N', 'NULL', ' pad ', 'Zürich ✓ 日本 🎉', '"', ',,'];

/**
 * A CSV with an id column and two text columns: fields quoted or not, NULLs, and (when its
 * records end with LF) CRs that are data in unquoted fields, empty lines are not allowed with
 * three columns, so none.
 */
function trickyCsv(eol: string, rows: number, seed: number): string {
  const next = random(seed);
  const lines = ['id,a,b'];
  for (let id = 1; id <= rows; id++) {
    const fields = [String(id)];
    for (let f = 0; f < 2; f++) {
      const value = VALUES[next(VALUES.length)];
      const how = next(4);
      if (how === 0) fields.push('');
      else if (how === 1 && !/[",\r\n]/.test(value) && value !== '') fields.push(value);
      else if (how === 2 && eol === '\n' && next(3) === 0) fields.push(`x\ry${id}`);
      else fields.push(`"${value.replace(/"/g, '""')}"`);
    }
    lines.push(fields.join(','));
  }
  return lines.join(eol) + eol;
}

describe('CSV from S3 into SQL tables', function () {
  this.timeout(120_000);
  const emulator = useEmulator();
  let bucket: string;

  before(async () => {
    bucket = await createBucket('csv-load');
  });

  async function put(key: string, body: string | Buffer): Promise<void> {
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  /** FromS3 (format csv) of `key` → SQLWrite into `table`; the report's rows. */
  async function load(key: string, table: string, attributes: Partial<SQLWrite> = {}): Promise<unknown> {
    const from = bucket;
    class Fetch extends FromS3<CsvRows> { bucket = from; key = key; format = 'csv' as const; }
    class Load extends SQLWrite {
      tablename = table; input = Fetch.output; columnTypes = { id: 'integer' };
      constructor() {
        super();
        Object.assign(this, attributes);
      }
    }
    const report = await bigraysRun(Fetch, Load);
    return report.tasks[1].rows;
  }

  describe('on PostgreSQL', () => {
    beforeEach(async () => {
      BigraysConfig.DB_DSN = await freshPostgresDsn();
    });

    for (const [name, eol] of [['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']] as const) {
      it(`should load exactly the rows csv-parse reads from a tricky ${name} file, plain and gzip`, async () => {
        const text = trickyCsv(eol, 3000, name.length);
        await put(`tricky-${name}.csv`, text);
        await put(`tricky-${name}.csv.gz`, gzipSync(text));
        expect(await load(`tricky-${name}.csv`, 'plain')).to.equal(3000);
        expect(await load(`tricky-${name}.csv.gz`, 'gzipped')).to.equal(3000);
        const expected = parsed(text).map(([id, a, b]) => [Number(id), a, b]);
        expect((await select('select id, a, b from plain order by id')).values).to.deep.equal(expected);
        expect((await select('select id, a, b from gzipped order by id')).values).to.deep.equal(expected);
      });
    }

    it("should load every row of a one-column file with a lone \\. line and empty lines (COPY's end-of-data mark is data here)", async () => {
      const text = 'v\nfirst\n\\.\n\nlast\n"\\."\n';
      await put('dot.csv', text);
      expect(await load('dot.csv', 'dots', { columnTypes: {} })).to.equal(5);
      expect((await select('select v from dots')).values).to.deep.equal(parsed(text));
      expect(parsed(text)).to.deep.equal([['first'], ['\\.'], [null], ['last'], ['\\.']]);
    });

    it('should load every row of a one-column file whose every other line is empty, each a NULL', async () => {
      await put('nulls.csv', `v\n${'x\n\n'.repeat(100_000)}`);
      expect(await load('nulls.csv', 'nulls', { columnTypes: {} })).to.equal(200_000);
      expect((await select("select count(*) filter (where v = 'x')::int, count(*) filter (where v is null)::int from nulls")).values).to.deep.equal([[100_000, 100_000]]);
    });

    it('should infer the types of a table it creates from the first rows, values read as text', async () => {
      await put('typed.csv', 'day,at,n,label\n2026-01-02,2026-01-02T03:04:05.123456Z,7,x\n2026-01-03,,8,""\n');
      await load('typed.csv', 'typed', { columnTypes: {} });
      const types = await select("select column_name, data_type from information_schema.columns where table_name = 'typed' order by ordinal_position");
      expect(types.values).to.deep.equal([['day', 'date'], ['at', 'timestamp with time zone'], ['n', 'text'], ['label', 'text']]);
      expect((await select('select day::text, at::text, n, label from typed order by n')).values).to.deep.equal([
        ['2026-01-02', '2026-01-02 03:04:05.123456+00', '7', 'x'],
        ['2026-01-03', null, '8', ''],
      ]);
    });

    it('should refuse a malformed record at its row and leave the table as it was', async () => {
      class Setup extends SQLWrite { tablename = 'kept'; input = [{ id: 0, a: 'before', b: null }]; columnTypes = { id: 'integer' }; }
      await bigraysRun(Setup);
      const lines = ['id,a,b'];
      for (let id = 1; id <= 20_000; id++) lines.push(id === 15_000 ? `${id},oops"quote,x` : `${id},"row ${id}",x`);
      await put('malformed.csv', `${lines.join('\n')}\n`);
      const error = await failureOf(load('malformed.csv', 'kept', { ifExists: 'append' }));
      expect((error.errors[0] as Error).message).to.equal(
        'Load: writing to kept failed at row 15000, so none was written: CSV: field 2 of row 15000 has a quote after "oops": ' +
          'a field with quotes in it is quoted whole, its quotes doubled',
      );
      expect((await select('select id, a, b from kept')).values).to.deep.equal([[0, 'before', null]]);
    });

    it("should append a file whose header names the table's columns in another case into those columns, and refuse a name two columns could be", async () => {
      class Setup extends SQLExecute { statement = 'create table cased (id integer, x text); create table twice ("id" integer, "ID" integer, x text)'; }
      await bigraysRun(Setup);
      await put('cased.csv', 'ID,X\n1,one\n2,"two, ""2"""\n');
      for (const run of [1, 2]) {
        expect(await load('cased.csv', 'cased', { ifExists: 'append', columnTypes: {} })).to.equal(2);
        expect((await select('select count(*)::int from cased')).values).to.deep.equal([[2 * run]]);
      }
      expect((await select('select id, x from cased order by id, x')).values).to.deep.equal([[1, 'one'], [1, 'one'], [2, 'two, "2"'], [2, 'two, "2"']]);
      await put('twice.csv', 'Id,x\n1,a\n');
      const error = await failureOf(load('twice.csv', 'twice', { ifExists: 'append', columnTypes: {} }));
      expect((error.errors[0] as Error).message).to.equal(
        "Load: the input's column `Id` could be any of `id` and `ID` of twice, which differ only in case; name it in the input exactly as the table does",
      );
      expect((await select('select count(*)::int from twice')).values).to.deep.equal([[0]]);
      await put('both.csv', 'id,ID\n1,2\n');
      const both = await failureOf(load('both.csv', 'cased', { ifExists: 'append', columnTypes: {} }));
      expect((both.errors[0] as Error).message).to.equal(
        "Load: the input's columns `id` and `ID` are both the column `id` of cased, their names differing only in case; rename one of them in the input",
      );
      expect((await select('select count(*)::int from cased')).values).to.deep.equal([[4]]);
    });

    it('should refuse a malformed record among the first rows (read to infer types) the same way', async () => {
      await put('early.csv', 'id,a,b\n1,x,y\n2,"open,z\n');
      const error = await failureOf(load('early.csv', 'early'));
      expect((error.errors[0] as Error).message).to.equal(
        'Load: writing to early failed at row 2, so none was written: CSV: field 2 of row 2 opens a quote that is never closed',
      );
      expect((await select("select to_regclass('early') as t")).values).to.deep.equal([[null]]);
    });

    it('should name the row of a value PostgreSQL refuses, counting rows not lines, from CSV and from rows', async () => {
      await put('multiline.csv', 'id,a,b\n1,"one\nline\nmore",x\n2,"two\r\nlines",y\n3,ok,z\nnope,bad,w\n');
      const fromCsv = await failureOf(load('multiline.csv', 'refused_csv'));
      expect((fromCsv.errors[0] as Error).message).to.match(/^Load: writing to refused_csv failed at row 4, so none was written: .*integer.*"nope"/);
      async function* rows(): AsyncGenerator<unknown[]> {
        yield [1, 'one\nline\nmore'];
        yield [2, 'two\r\nlines'];
        yield [3, { note: 'json\nin text' }];
        yield ['nope', 'bad'];
      }
      class Rows extends SQLWrite { tablename = 'refused_rows'; input = { columns: ['id', 'a'], rows: rows() }; columnTypes = { id: 'integer', a: 'text' }; }
      const fromRows = await failureOf(bigraysRun(Rows));
      expect((fromRows.errors[0] as Error).message).to.match(/^Rows: writing to refused_rows failed at row 4, so none was written: .*integer.*"nope"/);
    });

    it('should name the right row wherever it is, after values with any line breaks, in CSV of any line ending', async () => {
      const next = random(99);
      const texts = ['a', 'b\nc', 'd\r\ne', 'f\rg', '\n\n', '\r\r\n'];
      for (let round = 0; round < 12; round++) {
        const eol = ['\n', '\r\n', '\r'][round % 3];
        const count = 2 + next(40);
        const bad = 1 + next(count);
        const values = Array.from({ length: count }, (_, i) => (i + 1 === bad ? 'nope' : String(i + 1)));
        const memos = values.map(() => texts[next(texts.length)]);
        const csv = ['id,memo', ...values.map((id, i) => `${id},"${memos[i]}"`)].join(eol) + eol;
        await put(`bad-${round}.csv`, csv);
        const fromCsv = await failureOf(load(`bad-${round}.csv`, `bad_${round}`));
        expect((fromCsv.errors[0] as Error).message, JSON.stringify(csv)).to.include(`at row ${bad}, so none was written`);
        async function* rows(): AsyncGenerator<unknown[]> {
          for (let i = 0; i < count; i++) yield [values[i], memos[i]];
        }
        class Rows extends SQLWrite { tablename = `bad_rows_${round}`; input = { columns: ['id', 'memo'], rows: rows() }; columnTypes = { id: 'integer' }; }
        const fromRows = await failureOf(bigraysRun(Rows));
        expect((fromRows.errors[0] as Error).message, JSON.stringify(memos)).to.include(`at row ${bad}, so none was written`);
      }
    });

    it("should load an SQLStream's rows read on another session, a batch at a time, values exact", async () => {
      const source = await freshPostgresDsn();
      class Setup extends SQLWrite {
        resourceConfig = { DB_DSN: source };
        tablename = 'events';
        columnTypes = { id: 'bigint', amount: 'numeric(38,12)', at: 'timestamptz', memo: 'text', flag: 'boolean' };
        input = {
          columns: ['id', 'amount', 'at', 'memo', 'flag'],
          rows: Array.from({ length: 12_345 }, (_, i) => [
            i === 0 ? 9223372036854775807n : i, `${i}.000000000001`, `2026-01-02T03:04:05.${String(i % 1000000).padStart(6, '0')}Z`,
            i % 5 === 0 ? null : i % 5 === 1 ? '' : `memo "${i}",\n${i}`, i % 2 === 0,
          ]),
        } as never;
      }
      await bigraysRun(Setup);
      class Events extends SQLStream { resourceConfig = { DB_DSN: source }; query = 'select * from events'; batchSize = 1000; }
      class Copy extends SQLWrite {
        tablename = 'events_copy'; input = Events.output;
        columnTypes = { id: 'bigint', amount: 'numeric(38,12)', at: 'timestamptz', memo: 'text', flag: 'boolean' };
      }
      const report = await bigraysRun(Events, Copy);
      expect(report.tasks[1].rows).to.equal(12_345);
      class Source extends SQLQuery { resourceConfig = { DB_DSN: source }; query = "select md5(string_agg(t::text, '|' order by id)) as sum from events t"; }
      await bigraysRun(Source);
      const original = outputOf(Source).values;
      const copied = await select("select md5(string_agg(t::text, '|' order by id)) as sum from events_copy t");
      expect(copied.values).to.deep.equal(original);
    });
  });

  describe('on SQLite', () => {
    beforeEach(() => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
    });

    it('should refuse a malformed record at its row, as on PostgreSQL', async () => {
      await put('early-sqlite.csv', 'id,a,b\n1,x,y\n2,x,y,z\n');
      const error = await failureOf(load('early-sqlite.csv', 'early'));
      expect((error.errors[0] as Error).message).to.equal(
        'Load: writing to early failed at row 2, so none was written: CSV: row 2 has 4 values for 3 columns (id, a, b)',
      );
    });

    it('should insert exactly the rows csv-parse reads, parsed a batch at a time', async () => {
      const text = trickyCsv('\r\n', 2000, 11);
      await put('tricky-sqlite.csv.gz', gzipSync(text));
      expect(await load('tricky-sqlite.csv.gz', 'plain')).to.equal(2000);
      const expected = parsed(text).map(([id, a, b]) => [Number(id), a, b]);
      expect((await select('select id, a, b from plain order by id')).values).to.deep.equal(expected);
    });
  });
});
