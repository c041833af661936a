/** The clients the bench cases run with: bigrays (the built package), psql, pg, and S3 uploads. */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type * as Lib from '../lib';
import type { BenchEnv } from './bench-types';

/** bigrays pointed at the bench's database and S3. */
export function bigrays(env: BenchEnv): typeof Lib {
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

/** bigrays pointed at the bench; what a job needs it loads itself, as a user's job does (the case's whole process is timed). */
export async function prepareBigrays(env: BenchEnv): Promise<void> {
  bigrays(env);
}

/** What the limits use: pg and pg-copy-streams, the S3 client and its uploads. */
export async function prepareLimit(): Promise<void> {
  for (const name of ['pg', 'pg-copy-streams', '@aws-sdk/client-s3', '@aws-sdk/lib-storage']) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
  }
}

/** `body` uploaded with lib-storage, as ToS3 does (5 MiB parts, 4 at a time, server-side encryption AES256). */
export async function upload(env: BenchEnv, body: Readable): Promise<void> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const client = new S3Client({
    endpoint: env.endpoint, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' },
  });
  await new Upload({ client, params: { Bucket: env.bucket, Key: env.key, Body: body, ServerSideEncryption: 'AES256' }, partSize: 5 * 1024 * 1024, queueSize: 4 }).done();
  client.destroy();
}

/** psql on the bench database, its stdout piped (when on PATH: BENCH_PSQL). */
export function psql(env: BenchEnv, args: string[], stdout: 'pipe' | 'ignore'): { stdout: Readable | null; exited: Promise<void> } {
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', env.pg.host, '-p', String(env.pg.port), '-U', env.pg.user, '-d', env.pg.database, ...args], {
    env: { ...process.env, PGPASSWORD: env.pg.password },
    stdio: ['ignore', stdout, 'inherit'],
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`)))),
  );
  return { stdout: child.stdout, exited };
}

export interface PgClient {
  connect(): Promise<void>;
  end(): Promise<void>;
  query<T>(q: T): T extends string ? Promise<unknown> : T;
}

export function pgClient(env: BenchEnv): PgClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (o: { connectionString: string }) => PgClient };
  return new Client({ connectionString: env.dsn });
}
