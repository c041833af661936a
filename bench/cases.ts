/**
 * The cases `npm run bench` measures. Each runs in a child process of its own (so its peak RSS
 * is its own). Export cases move the bench table to `s3://<bucket>/<key>`; their limit is
 * `limit`. Load cases fill `env.table` with the same rows; their limit is `copy-from`. Every
 * case loads its modules before the clock starts (`prepare`): what is timed is moving the data.
 * To add one, append to CASES.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as Lib from '../lib';

/** What a case gets: where the table is, where to upload, what to load. */
export interface BenchEnv {
  dsn: string;
  /** The DSN's parts, for command-line clients. */
  pg: { host: string; port: number; user: string; password: string; database: string };
  endpoint: string;
  bucket: string;
  /** Where an export case uploads. */
  key: string;
  /** The query every export case runs. */
  query: string;
  /** How many rows the bench table has. */
  rows: number;
  /** The bench table as CSV with a header row (COPY's own bytes), a local file… */
  csvFile: string;
  /** …and the same bytes as an S3 object in `bucket`. */
  csvKey: string;
  /** The table a load case fills (replacing it). */
  table: string;
}

/** Which kind of case: what its ratio is against. */
export type BenchKind = 'export' | 'load' | 'table';

export interface BenchCase {
  /** Short name shown in the table (and used with `--only`). */
  name: string;
  /** One line on what it does. */
  title: string;
  kind: BenchKind;
  /** Whether it is the limit its kind is measured against. */
  limit?: boolean;
  /** The end of an export's key (`.csv`, `.csv.gz`, `.parquet`). */
  ext?: string;
  /** Loads what `run` needs, before the clock starts. */
  prepare(env: BenchEnv): Promise<void>;
  /** Runs once, in the child; resolves when the data has moved. */
  run(env: BenchEnv): Promise<void>;
}

/** The columns of the bench table, as a load creates them. */
export const LOAD_COLUMNS = ['id', 'n', 'memo', 'amount', 'at', 'flag'];
export const LOAD_TYPES: Record<string, string> = {
  id: 'bigint', n: 'integer', memo: 'text', amount: 'numeric(12,2)', at: 'timestamptz', flag: 'boolean',
};

/**
 * The bench table, made by PostgreSQL: text with commas, quotes, NULL and '' among it, exact
 * decimals, timestamps with microseconds.
 */
export function benchTableSql(rows: number): string {
  return `create table bench as select
      g::bigint * 1000003 as id,
      (g % 100000)::int as n,
      case when g % 10 = 0 then null when g % 10 = 1 then '' else 'memo, "quoted" ' || g end as memo,
      (g % 1000000 * 1.01)::numeric(12,2) as amount,
      timestamptz '2026-01-01 00:00:00+00' + g * interval '1.000001 second' as at,
      g % 3 = 0 as flag
    from generate_series(1, ${rows}) g`;
}

const BASE_MS = Date.UTC(2026, 0, 1);
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * The rows of the bench table, made here, as an SQLStream reads them (integers as numbers,
 * numeric and timestamps as text, NULL as null), streamed: what a job hands SQLWrite. Made
 * cheaply (the hour's text once an hour), so that what is timed is the load.
 */
export async function* benchRows(rows: number): AsyncGenerator<unknown[]> {
  let hour = -1;
  let prefix = '';
  for (let g = 1; g <= rows; g++) {
    // g × 1.000001 s after the base: g + ⌊g / 10⁶⌋ seconds and (g mod 10⁶) µs.
    const seconds = g + Math.floor(g / 1e6);
    if (Math.floor(seconds / 3600) !== hour) {
      hour = Math.floor(seconds / 3600);
      prefix = new Date(BASE_MS + hour * 3_600_000).toISOString().slice(0, 14);
    }
    const within = seconds % 3600;
    const at = `${prefix}${TWO[Math.floor(within / 60)]}:${TWO[within % 60]}.${String(1e6 + (g % 1e6)).slice(1)}Z`;
    const cents = (g % 1000000) * 101;
    const memo = g % 10 === 0 ? null : g % 10 === 1 ? '' : `memo, "quoted" ${g}`;
    yield [g * 1000003, g % 100000, memo, `${Math.floor(cents / 100)}.${TWO[cents % 100]}`, at, g % 3 === 0];
  }
}

/** bigrays pointed at the bench's database and S3. */
function bigrays(env: BenchEnv): typeof Lib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  // The built package, as a user's job loads it (not the TypeScript sources through tsx).
  const lib = require(require('node:path').resolve(__dirname, '../dist')) as typeof Lib;
  Object.assign(lib.BigraysConfig, {
    DB_DSN: env.dsn,
    AWS_ENDPOINT_URL: env.endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_REGION: 'us-east-1',
  });
  return lib;
}

/** bigrays and what it loads on first use (knex, pg, the AWS SDK, the Parquet writer). */
async function prepareBigrays(env: BenchEnv): Promise<void> {
  bigrays(env);
  for (const name of ['knex', 'pg', 'pg-cursor', 'pg-copy-streams', '@aws-sdk/client-s3', '@aws-sdk/lib-storage']) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
  }
  await import('hyparquet-writer');
}

/** What the limits use: pg and pg-copy-streams, the S3 client and its uploads. */
async function prepareLimit(): Promise<void> {
  for (const name of ['pg', 'pg-copy-streams', '@aws-sdk/client-s3', '@aws-sdk/lib-storage']) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
  }
}

/** `body` uploaded with lib-storage, as ToS3 does (5 MiB parts, 4 at a time). */
async function upload(env: BenchEnv, body: Readable): Promise<void> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const client = new S3Client({
    endpoint: env.endpoint, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' },
  });
  await new Upload({ client, params: { Bucket: env.bucket, Key: env.key, Body: body }, partSize: 5 * 1024 * 1024, queueSize: 4 }).done();
  client.destroy();
}

/** psql on the bench database, its stdout piped (when on PATH: BENCH_PSQL). */
function psql(env: BenchEnv, args: string[], stdout: 'pipe' | 'ignore'): { stdout: Readable | null; exited: Promise<void> } {
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', env.pg.host, '-p', String(env.pg.port), '-U', env.pg.user, '-d', env.pg.database, ...args], {
    env: { ...process.env, PGPASSWORD: env.pg.password },
    stdio: ['ignore', stdout, 'inherit'],
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`)))),
  );
  return { stdout: child.stdout, exited };
}

interface PgClient {
  connect(): Promise<void>;
  end(): Promise<void>;
  query<T>(q: T): T extends string ? Promise<unknown> : T;
}

function pgClient(env: BenchEnv): PgClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (o: { connectionString: string }) => PgClient };
  return new Client({ connectionString: env.dsn });
}

/** The COPY bytes from psql when it is on PATH, else from pg-copy-streams, into a multipart upload. */
async function exportLimit(env: BenchEnv): Promise<void> {
  const copy = `COPY (${env.query}) TO STDOUT WITH (FORMAT csv, HEADER)`;
  if (process.env.BENCH_PSQL) {
    const { stdout, exited } = psql(env, ['-c', copy], 'pipe');
    await Promise.all([upload(env, stdout!), exited]);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { to } = require('pg-copy-streams') as { to(text: string): Readable };
  const client = pgClient(env);
  await client.connect();
  await upload(env, client.query(to(copy)));
  await client.end();
}

/**
 * The CSV file into the table by COPY FROM STDIN (psql's `\copy` when on PATH, else
 * pg-copy-streams), the table replaced in the same transaction, as SQLWrite does.
 */
async function loadLimit(env: BenchEnv): Promise<void> {
  const create = `DROP TABLE IF EXISTS ${env.table}; CREATE TABLE ${env.table} (${LOAD_COLUMNS.map((c) => `${c} ${LOAD_TYPES[c]}`).join(', ')})`;
  const copy = `COPY ${env.table} (${LOAD_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER)`;
  if (process.env.BENCH_PSQL) {
    const file = `\\copy ${env.table} (${LOAD_COLUMNS.join(', ')}) from '${env.csvFile}' with (format csv, header)`;
    await psql(env, ['-1', '-c', create, '-c', file], 'ignore').exited;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { from } = require('pg-copy-streams') as { from(text: string): Writable };
  const client = pgClient(env);
  await client.connect();
  await client.query('BEGIN');
  await client.query(create);
  await pipeline(createReadStream(env.csvFile), client.query(from(copy)));
  await client.query('COMMIT');
  await client.end();
}

/** `INSERT INTO … SELECT` of the bench table into a table made like it, in one transaction (psql when on PATH, else pg). */
async function tableLimit(env: BenchEnv): Promise<void> {
  const create = `DROP TABLE IF EXISTS ${env.table}; CREATE TABLE ${env.table} AS ${env.query} WITH NO DATA`;
  const insert = `INSERT INTO ${env.table} ${env.query}`;
  if (process.env.BENCH_PSQL) {
    await psql(env, ['-1', '-c', create, '-c', insert], 'ignore').exited;
    return;
  }
  const client = pgClient(env);
  await client.connect();
  await client.query('BEGIN');
  await client.query(create);
  await client.query(insert);
  await client.query('COMMIT');
  await client.end();
}

export const CASES: BenchCase[] = [
  {
    name: 'limit',
    title: 'COPY … TO STDOUT CSV HEADER (psql, else pg-copy-streams) → lib-storage upload',
    kind: 'export',
    limit: true,
    ext: '.csv',
    prepare: prepareLimit,
    run: exportLimit,
  },
  {
    name: 'stream-csv',
    title: 'SQLStream → ToS3, csv',
    kind: 'export',
    ext: '.csv',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLStream, ToS3, bigraysRun } = bigrays(env);
      class Events extends SQLStream { query = env.query; }
      class Upload extends ToS3 { input = Events.output; bucket = env.bucket; key = env.key; serverSideEncryption = 'none' as const; }
      await bigraysRun(Events, Upload);
    },
  },
  {
    name: 'stream-csv-gz',
    title: 'SQLStream → ToS3, csv, key .csv.gz (gzip)',
    kind: 'export',
    ext: '.csv.gz',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLStream, ToS3, bigraysRun } = bigrays(env);
      class Events extends SQLStream { query = env.query; }
      class Upload extends ToS3 { input = Events.output; bucket = env.bucket; key = env.key; serverSideEncryption = 'none' as const; }
      await bigraysRun(Events, Upload);
    },
  },
  {
    name: 'stream-parquet',
    title: "SQLStream → ToS3, format 'parquet'",
    kind: 'export',
    ext: '.parquet',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLStream, ToS3, bigraysRun } = bigrays(env);
      class Events extends SQLStream { query = env.query; }
      class Upload extends ToS3 {
        input = Events.output; bucket = env.bucket; key = env.key; format = 'parquet' as const; serverSideEncryption = 'none' as const;
      }
      await bigraysRun(Events, Upload);
    },
  },
  {
    name: 'dataframe',
    title: 'SQLQuery → ToS3 (DataFrame), csv',
    kind: 'export',
    ext: '.csv',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLQuery, ToS3, bigraysRun } = bigrays(env);
      class Events extends SQLQuery { query = env.query; }
      class Upload extends ToS3 { input = Events.output; bucket = env.bucket; key = env.key; serverSideEncryption = 'none' as const; }
      await bigraysRun(Events, Upload);
    },
  },
  {
    name: 'copy-from',
    title: 'COPY … FROM STDIN of the CSV file (psql \\copy, else pg-copy-streams)',
    kind: 'load',
    limit: true,
    prepare: prepareLimit,
    run: loadLimit,
  },
  {
    name: 'bulk-load',
    title: 'SQLWrite of streamed rows (an async generator of the same rows)',
    kind: 'load',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLWrite, bigraysRun } = bigrays(env);
      class Load extends SQLWrite {
        tablename = env.table; ifExists = 'replace' as const; columnTypes = LOAD_TYPES;
        input = { columns: LOAD_COLUMNS, rows: benchRows(env.rows) };
      }
      await bigraysRun(Load);
    },
  },
  {
    name: 'from-s3-csv',
    title: "FromS3 (format 'csv') of the CSV object → SQLWrite",
    kind: 'load',
    prepare: prepareBigrays,
    async run(env) {
      const { FromS3, SQLWrite, bigraysRun } = bigrays(env);
      class Fetch extends FromS3<Lib.CsvRows> { bucket = env.bucket; key = env.csvKey; format = 'csv' as const; }
      class Load extends SQLWrite { tablename = env.table; ifExists = 'replace' as const; columnTypes = LOAD_TYPES; input = Fetch.output; }
      await bigraysRun(Fetch, Load);
    },
  },
  {
    name: 'insert-select',
    title: 'INSERT INTO … SELECT of the bench table (psql, else pg), one transaction',
    kind: 'table',
    limit: true,
    prepare: prepareLimit,
    run: tableLimit,
  },
  {
    name: 'stream-to-table',
    title: 'SQLStream → SQLWrite, same database (INSERT … SELECT on the server)',
    kind: 'table',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLStream, SQLWrite, bigraysRun } = bigrays(env);
      class Events extends SQLStream { query = env.query; }
      class Load extends SQLWrite { tablename = env.table; ifExists = 'replace' as const; input = Events.output; }
      await bigraysRun(Events, Load);
    },
  },
  {
    name: 'stream-to-table-2',
    title: 'SQLStream → SQLWrite, read on a second session (another config), loaded by COPY as read',
    kind: 'table',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLStream, SQLWrite, bigraysRun } = bigrays(env);
      class Events extends SQLStream { query = env.query; override resourceConfig = { DB_DSN: `${env.dsn}?application_name=bench-reader` }; }
      class Load extends SQLWrite { tablename = env.table; ifExists = 'replace' as const; columnTypes = LOAD_TYPES; input = Events.output; }
      await bigraysRun(Events, Load);
    },
  },
];
