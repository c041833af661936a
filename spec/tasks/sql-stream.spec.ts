/** SQLStream: rows read later by the task that takes them, through COPY on PostgreSQL. */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bigraysRun, BigraysConfig, register, SNSPublish, SQLExecute, SQLSession, SQLStream, SQLWrite, SqlRows, Task,
  TaskError, ToCSV, ToS3, type BigraysError,
} from '../../lib';
import { createBucket, createTopicWithQueue, useEmulator } from '../support/aws-hooks';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';
import { failure } from '../helpers';
import { WatchedSession } from '../support/sql-sessions';


const FIDELITY_TABLE = `
  create table fidelity (id int, big bigint, num numeric(38,12), ts timestamp(6), tstz timestamptz, flag boolean, f float8, txt text);
  insert into fidelity values
    (1, 9223372036854775807, 12345678901234567890123456.123456789012, '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.123456+00', true, 1e-7, 'héllo "quoted", comma'),
    (2, -9223372036854775808, -0.000000000001, '0044-03-15 12:00:00.000001 BC', '9999-12-31 23:59:59.999999+00', false, -1.5, ''),
    (3, null, null, '9999-12-31 23:59:59.999999', '0044-03-15 12:00:00 BC', null, null, null),
    (4, 0, 0, '1970-01-01 00:00:00', '2000-02-29 12:00:00.5+05:30', true, 1.0e300, E'line1\\r\\nline2\\rcr\\nlf, 日本語 🎉');
`;

/** The bytes of `COPY (sql) TO STDOUT WITH (FORMAT csv, HEADER)`, run here on a connection of our own (in UTC). */
async function copyBytes(dsn: string, sql: string): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as {
    Client: new (options: { connectionString: string }) => {
      connect(): Promise<void>; end(): Promise<void>; query<T>(query: T): T extends string ? Promise<unknown> : T;
    };
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { to } = require('pg-copy-streams') as { to(text: string): NodeJS.ReadableStream };
  const client = new Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query("SET TIME ZONE 'UTC'");
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(to(`COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER)`)) as unknown as AsyncIterable<Buffer>) {
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } finally {
    await client.end();
  }
}

describe('SQLStream', function () {
  this.timeout(30_000);
  const emulator = useEmulator();

  describe('on PostgreSQL', () => {
    let dsn: string;
    before(async () => {
      dsn = await freshPostgresDsn();
      const setup = new SQLSession();
      const session = await setup.open({ DB_DSN: dsn });
      await session.execute(FIDELITY_TABLE);
      await setup.close(session);
    });
    beforeEach(() => {
      BigraysConfig.DB_DSN = dsn;
    });

    it('should stream to S3 in the two-task shape, with tasks of other resources between, byte for byte as COPY', async () => {
      const bucket = await createBucket('stream');
      const { topicArn } = await createTopicWithQueue('stream');
      const watched = new WatchedSession();
      const seen: string[] = [];
      @register class Events extends SQLStream { override requiredResource = watched; query = 'select * from fidelity order by id;'; }
      @register class Between extends Task { run() { seen.push(`between: ${watched.events.join(',')}`); } }
      @register class Notify extends SNSPublish { input = 'exporting'; topic = topicArn; }
      @register class Upload extends ToS3 { input = Events.output; bucket = bucket; key = 'events.csv'; }
      @register class After extends Task { run() { seen.push(`after: ${watched.events.join(',')}`); } }
      const report = await bigraysRun();
      const object = await emulator().s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'events.csv' }));
      const uploaded = Buffer.from(await object.Body!.transformToByteArray());
      expect(uploaded.equals(await copyBytes(dsn, 'select * from fidelity order by id'))).to.equal(true);
      expect(seen).to.deep.equal(['between: open', 'after: open,close']);
      expect(report.tasks.find((t) => t.name === 'Upload')).to.include({ rows: 4, bytes: uploaded.length });
      expect(uploaded.toString('utf8')).to.include('2026-01-02 03:04:05.123456+00').and.include('0044-03-15 12:00:00.000001 BC');
    });

    it('should stream to a file with an S3 task between', async () => {
      const bucket = await createBucket('stream-file');
      const dir = mkdtempSync(join(tmpdir(), 'bigrays-stream-'));
      try {
        @register class Events extends SQLStream { query = 'select * from fidelity where id <> :skip order by id'; params = { skip: 0 }; }
        @register class Marker extends ToS3 { input = 'x'; bucket = bucket; key = 'marker.txt'; }
        @register class Save extends ToCSV { input = Events.output; filename = join(dir, 'events.csv'); }
        @register class Events2 extends SQLStream { query = 'select * from fidelity order by id'; }
        @register class Save2 extends ToCSV { input = Events2.output; filename = join(dir, 'copy.csv'); }
        await bigraysRun();
        expect(readFileSync(join(dir, 'copy.csv')).equals(await copyBytes(dsn, 'select * from fidelity order by id'))).to.equal(true);
        // With params COPY cannot run: the rows go through the CSV writer (ISO timestamps).
        const text = readFileSync(join(dir, 'events.csv'), 'utf8');
        expect(text.split('\n')[0]).to.equal('id,big,num,ts,tstz,flag,f,txt');
        expect(text).to.include('1,9223372036854775807,12345678901234567890123456.123456789012,2026-01-02T03:04:05.123456,');
        expect(text).to.include('3,,,');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('should let a custom task read the rows with for await, as arrays in column order', async () => {
      const rows: unknown[][] = [];
      let columns: string[] = [];
      @register class Events extends SQLStream { query = 'select id, big, txt from fidelity order by id'; batchSize = 2; }
      @register class Read extends Task {
        async run() {
          const input = Events.output as SqlRows;
          for await (const row of input) rows.push(row);
          columns = input.columns;
        }
      }
      await bigraysRun();
      expect(columns).to.deep.equal(['id', 'big', 'txt']);
      expect(rows.map((r) => r[0])).to.deep.equal([1, 2, 3, 4]);
      expect(rows[0][1]).to.equal(9223372036854775807n);
      expect(rows[1][2]).to.equal('');
      expect(rows[2][2]).to.equal(null);
    });

    it('should refuse a second reader with a TaskError naming both tasks', async () => {
      @register class Events extends SQLStream { query = 'select 1 as one'; }
      @register class First extends Task { async run() { for await (const row of Events.output as SqlRows) void row; } }
      @register class Second extends Task { async run() { for await (const row of Events.output as SqlRows) void row; } }
      const error = await failure<BigraysError>(bigraysRun());
      expect(error.errors[0]).to.be.instanceOf(TaskError);
      expect((error.errors[0] as Error).message).to.match(/Second: Events\.output was read already by First.*can be read once/);
    });

    it('should close the session when its reader fails, and when nobody read the rows', async () => {
      const watched = new WatchedSession();
      const seen: string[] = [];
      @register class Events extends SQLStream { override requiredResource = watched; query = 'select * from fidelity'; }
      @register class Upload extends ToS3 { input = Events.output; bucket = 'no-such-bucket-here'; key = 'x.csv'; }
      @register class After extends Task {
        override runWithExceptions = true;
        async run() {
          for (let i = 0; i < 50 && !watched.events.includes('close'); i++) await sleep(20);
          seen.push(watched.events.join(','));
        }
      }
      const failed = await failure<BigraysError>(bigraysRun());
      expect(seen).to.deep.equal(['open,close']);
      // The reader's own failure: the rows were fine.
      expect(failed.report!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'failed', 'ok']);
      expect(failed.errors).to.have.length(1);

      const unread = new WatchedSession();
      const bucket = await createBucket('unread');
      @register class Lonely extends SQLStream { override requiredResource = unread; query = 'select 1'; }
      @register class Other extends ToS3 { input = 'x'; bucket = bucket; key = 'y.txt'; }
      const report = await bigraysRun(Lonely, Other);
      expect(unread.events).to.deep.equal(['open', 'close']);
      expect(report.tasks[0]).to.include({ name: 'Lonely', unread: true });
    });

    it('should stop a COPY promptly when its signal aborts, and end it on the server', async () => {
      const resource = new SQLSession();
      const session = await resource.open({ DB_DSN: dsn });
      try {
        const controller = new AbortController();
        const stream = await session.copyCsv('select g, md5(g::text) from generate_series(1, 50000000) g /* copy-abort-me */', {
          signal: controller.signal,
        });
        // A reader that reads nothing: the COPY waits on it.
        stream.pipe(new Writable({ highWaterMark: 1, write(_chunk, _encoding, _done) { /* never done */ } }));
        await sleep(300);
        const started = Date.now();
        const ended = new Promise<Error>((resolve) => stream.once('error', resolve));
        controller.abort(new Error('stop: interrupted'));
        const error = await ended;
        expect(error.message).to.equal('stop: interrupted');
        // The COPY of 50M rows would never end on its own.
        expect(Date.now() - started).to.be.below(5_000);
        const other = await resource.open({ DB_DSN: dsn });
        try {
          let active: unknown[][] = [];
          for (let i = 0; i < 20; i++) {
            active = (await other.query("select pid from pg_stat_activity where state = 'active' and query like '%copy-abort-me%' and pid <> pg_backend_pid()")).rows;
            if (active.length === 0) break;
            await sleep(100);
          }
          expect(active).to.deep.equal([]);
        } finally {
          await resource.close(other);
        }
        // The session lives on.
        expect((await session.query('select 1 as one')).rows).to.deep.equal([[1]]);
      } finally {
        await resource.close(session);
      }
    });

    it('should fail a COPY promptly when its connection is lost', async () => {
      const resource = new SQLSession();
      const session = await resource.open({ DB_DSN: dsn });
      try {
        const stream = await session.copyCsv('select g from generate_series(1, 50000000) g /* copy-lose-me */');
        stream.pipe(new Writable({ highWaterMark: 1, write(_chunk, _encoding, _done) { /* never done */ } }));
        const ended = new Promise<Error>((resolve) => stream.once('error', resolve));
        await sleep(200);
        session.link!.kill();
        const error = await ended;
        expect(error.message).to.match(/connection .* was lost/);
      } finally {
        await resource.close(session);
      }
    });
    it('should copy a big result byte for byte, whatever the network chunks cut, and report its rows', async () => {
      const resource = new SQLSession();
      const session = await resource.open({ DB_DSN: dsn });
      // Rows of every length from 1 to ~3000 bytes, so that message headers fall across chunk ends.
      const sql = "select g, repeat(chr(65 + g % 26), g % 3001) as pad, case when g % 7 = 0 then null else 'x,\"y\"' end as q from generate_series(1, 20000) g";
      try {
        const stream = await session.copyCsv(sql);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        const bytes = Buffer.concat(chunks);
        expect(bytes.length).to.be.greaterThan(20_000_000);
        expect(bytes.equals(await copyBytes(dsn, sql))).to.equal(true);
        expect(stream.rowCount).to.equal(20000);
        expect((await session.query('select 2 as two')).rows).to.deep.equal([[2]]);
      } finally {
        await resource.close(session);
      }
    });

    it('should fail with the server\'s error when a COPY fails half-way, leaving no file and the session usable', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bigrays-copy-error-'));
      try {
        const file = join(dir, 'out.csv');
        @register class Events extends SQLStream { query = 'select g, 1 / (g - 150000) as boom from generate_series(1, 200000) g'; }
        @register class Save extends ToCSV { input = Events.output; filename = file; }
        @register class After extends SQLExecute { statement = 'create table after_copy_error as select 1 as ok'; }
        const error = await failure(bigraysRun(Events, Save));
        expect(error.message).to.match(/Save/).and.match(/division by zero/);
        expect(require('node:fs').readdirSync(dir)).to.deep.equal([]);
        await bigraysRun(After);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('should blame a query that cannot run on the SQLStream when an SQLWrite loads it on the server, and a failure of the write on the write', async () => {
      @register class Rows extends SQLStream { query = 'select * from evnets'; }
      @register class Load extends SQLWrite { input = Rows.output; tablename = 'loaded_on_server'; }
      const missing = await failure<BigraysError>(bigraysRun(Rows, Load));
      expect(missing.report!.tasks.map((t) => [t.name, t.status, t.error])).to.deep.equal([
        ['Rows', 'failed', 'Rows: its query failed: relation "evnets" does not exist (query: select * from evnets)'],
        ['Load', 'failed', 'Load: its input Rows failed: relation "evnets" does not exist'],
      ]);
      // The table exists: the write fails, not the query.
      @register class Taken extends SQLStream { query = 'select id from fidelity'; }
      @register class Again extends SQLWrite { input = Taken.output; tablename = 'fidelity'; }
      const exists = await failure<BigraysError>(bigraysRun(Taken, Again));
      expect(exists.report!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'failed']);
      expect(exists.report!.tasks[1].error).to.match(/^Again: .*fidelity/);
    });
  });

  describe('on SQLite', () => {
    it('should stream rows through the CSV writer in the two-task shape', async () => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
      const dir = mkdtempSync(join(tmpdir(), 'bigrays-stream-'));
      const bucket = await createBucket('sqlite');
      try {
        @register class Setup extends SQLExecute {
          statement = `create table t (id integer, name text); insert into t values (1, 'a, "b"'), (2, ''), (3, null);`;
        }
        @register class Events extends SQLStream { query = 'select * from t order by id'; }
        @register class Marker extends ToS3 { input = 'x'; bucket = bucket; key = 'marker.txt'; }
        @register class Save extends ToCSV { input = Events.output; filename = join(dir, 't.csv'); }
        await bigraysRun();
        expect(readFileSync(join(dir, 't.csv'), 'utf8')).to.equal('id,name\n1,"a, ""b"""\n2,""\n3,\n');
        void Setup;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
