/**
 * MySQL and MariaDB, against a real MariaDB server the specs start themselves
 * (spec/support/mariadb.ts): values that come back exact, a stream that reads as it goes, the
 * ways SQLWrite loads rows, and quoting. Cancelling and lost connections: mysql-faults.spec.ts.
 */
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bigraysRun, BigraysConfig, outputOf, register, SQLExecute, SQLQuery, SQLStream, SQLTask, SQLWrite, toS3, updateFormatKws,
} from '../../lib';
import { createBucket, useEmulator } from '../support/aws-hooks';
import { useMysql } from '../support/mariadb';
import { objectText } from '../support/s3-objects';
import { failureOf, select } from '../support/sql-probe';

/** Table `fidelity`: the values every engine must give back exactly, as MySQL holds them. */
const FIDELITY_TABLE = `
  create table fidelity (id bigint, amount decimal(38,12), at datetime(6), day date, flag boolean, note varchar(100));
  insert into fidelity values
    (9223372036854775807, 12345678901234567890123456.123456789012, '2026-01-02 03:04:05.123456', '2026-01-02', true, 'naïve 😀 "q", \\\\ end'),
    (-9007199254740993, 0.000000000001, '1999-12-31 23:59:59.5', '2000-02-29', false, ''),
    (1, null, null, null, null, null)`;

describe('MySQL (on a MariaDB server of its own)', function () {
  this.timeout(120_000);
  const mysql = useMysql();

  describe('values', () => {
    it('should give back bigint beyond 2^53, decimal(38,12), datetime(6), dates, booleans, NULL and empty text exactly', async () => {
      @register class Setup extends SQLExecute { statement = `drop table if exists fidelity; ${FIDELITY_TABLE}`; }
      @register class Read extends SQLQuery { query = 'select id, amount, at, day, flag, note from fidelity order by id desc'; }
      await bigraysRun();
      expect(outputOf(Read).values).to.deep.equal([
        [9223372036854775807n, '12345678901234567890123456.123456789012', '2026-01-02T03:04:05.123456', '2026-01-02', true, 'naïve 😀 "q", \\ end'],
        [1, null, null, null, null, null],
        [-9007199254740993n, '0.000000000001', '1999-12-31T23:59:59.500000', '2000-02-29', false, ''],
      ]);
      expect(Setup).to.be.a('function');
    });

    it('should write them back through SQLWrite unchanged (utf8mb4 text, microseconds, NULL apart from \'\')', async () => {
      @register class Setup extends SQLExecute { statement = `drop table if exists fidelity; ${FIDELITY_TABLE}`; }
      @register class Read extends SQLQuery { query = 'select id, amount, at, day, flag, note from fidelity order by id desc'; }
      @register class Copy extends SQLWrite {
        tablename = 'fidelity_copy';
        input = Read.output;
        columnTypes = { amount: 'decimal(38,12)', flag: 'boolean' };
      }
      @register class Back extends SQLQuery { query = 'select id, amount, at, day, flag, note from fidelity_copy order by id desc'; }
      await bigraysRun();
      expect(outputOf(Back).values).to.deep.equal(outputOf(Read).values);
      expect((outputOf(Back).values as unknown[][])[0][5]).to.equal('naïve 😀 "q", \\ end');
      expect(Setup && Copy).to.be.a('function');
    });

    it('should give back JSON as its text, a number beyond 2^64 and a string scalar as written', async () => {
      @register class Setup extends SQLExecute {
        statement = 'create table docs (id int, doc json); insert into docs values (1, \'{{"n": 12345678901234567891}}\'), (2, \'"x"\')';
      }
      @register class Read extends SQLQuery { query = 'select doc from docs order by id'; }
      await bigraysRun();
      expect(outputOf(Read).values).to.deep.equal([['{"n": 12345678901234567891}'], ['"x"']]);
      expect(Setup).to.be.a('function');
    });

    it('should write a timestamp with an offset to a DATETIME in UTC', async () => {
      @register class Save extends SQLWrite { tablename = 'zoned'; input = [{ at: '2026-01-02T03:04:05.5+02:00' }, { at: '2026-01-02T03:04:05Z' }]; }
      @register class Read extends SQLQuery { query = 'select at from zoned order by at'; }
      await bigraysRun();
      expect(outputOf(Read).values).to.deep.equal([['2026-01-02T01:04:05.500000'], ['2026-01-02T03:04:05.000000']]);
      expect(Save).to.be.a('function');
    });

    describe('streamed to S3', () => {
      const emulator = useEmulator();

      it('should stream them to a CSV object with the same text, emoji and all', async () => {
        const bucket = await createBucket('mysql');
        @register class Setup extends SQLExecute { statement = `drop table if exists fidelity; ${FIDELITY_TABLE}`; }
        @register class Upload extends SQLTask {
          async run() {
            return toS3({ input: await this.stream('select id, amount, at, day, flag, note from fidelity order by id desc'), bucket, key: 'f.csv' });
          }
        }
        await bigraysRun();
        expect(await objectText(emulator(), bucket, 'f.csv')).to.equal(
          'id,amount,at,day,flag,note\n' +
            '9223372036854775807,12345678901234567890123456.123456789012,2026-01-02T03:04:05.123456,2026-01-02,true,"naïve 😀 ""q"", \\ end"\n' +
            '1,,,,,\n' +
            '-9007199254740993,0.000000000001,1999-12-31T23:59:59.500000,2000-02-29,false,""\n',
        );
        expect(Setup && Upload).to.be.a('function');
      });
    });
  });

  describe('SQLStream', () => {
    it('should read a large result as it is consumed: the server waits while nobody reads', async () => {
      const total = 200_000;
      const seen: number[] = [];
      @register class Read extends SQLTask<number> {
        async run() {
          const stream = await this.stream(
            `select seq as n, repeat('x', 100) as pad from seq_1_to_${total}`, // MariaDB's sequence engine
            undefined,
            { batchSize: 1000 },
          );
          const socket = (this.session.link!.connection as { stream: { bytesRead: number } }).stream;
          const rows = stream.rows[Symbol.asyncIterator]();
          await rows.next();
          // About 22 MB of rows: while the reader waits, at most a few batches' worth arrive.
          await sleep(1_000);
          const before = socket.bytesRead;
          await sleep(1_000);
          seen.push(before, socket.bytesRead);
          let count = 1;
          while (!(await rows.next()).done) count += 1;
          return count;
        }
      }
      await bigraysRun();
      expect(outputOf(Read)).to.equal(total);
      expect(seen[0], 'bytes read while the reader waited').to.be.below(4_000_000);
      expect(seen[1], 'no more bytes read while it still waited').to.equal(seen[0]);
    });
  });

  describe('SQLExecute', () => {
    it('should run a batch of statements and output the rows the last one affected', async () => {
      @register class Batch extends SQLExecute {
        statement = 'create table counted (v integer); insert into counted values (1), (2), (3); update counted set v = v * 10 where v > 1';
      }
      @register class Read extends SQLQuery { query = 'select v from counted order by v'; }
      await bigraysRun();
      expect(outputOf(Batch)).to.equal(2);
      expect(outputOf(Read).values).to.deep.equal([[1], [20], [30]]);
    });
  });

  describe('SQLWrite', () => {
    const tricky = [{ id: 1, text: 'tab\there, line\nbreak, back\\slash, \\N, quote \' "' }, { id: 2, text: '' }, { id: 3, text: null }];

    it('should load through LOAD DATA LOCAL INFILE when the server allows it', async () => {
      @register class Save extends SQLWrite { tablename = 'loaded'; input = tricky; }
      @register class How extends SQLQuery { query = "show session status where Variable_name in ('Com_load', 'Com_insert')"; }
      @register class Read extends SQLQuery { query = 'select id, text from loaded order by id'; }
      await bigraysRun();
      expect(Object.fromEntries(outputOf(How).values as string[][])).to.deep.equal({ Com_insert: '0', Com_load: '1' });
      expect(outputOf(Read).values).to.deep.equal(tricky.map((row) => [row.id, row.text]));
      expect(Save).to.be.a('function');
    });

    it('should load through INSERTs, the same rows, when the server refuses local infile', async () => {
      await mysql.admin.query('SET GLOBAL local_infile = 0');
      try {
        @register class Save extends SQLWrite { tablename = 'inserted'; input = tricky; }
        @register class How extends SQLQuery { query = "show session status where Variable_name in ('Com_insert')"; }
        @register class Read extends SQLQuery { query = 'select id, text from inserted order by id'; }
        await bigraysRun();
        expect(Number((outputOf(How).values as string[][])[0][1])).to.be.above(0);
        expect(outputOf(Read).values).to.deep.equal(tricky.map((row) => [row.id, row.text]));
        expect(Save).to.be.a('function');
      } finally {
        await mysql.admin.query('SET GLOBAL local_infile = 1');
      }
    });

    it('should load bytes exactly, whatever they hold, by LOAD DATA and by INSERTs', async () => {
      const bytes = Buffer.from([0, 255, 10, 9, 13, 92, 78, 200, 0x27, 0x22]);
      for (const localInfile of [1, 0]) {
        await mysql.admin.query(`SET GLOBAL local_infile = ${localInfile}`);
        try {
          class Save extends SQLWrite { tablename = `bytes_${localInfile}`; input = [{ b: bytes }, { b: Buffer.alloc(0) }, { b: null }]; }
          class Read extends SQLQuery { query = `select b from bytes_${localInfile}`; }
          await bigraysRun(Save, Read);
          expect(outputOf(Read).values).to.deep.equal([[bytes], [Buffer.alloc(0)], [null]]);
        } finally {
          await mysql.admin.query('SET GLOBAL local_infile = 1');
        }
      }
    });

    it('should fail on a value the server would only warn about, naming the row, and write nothing', async () => {
      @register class Setup extends SQLExecute { statement = 'create table strict_t (n integer); insert into strict_t values (0)'; }
      @register class Save extends SQLWrite { tablename = 'strict_t'; ifExists = 'append' as const; input = [{ n: 1 }, { n: 'not a number' }, { n: 3 }]; }
      const error = await failureOf(bigraysRun());
      expect((error.errors[0] as Error).message).to.match(/^Save: writing to strict_t failed at row 2 of 3, so none was written: .*n/i);
      expect((await select('select n from strict_t')).values).to.deep.equal([[0]]);
      expect(Setup && Save).to.be.a('function');
    });
  });

  describe('SQLWrite of an SQLStream on the same session', () => {
    it('should write on the server (INSERT … SELECT), the table taking the query\'s column types', async () => {
      @register class Setup extends SQLExecute { statement = `drop table if exists fidelity; ${FIDELITY_TABLE}`; }
      @register class Rows extends SQLStream { query = 'select id, amount, at, note from fidelity where id > :min'; params = { min: -1 }; }
      @register class Save extends SQLWrite { tablename = 'on_server'; input = Rows.output; columnTypes = { note: 'varchar(20)' }; }
      @register class How extends SQLQuery { query = "show session status where Variable_name in ('Com_insert_select', 'Com_load')"; }
      @register class Types extends SQLQuery {
        query = "select column_name, column_type from information_schema.columns where table_schema = database() and table_name = 'on_server' order by ordinal_position";
      }
      @register class Back extends SQLQuery { query = 'select id, amount, at, note from on_server order by id'; }
      const report = await bigraysRun();
      expect(report.tasks.find((t) => t.name === 'Save')?.rows).to.equal(2);
      expect(Object.fromEntries(outputOf(How).values as string[][])).to.deep.equal({ Com_insert_select: '1', Com_load: '0' });
      expect(outputOf(Types).values).to.deep.equal([['id', 'bigint(20)'], ['amount', 'decimal(38,12)'], ['at', 'datetime(6)'], ['note', 'varchar(20)']]);
      expect(outputOf(Back).values).to.deep.equal([[1, null, null, null], [9223372036854775807n, '12345678901234567890123456.123456789012', '2026-01-02T03:04:05.123456', 'naïve 😀 "q", \\ end']]);
      expect(Setup && Save).to.be.a('function');
    });

    it('should give a table it makes the query\'s character sets and NULL-ability, whatever the database\'s defaults', async () => {
      const latin = `${new URL(mysql.dsn).pathname.slice(1)}_latin1`;
      await mysql.admin.query(`CREATE DATABASE \`${latin}\` DEFAULT CHARACTER SET latin1`);
      const [[before]] = (await mysql.admin.query('SELECT @@global.explicit_defaults_for_timestamp AS v')) as [Array<{ v: number }>, unknown];
      await mysql.admin.query('SET GLOBAL explicit_defaults_for_timestamp = OFF');
      try {
        BigraysConfig.DB_DSN = mysql.dsn.replace(/\/[^/]+$/, `/${latin}`);
        @register class Setup extends SQLExecute {
          statement = "create table src (note varchar(20) character set utf8mb4 not null, at timestamp null); insert into src values ('naïve 😀', null)";
        }
        @register class Rows extends SQLStream { query = 'select note, at from src'; }
        @register class Save extends SQLWrite { tablename = 'copied'; input = Rows.output; }
        @register class Back extends SQLQuery { query = 'select note, at from copied'; }
        await bigraysRun();
        expect(outputOf(Back).values).to.deep.equal([['naïve 😀', null]]);
        expect(Setup && Save).to.be.a('function');
      } finally {
        await mysql.admin.query('SET GLOBAL explicit_defaults_for_timestamp = ?', [before.v]);
      }
    });

    it('should replace the very table the query reads, and keep it whole when the insert fails', async () => {
      @register class Setup extends SQLExecute { statement = 'drop table if exists grows; create table grows (n bigint); insert into grows values (1), (2)'; }
      @register class Rows extends SQLStream { query = 'select n * 10 as n from grows'; }
      @register class Save extends SQLWrite { tablename = 'grows'; input = Rows.output; ifExists = 'replace' as const; }
      await bigraysRun();
      expect((await select('select n from grows order by n')).values).to.deep.equal([[10], [20]]);

      class Bad extends SQLStream { query = "select cast('x' as char) as n from grows"; }
      class Strict extends SQLWrite { tablename = 'grows'; input = Bad.output; ifExists = 'replace' as const; columnTypes = { n: 'bigint' }; }
      const error = await failureOf(bigraysRun(Bad, Strict));
      expect((error.errors[0] as Error).message).to.match(/^Strict: writing to grows failed, so none was written: /);
      expect((await select('select n from grows order by n')).values).to.deep.equal([[10], [20]]);
      const [tables] = await mysql.admin.query("select table_name from information_schema.tables where table_name like 'bigrays_staging%'");
      expect(tables).to.deep.equal([]);
      expect(Setup && Save).to.be.a('function');
    });
  });

  describe('quoting', () => {
    it('should keep an injection attempt through {kw!q} a value, backslashes and all', async () => {
      const hostile = "x\\'; drop table victims; -- ";
      updateFormatKws({ who: hostile });
      @register class Setup extends SQLExecute { statement = "create table victims (name varchar(50)); insert into victims values ('Ada')"; }
      @register class Read extends SQLQuery { query = 'select {who!q} as v, (select count(*) from {table!i}) as n'; formatKws = { table: 'victims' }; }
      await bigraysRun();
      expect(outputOf(Read).values).to.deep.equal([[hostile, 1]]);
      expect(Setup).to.be.a('function');
    });
  });

});
