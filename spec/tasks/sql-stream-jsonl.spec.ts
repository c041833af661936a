/**
 * JSON lines of an SQLStream on PostgreSQL, built from the server's own text (its column types
 * described, then COPY … CSV): byte for byte what the JSON lines writer makes of the same rows
 * read one by one, its errors the same, and other engines as before.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { benchTableSql } from '../../bench/bench-table';
import { wideTableSql } from '../../bench/wide-table';
import { bigraysRun, BigraysConfig, register, SQLExecute, SQLSession, SQLStream, ToCSV, type SqlSession } from '../../lib';
import { failure } from '../helpers';
import { createBucket, emulatorEnv, useEmulator } from '../support/aws-hooks';
import { root, spawnCli } from '../support/cli';
import { freshPostgresDsn, freshSqliteDsn, sqliteLoads } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';

/** An SQL session that records which ways of reading rows its session was asked for. */
class ReadingSession extends SQLSession {
  calls: string[] = [];
  override async open(config: Parameters<SQLSession['open']>[0]): Promise<SqlSession> {
    const session = await super.open(config);
    for (const name of ['describe', 'copyCsv', 'stream'] as const) {
      const original = session[name].bind(session) as (...args: unknown[]) => Promise<unknown>;
      (session as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        this.calls.push(name);
        return original(...args);
      };
    }
    return session;
  }
}

/** Edge values of every kind a text of the server's meets, one row each, and NULL rows. */
const EDGE_TABLE = `
  create type mood as enum ('ok', 'so-so');
  create domain positive as int check (value > 0);
  create table edge (k int, t text, f8 float8, f4 float4, i2 int2, o oid, b boolean, j jsonb, a text[], by bytea, iv interval,
    u uuid, n numeric, d date, tm time, ts timestamp, tz timestamptz, e mood, p positive, c "char", big bigint);
  insert into edge values
    (1, E'tab\\there, ctl \\x01\\x1f, "q", back\\\\slash, \\r\\nline, naïve ☃ 𝄞', 1e-7, 1.1, 32767, 4294967295, true,
     '{"a": "x\\"y", "b": [1, 2.50]}', '{"a,b", NULL, "c\\"d"}', E'\\\\x00ff22', '1 year 2 days 03:04:05.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
     'NaN', '2026-01-02', '23:59:59.999999', '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.123456+02', 'ok', 7, 'x', 9223372036854775807),
    (2, '', -0.0, -3.4e38, -32768, 0, false, 'null', '{}', E'\\\\x', '-1 days', '00000000-0000-0000-0000-000000000000',
     '-0.000000000001', '0044-03-15 BC', '00:00:00', '0044-03-15 12:00:00.000001 BC', 'infinity', 'so-so', 1, '"', -9223372036854775808),
    (3, ',', 1e300, 1e-45, 0, 1, true, '[]', '{{1,2},{3,4}}', decode('5c2c0a22', 'hex'), '0', null,
     '123456789012345678901234567890.123', '9999-12-31', null, '-infinity', '10000-01-01 00:00:00+00', null, null, ',', 9007199254740993),
    (4, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null)`;

describe('SQLStream as JSON lines on PostgreSQL', function () {
  this.timeout(120_000);
  const emulator = useEmulator();
  let dsn: string;
  let dir: string;
  before(async () => {
    dsn = await freshPostgresDsn();
    await execute(dsn, `${wideTableSql(3000, 'wide')}; ${benchTableSql(3000)}; ${EDGE_TABLE}`);
  });
  beforeEach(() => {
    BigraysConfig.DB_DSN = dsn;
    dir = mkdtempSync(join(tmpdir(), 'bigrays-jsonl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * The JSON lines of `query` written by ToCSV twice: as the server's text (no params), and read
   * row by row (the same rows through a bound parameter, which COPY cannot take).
   */
  async function bothWays(query: string): Promise<{ text: Buffer; rows: Buffer; calls: string[]; counted: number[] }> {
    const session = new ReadingSession();
    @register class FromText extends SQLStream { override requiredResource = session; query = `select * from (${query}) q order by 1`; }
    @register class FromRows extends SQLStream {
      override requiredResource = session; query = `select * from (${query}) q where 1 = :one order by 1`; params = { one: 1 };
    }
    @register class SaveText extends ToCSV { input = FromText.output; filename = join(dir, 'text.jsonl'); format = 'jsonl' as const; }
    @register class SaveRows extends ToCSV { input = FromRows.output; filename = join(dir, 'rows.jsonl'); format = 'jsonl' as const; }
    const report = await bigraysRun(FromText, FromRows, SaveText, SaveRows);
    const counted = ['SaveText', 'SaveRows'].map((name) => report.tasks.find((t) => t.name === name)!.rows as number);
    return {
      text: readFileSync(join(dir, 'text.jsonl')),
      rows: readFileSync(join(dir, 'rows.jsonl')),
      calls: session.calls,
      counted,
    };
  }

  it('should write the wide table byte for byte as the rows read one by one, from the server\'s text', async () => {
    const got = await bothWays('select * from wide where id % 1000 not in (1, 2, 3)');
    expect(got.calls, 'the first read as the server\'s text, the second row by row').to.deep.equal(['describe', 'copyCsv', 'stream']);
    expect(got.text.length).to.be.greaterThan(3000 * 2000);
    expect(got.text.equals(got.rows)).to.equal(true);
    expect(got.counted).to.deep.equal([2991, 2991]);
    const first = JSON.parse(got.text.toString('utf8').split('\n')[0]) as Record<string, unknown>;
    expect(first).to.include({ id: 4, flag: true, seen: '2026-01-01T00:00:04.000004', at: '-infinity', maybe: true });
  });

  it('should write the bench table byte for byte as the rows read one by one', async () => {
    const got = await bothWays('select * from bench');
    expect(got.calls).to.deep.equal(['describe', 'copyCsv', 'stream']);
    expect(got.text.equals(got.rows)).to.equal(true);
    expect(got.counted).to.deep.equal([3000, 3000]);
    expect(got.text.toString('utf8').split('\n')[0]).to.equal(
      '{"id":1000003,"n":1,"memo":"","amount":"1.01","at":"2026-01-01T00:00:01.000001Z","flag":false}',
    );
  });

  it('should write edge values of every type (control characters, -0, bytea, arrays, enums, domains, BC, infinity, int8 past 2^53) as the rows read one by one', async () => {
    const got = await bothWays('select * from edge');
    expect(got.calls).to.deep.equal(['describe', 'copyCsv', 'stream']);
    expect(got.text.toString('utf8')).to.equal(got.rows.toString('utf8'));
    expect(got.text.equals(got.rows)).to.equal(true);
    const lines = got.text.toString('utf8').split('\n');
    expect(lines[0]).to.include('"t":"tab\\there, ctl \\u0001\\u001f, \\"q\\", back\\\\slash, \\r\\nline, naïve ☃ 𝄞"');
    expect(lines[2]).to.include('"big":9007199254740993}');
    expect(lines[3]).to.match(/^\{"k":4,"t":null,/);
  });

  it('should refuse a float NaN naming the column and the row, as the rows read one by one, writing no file', async () => {
    const query = "select g, case when g = 2 then 'NaN'::float8 else g end as x from generate_series(1, 3) g";
    @register class FromText extends SQLStream { query = query; }
    @register class SaveText extends ToCSV { input = FromText.output; filename = join(dir, 'nan.jsonl'); format = 'jsonl' as const; }
    @register class FromRows extends SQLStream { query = `${query} where 1 = :one`; params = { one: 1 }; }
    @register class SaveRows extends ToCSV { input = FromRows.output; filename = join(dir, 'nan.jsonl'); format = 'jsonl' as const; }
    for (const [from, save] of [[FromText, SaveText], [FromRows, SaveRows]] as const) {
      const error = await failure(bigraysRun(from, save));
      expect(error.message).to.include(`task ${save.name} failed`).and.include('JSON lines: cannot write column "x" of row 2: JSON lines: NaN has no JSON form');
      expect(readdirSync(dir)).to.deep.equal([]);
    }
  });

  it('should fail with the server\'s error when the COPY fails half-way, naming the task, writing no file, the session usable after', async () => {
    const file = join(dir, 'boom.jsonl');
    @register class Events extends SQLStream { query = 'select g, 1 / (g - 150000) as boom from generate_series(1, 200000) g'; }
    @register class Save extends ToCSV { input = Events.output; filename = file; format = 'jsonl' as const; }
    @register class After extends SQLExecute { statement = 'create table after_jsonl_error as select 1 as ok'; }
    const error = await failure(bigraysRun(Events, Save));
    expect(error.message).to.match(/Save/).and.match(/division by zero/);
    expect(existsSync(file)).to.equal(false);
    await bigraysRun(After);
  });

  it('should read the rows one by one for a query of no columns, which COPY cannot write, as before', async () => {
    const session = new ReadingSession();
    @register class Events extends SQLStream { override requiredResource = session; query = 'select from generate_series(1, 3)'; }
    @register class Save extends ToCSV { input = Events.output; filename = join(dir, 'none.jsonl'); format = 'jsonl' as const; }
    await bigraysRun(Events, Save);
    expect(session.calls).to.deep.equal(['describe', 'stream']);
    expect(readFileSync(join(dir, 'none.jsonl'), 'utf8')).to.equal('');
  });

  it('should read the rows one by one for statements COPY cannot run (SHOW, EXPLAIN), as before', async () => {
    const session = new ReadingSession();
    @register class Zone extends SQLStream { override requiredResource = session; query = '/* the zone */ show timezone'; }
    @register class SaveZone extends ToCSV { input = Zone.output; filename = join(dir, 'zone.jsonl'); format = 'jsonl' as const; }
    @register class Plan extends SQLStream { override requiredResource = session; query = 'explain (costs off) select 1'; }
    @register class SavePlan extends ToCSV { input = Plan.output; filename = join(dir, 'plan.jsonl'); format = 'jsonl' as const; }
    await bigraysRun(Zone, SaveZone, Plan, SavePlan);
    expect(session.calls).to.deep.equal(['describe', 'stream', 'describe', 'stream']);
    expect(readFileSync(join(dir, 'zone.jsonl'), 'utf8')).to.equal('{"TimeZone":"UTC"}\n');
    expect(readFileSync(join(dir, 'plan.jsonl'), 'utf8')).to.equal('{"QUERY PLAN":"Result"}\n');
  });

  it('should export split gzip parts through `bigrays run`, the same parts as the rows read one by one, night after night', async function () {
    this.timeout(240_000);
    const bucket = await createBucket('jsonl');
    const env = {
      BIGRAYS_DB_DSN: dsn,
      ...emulatorEnv(emulator().endpoint),
      EXPORT_BUCKET: bucket,
    };
    const keys = async (prefix: string): Promise<string[]> =>
      ((await emulator().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((c) => c.Key!).sort();
    const parts = async (prefix: string): Promise<Buffer[]> =>
      Promise.all((await keys(prefix)).map(async (key) => {
        const got = await emulator().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return gunzipSync(Buffer.from(await got.Body!.transformToByteArray()));
      }));
    let first: Buffer[] = [];
    for (const night of ['1', '2']) {
      const run = await spawnCli(['run', join(root, 'spec/fixtures/jobs/jsonl-export.ts'), '--set', `night=${night}`], { cwd: dir, env });
      expect(run.status, run.stderr).to.equal(0);
      const text = await parts(`text/${night}/`);
      const rows = await parts(`rows/${night}/`);
      expect(text).to.have.length(5);
      expect(text.map((part) => part.toString('utf8').split('\n').length - 1)).to.deep.equal([700, 700, 700, 700, 191]);
      expect(Buffer.concat(text).equals(Buffer.concat(rows))).to.equal(true);
      if (night === '1') first = text;
      else expect(Buffer.concat(text).equals(Buffer.concat(first))).to.equal(true);
      expect(await keys('text/1/')).to.have.length(5);
    }
  });
});

describe('SQLStream as JSON lines on SQLite', () => {
  before(function () {
    if (!sqliteLoads()) this.skip();
  });

  it('should write the rows as the JSON lines writer does', async () => {
    BigraysConfig.DB_DSN = freshSqliteDsn();
    const dir = mkdtempSync(join(tmpdir(), 'bigrays-jsonl-'));
    try {
      @register class Setup extends SQLExecute {
        statement = `create table t (id integer, name text, f real); insert into t values (1, 'a, "b"', 1.5), (2, '', null), (3, null, 1e-7);`;
      }
      @register class Events extends SQLStream { query = 'select * from t order by id'; }
      @register class Save extends ToCSV { input = Events.output; filename = join(dir, 't.jsonl'); format = 'jsonl' as const; }
      await bigraysRun(Setup, Events, Save);
      expect(readFileSync(join(dir, 't.jsonl'), 'utf8')).to.equal(
        '{"id":1,"name":"a, \\"b\\"","f":1.5}\n{"id":2,"name":"","f":null}\n{"id":3,"name":null,"f":1e-7}\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
