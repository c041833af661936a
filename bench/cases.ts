/**
 * The cases `npm run bench` measures. Each runs in a child process of its own (so its peak RSS
 * is its own) and moves the bench table to `s3://<bucket>/<key>`. To add one, append to CASES.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type * as Lib from '../lib';

/** What a case gets: where the table is, where to upload. */
export interface BenchEnv {
  dsn: string;
  /** The DSN's parts, for command-line clients. */
  pg: { host: string; port: number; user: string; password: string; database: string };
  endpoint: string;
  bucket: string;
  key: string;
  /** The query every export case runs. */
  query: string;
}

export interface BenchCase {
  /** Short name shown in the table (and used with `--only`). */
  name: string;
  /** One line on what it does. */
  title: string;
  /** Runs once, in the child; resolves when the object is uploaded. */
  run(env: BenchEnv): Promise<void>;
}

/** bigrays pointed at the bench's database and S3. */
async function bigrays(env: BenchEnv): Promise<typeof Lib> {
  // Loaded here, not at the top: the limit case never loads bigrays.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('../lib') as typeof Lib;
  Object.assign(lib.BigraysConfig, {
    DB_DSN: env.dsn,
    AWS_ENDPOINT_URL: env.endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_REGION: 'us-east-1',
  });
  return lib;
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

/** The COPY bytes from psql when it is on PATH, else from pg-copy-streams. */
async function limit(env: BenchEnv): Promise<void> {
  const copy = `COPY (${env.query}) TO STDOUT WITH (FORMAT csv, HEADER)`;
  if (process.env.BENCH_PSQL) {
    const psql = spawn('psql', ['-X', '-q', '-h', env.pg.host, '-p', String(env.pg.port), '-U', env.pg.user, '-d', env.pg.database, '-c', copy], {
      env: { ...process.env, PGPASSWORD: env.pg.password },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve, reject) =>
      psql.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`)))),
    );
    await Promise.all([upload(env, psql.stdout), exited]);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (o: { connectionString: string }) => { connect(): Promise<void>; end(): Promise<void>; query<T>(q: T): T } };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { to } = require('pg-copy-streams') as { to(text: string): Readable };
  const client = new Client({ connectionString: env.dsn });
  await client.connect();
  await upload(env, client.query(to(copy)));
  await client.end();
}

export const CASES: BenchCase[] = [
  {
    name: 'limit',
    title: 'COPY … TO STDOUT CSV HEADER (psql, else pg-copy-streams) → lib-storage upload',
    run: limit,
  },
  {
    name: 'stream-csv',
    title: 'SQLStream → ToS3, csv',
    async run(env) {
      const { SQLStream, ToS3, bigraysRun } = await bigrays(env);
      class Events extends SQLStream { query = env.query; }
      class Upload extends ToS3 { input = Events.output; bucket = env.bucket; key = env.key; serverSideEncryption = 'none' as const; }
      await bigraysRun(Events, Upload);
    },
  },
  {
    name: 'dataframe',
    title: 'SQLQuery → ToS3 (DataFrame)',
    async run(env) {
      const { SQLQuery, ToS3, bigraysRun } = await bigrays(env);
      class Events extends SQLQuery { query = env.query; }
      class Upload extends ToS3 { input = Events.output; bucket = env.bucket; key = env.key; serverSideEncryption = 'none' as const; }
      await bigraysRun(Events, Upload);
    },
  },
];
