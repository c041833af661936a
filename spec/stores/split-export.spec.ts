/**
 * `ToS3.maxRowsPerObject` end to end, on every input kind the README recommends for a big
 * export, in every format and compression: the parts, read together, are the unsplit export,
 * each part is complete on its own, and a failure mid-way leaves nothing behind.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { gunzipSync } from 'node:zlib';
import {
  bigraysRun, BigraysConfig, FromS3, outputOf, register, SQLQuery, SQLSession, SQLStream, SQLTask, TaskError, ToS3, toS3, type BigraysError, type TaskInput, type ToS3Output,
} from '../../lib';
import { toCsv } from '../../lib/data/csv';
import { createBucket, useEmulator, type Emulator } from '../support/aws-hooks';
import { faultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy';
import { hasOpenMultipartUpload } from '../support/s3-objects';
import { freshPostgresDsn, freshSqliteDsn, sqliteLoads } from '../support/sql-hooks';
import { failure } from '../helpers';

const ROWS = 2000;
const MAX_ROWS = 300;

/** Every 7th memo holds a line break, quotes and a comma (a CSV record over two lines); every 11th is NULL. */
function memoSql(newline: string): string {
  return `case when n % 11 = 0 then null when n % 7 = 0 then 'line ' || n || ${newline} || 'says "hi", ok' else 'row ' || n end`;
}
const PG_SELECT = `select n, ${memoSql('chr(10)')} as memo from generate_series(1, ${ROWS}) n order by n`;
const SQLITE_SELECT =
  `with recursive g(n) as (select 1 union all select n + 1 from g where n < ${ROWS}) ` +
  `select n, ${memoSql('char(10)')} as memo from g order by n`;

function memo(n: number): string | null {
  if (n % 11 === 0) return null;
  return n % 7 === 0 ? `line ${n}\nsays "hi", ok` : `row ${n}`;
}
const rowArrays = (): unknown[][] => Array.from({ length: ROWS }, (_, i) => [i + 1, memo(i + 1)]);
const rowObjects = (): Array<Record<string, unknown>> => rowArrays().map(([n, m]) => ({ n, memo: m }));

/** One database for the reads of the combinations (they only read). */
let sharedPostgres: Promise<string> | undefined;
const postgresDsn = (): Promise<string> => (sharedPostgres ??= freshPostgresDsn());

/** Registers `cls` as a task named `name`. */
function task<C extends abstract new () => unknown>(name: string, cls: C): C {
  Object.defineProperty(cls, 'name', { value: name });
  register(cls as never);
  return cls;
}

/** An input kind: `input(name)` registers what makes one (read once) and returns what ToS3 takes. */
interface InputKind {
  name: string;
  /** Before the job: the database to read, the object to read. */
  prepare(bucket: string): Promise<void>;
  input(name: string, bucket: string): TaskInput;
  /** Whether it reads SQLite (pending where better-sqlite3 does not load). */
  sqlite?: boolean;
}

const KINDS: InputKind[] = [
  {
    name: 'SqlRows from SQLStream on PostgreSQL',
    prepare: async () => {
      BigraysConfig.DB_DSN = await postgresDsn();
    },
    input: (name) => task(name, class extends SQLStream { query = PG_SELECT; batchSize = 128; }).output,
  },
  {
    name: 'SqlRows from SQLStream on SQLite',
    sqlite: true,
    prepare: async () => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
    },
    input: (name) => task(name, class extends SQLStream { query = SQLITE_SELECT; batchSize = 128; }).output,
  },
  {
    name: 'FromS3 CSV rows',
    prepare: async (bucket) => {
      const { s3 } = await currentEmulator;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'source.csv', Body: await toCsv(rowObjects()) }));
    },
    input: (name, bucket) => task(name, class extends FromS3 { bucket = bucket; key = 'source.csv'; format = 'csv' as const; }).output,
  },
  {
    name: 'a DataFrame from SQLQuery',
    prepare: async () => {
      BigraysConfig.DB_DSN = await postgresDsn();
    },
    input: (name) => task(name, class extends SQLQuery { query = PG_SELECT; }).output,
  },
  { name: '{ columns, rows } of arrays', prepare: async () => undefined, input: () => ({ columns: ['n', 'memo'], rows: rowArrays() }) },
  { name: 'row objects', prepare: async () => undefined, input: () => rowObjects() },
];

const FORMATS = ['csv', 'jsonl', 'parquet'] as const;
const COMPRESSIONS = ['none', 'gzip'] as const;

let currentEmulator: Promise<Emulator>;

async function objectBytes(emulator: Emulator, bucket: string, key: string): Promise<Buffer> {
  const got = await emulator.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function keysUnder(emulator: Emulator, bucket: string, prefix: string): Promise<string[]> {
  const listed = await emulator.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((c) => c.Key!).sort();
}

async function parquetRows(bytes: Buffer): Promise<Array<Record<string, unknown>>> {
  const { parquetReadObjects } = await import('hyparquet');
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as Array<Record<string, unknown>>;
}

/** The first line of CSV text whose header holds no line break. */
function headerOf(csv: string): string {
  return csv.slice(0, csv.indexOf('\n') + 1);
}

describe('ToS3 maxRowsPerObject on every input kind, format and compression', function () {
  this.timeout(60_000);
  const emulator = useEmulator();
  beforeEach(() => {
    currentEmulator = Promise.resolve(emulator());
  });

  for (const kind of KINDS) {
    for (const format of FORMATS) {
      for (const compression of COMPRESSIONS) {
        it(`should split ${kind.name} into ${format} parts (${compression}) that together are the unsplit export`, async function () {
          if (kind.sqlite && !sqliteLoads()) this.skip();
          const bucket = await createBucket('split');
          await kind.prepare(bucket);
          const ext = `${format}${compression === 'gzip' ? '.gz' : ''}`;
          const wholeInput = kind.input('WholeRows', bucket);
          task('Whole', class extends ToS3 { input = wholeInput; bucket = bucket; key = `whole.${ext}`; format = format; compression = compression; });
          const splitInput = kind.input('SplitRows', bucket);
          const Split = task('Split', class extends ToS3 {
            input = splitInput; bucket = bucket; key = `parts/part-{part:03d}.${ext}`; format = format; compression = compression;
            maxRowsPerObject = MAX_ROWS;
          });
          await bigraysRun();

          const output = outputOf(Split) as ToS3Output;
          const expectedKeys = Array.from({ length: Math.ceil(ROWS / MAX_ROWS) }, (_, i) => `parts/part-${String(i).padStart(3, '0')}.${ext}`);
          expect(output.objects.map((o) => o.key)).to.deep.equal(expectedKeys);
          expect(await keysUnder(emulator(), bucket, 'parts/')).to.deep.equal(expectedKeys);
          expect(output.objects.map((o) => o.rows)).to.deep.equal(expectedKeys.map((_, i) => Math.min(MAX_ROWS, ROWS - i * MAX_ROWS)));
          expect(output).to.include({ rows: ROWS, key: expectedKeys[0], uri: `s3://${bucket}/${expectedKeys[0]}` });

          const plain = (bytes: Buffer): Buffer => (compression === 'gzip' ? gunzipSync(bytes) : bytes);
          const whole = plain(await objectBytes(emulator(), bucket, `whole.${ext}`));
          const parts = await Promise.all(expectedKeys.map(async (key) => plain(await objectBytes(emulator(), bucket, key))));
          output.objects.forEach((object, i) => expect(object.bytes, object.key).to.be.greaterThan(0));
          if (format === 'csv') {
            const text = whole.toString('utf8');
            expect(text).to.include('says ""hi"", ok"');
            const header = headerOf(text);
            expect(header).to.equal('n,memo\n');
            for (const part of parts) expect(part.toString('utf8').startsWith(header)).to.equal(true);
            const joined = parts.map((part, i) => (i === 0 ? part : part.subarray(header.length)));
            expect(Buffer.concat(joined).toString('utf8')).to.equal(text);
          } else if (format === 'jsonl') {
            expect(whole.toString('utf8').split('\n')).to.have.length(ROWS + 1);
            expect(Buffer.concat(parts).toString('utf8')).to.equal(whole.toString('utf8'));
          } else {
            const wholeRows = await parquetRows(whole);
            expect(wholeRows).to.have.length(ROWS);
            const partRows: Array<Record<string, unknown>> = [];
            for (const [i, part] of parts.entries()) {
              const read = await parquetRows(part); // each part a whole Parquet file
              expect(read, expectedKeys[i]).to.have.length(output.objects[i].rows!);
              partRows.push(...read);
            }
            expect(partRows).to.deep.equal(wholeRows);
          }
        });
      }
    }
  }
});

describe('ToS3 maxRowsPerObject at the edges', function () {
  this.timeout(60_000);
  const emulator = useEmulator();

  for (const format of FORMATS) {
    it(`should write one ${format} part, as the unsplit export, for a query with no rows`, async () => {
      BigraysConfig.DB_DSN = await postgresDsn();
      const bucket = await createBucket('empty');
      const query = `${PG_SELECT.replace(' order by n', '')} where false`;
      const WholeRows = task('WholeRows', class extends SQLStream { query = query; });
      task('Whole', class extends ToS3 { input = WholeRows.output; bucket = bucket; key = `whole.${format}`; format = format; });
      const SplitRows = task('SplitRows', class extends SQLStream { query = query; });
      const Split = task('Split', class extends ToS3 {
        input = SplitRows.output; bucket = bucket; key = `parts/part-{part}.${format}`; format = format; maxRowsPerObject = MAX_ROWS;
      });
      await bigraysRun();
      const output = outputOf(Split) as ToS3Output;
      expect(output.objects.map((o) => [o.key, o.rows])).to.deep.equal([[`parts/part-0.${format}`, 0]]);
      expect(await keysUnder(emulator(), bucket, 'parts/')).to.deep.equal([`parts/part-0.${format}`]);
      const part = await objectBytes(emulator(), bucket, `parts/part-0.${format}`);
      const whole = await objectBytes(emulator(), bucket, `whole.${format}`);
      if (format === 'parquet') expect(await parquetRows(part)).to.deep.equal([]);
      else expect(part.toString('utf8')).to.equal(whole.toString('utf8')).and.to.equal(format === 'csv' ? 'n,memo\n' : '');
    });
  }

  it('should refuse arrays of arrays, which are not rows, naming the task and the kinds it splits, writing nothing', async () => {
    const bucket = await createBucket('arrays');
    task('Split', class extends ToS3 { input = rowArrays(); bucket = bucket; key = 'parts/part-{part}.csv'; maxRowsPerObject = MAX_ROWS; });
    const error = (await failure<BigraysError>(bigraysRun())).errors[0] as Error;
    expect(error.message).to.match(/^Split\.input: maxRowsPerObject splits rows \(a DataFrame, row objects, \{ columns, rows \}/);
    expect(await keysUnder(emulator(), bucket, '')).to.deep.equal([]);
  });
});

describe('toS3 maxRowsPerObject on the rows of this.stream', function () {
  this.timeout(60_000);
  const emulator = useEmulator();

  it('should split a cursor\'s { columns, rows } into gzip JSON lines parts, listing each', async () => {
    BigraysConfig.DB_DSN = await postgresDsn();
    const bucket = await createBucket('functional');
    const Export = task('Export', class extends SQLTask<ToS3Output> {
      async run(): Promise<ToS3Output> {
        const rows = await this.stream(PG_SELECT, undefined, { batchSize: 128 });
        return toS3({ input: rows, bucket, key: 'parts/{part}.jsonl.gz', format: 'jsonl', maxRowsPerObject: MAX_ROWS });
      }
    });
    await bigraysRun();
    const output = outputOf(Export) as ToS3Output;
    const keys = await keysUnder(emulator(), bucket, 'parts/');
    expect(output.objects.map((o) => o.key).sort()).to.deep.equal(keys);
    expect(keys).to.have.length(Math.ceil(ROWS / MAX_ROWS));
    const lines = [];
    for (const object of output.objects) lines.push(...gunzipSync(await objectBytes(emulator(), bucket, object.key)).toString('utf8').split('\n').slice(0, -1));
    expect(lines.map((line) => JSON.parse(line) as unknown)).to.deep.equal(rowObjects());
  });
});

describe('ToS3 maxRowsPerObject failing mid-way leaves no part behind', function () {
  this.timeout(60_000);
  const emulator = useEmulator();

  /** Runs a split export of `query` that fails; the error, once no object and no open upload is left. */
  async function failedExport(
    bucket: string,
    query: string,
    format: (typeof FORMATS)[number],
    options: { maxRows?: number; batchSize?: number } = {},
  ): Promise<Error> {
    const Source = task('Rows', class extends SQLStream { query = query; batchSize = options.batchSize ?? 100; });
    task('Split', class extends ToS3 {
      input = Source.output; bucket = bucket; key = `parts/part-{part:03d}.${format}`; format = format; maxRowsPerObject = options.maxRows ?? MAX_ROWS;
    });
    // The writer's error (a query that fails is the stream's first, then the writer's because of it).
    const error = (await failure<BigraysError>(bigraysRun())).errors.find((e) => (e as BigraysError).taskName === 'Split') as Error;
    expect(await keysUnder(emulator(), bucket, '')).to.deep.equal([]);
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
    return error;
  }

  for (const format of FORMATS) {
    it(`should delete the ${format} parts written when the query fails at row 1500, naming the part's key and the task`, async () => {
      BigraysConfig.DB_DSN = await postgresDsn();
      const bucket = await createBucket('broken');
      const error = await failedExport(bucket, `select n, ${memoSql('chr(10)')} as memo, 1 / (n - 1500) as boom from generate_series(1, ${ROWS}) n`, format);
      expect(error).to.be.instanceOf(TaskError);
      expect(error.message).to.match(/^Split: /);
      // The server's error ends the stream when it arrives: rows read ahead for the part being
      // written go with it, so on a busy machine it may fail an earlier part than row 1500's (4).
      const [, part] = new RegExp(`s3://${bucket}/parts/part-(\\d{3})\\.${format}`).exec(error.message) ?? [];
      expect(Number(part), error.message).to.be.within(1, 4);
      expect(error.message).not.to.include('{part');
      expect(error.message).to.match(/failed: its input Rows failed: division by zero/);
      expect(error.message).to.include(`the ${Number(part)} object(s) already written were deleted`);
      expect(error.message).to.include({ csv: 'CSV', jsonl: 'JSON lines', parquet: 'Parquet' }[format]);
    });

    it(`should delete the ${format} parts written when the server ends the connection mid-stream`, async () => {
      const dsn = await postgresDsn();
      BigraysConfig.DB_DSN = dsn;
      const bucket = await createBucket('killed');
      // At row 1500 the backend waits on a lock this spec holds; once a part is written, the spec
      // lets it go and the backend ends itself.
      const lock = 4_150_000 + FORMATS.indexOf(format);
      const holder = new SQLSession();
      const held = await holder.open({ DB_DSN: dsn });
      let released = false;
      const release = async (): Promise<void> => {
        if (released) return;
        released = true;
        await holder.close(held);
      };
      try {
        await held.query(`select pg_advisory_lock(${lock})`);
        const failing = failedExport(
          bucket,
          `select n, ${memoSql('chr(10)')} as memo, ` +
            `case when n = 1500 then (select pg_terminate_backend(pg_backend_pid()) from (select pg_advisory_lock(${lock})) as waited) end as gone ` +
            `from generate_series(1, ${ROWS}) n`,
          format,
        );
        let settled = false;
        void failing.then(() => (settled = true), () => (settled = true));
        const deadline = Date.now() + 30_000;
        while (!settled && Date.now() < deadline && (await keysUnder(emulator(), bucket, '')).length === 0) await new Promise((r) => setTimeout(r, 50));
        await release();
        const error = await failing;
        expect(error).to.be.instanceOf(TaskError);
        expect(error.message).to.match(/^Split: /);
        const part = new RegExp(`s3://${bucket}/parts/part-(\\d{3})\\.${format}\\b.*\\bpart (\\d+) of`).exec(error.message);
        expect(part, error.message).not.to.equal(null);
        const failed = Number(part![1]);
        expect(Number(part![2])).to.equal(failed);
        expect(failed).to.be.at.least(1);
        expect(error.message).to.include(`the ${failed} object(s) already written were deleted`);
        expect(error.message).to.match(/terminat|connection/i);
      } finally {
        await release();
      }
    });
  }

  it('should delete the parts written when the store answers 500 to a later part, naming that part', async () => {
    BigraysConfig.DB_DSN = await postgresDsn();
    const bucket = await createBucket('refused');
    emulator().refuse((request) =>
      request.method === 'PUT' && request.url.includes('part-002.csv') ? { status: 500, code: 'InternalError', message: 'injected' } : undefined,
    );
    const error = await failedExport(bucket, PG_SELECT, 'csv');
    expect(error).to.be.instanceOf(TaskError);
    expect(error.message).to.include(`s3://${bucket}/parts/part-002.csv`);
    expect(error.message).to.include('the 2 object(s) already written were deleted');
  });

  for (const format of FORMATS) {
    it(`should name the format (${format}) and the row it cannot write, and delete the parts before it`, async () => {
      const bucket = await createBucket('bad-row');
      task('Split', class extends ToS3 {
        input = { columns: ['a', 'b'], rows: [[1, 2], [3, 4], [5]] }; bucket = bucket; key = `parts/part-{part}.${format}`; format = format;
        maxRowsPerObject = 1;
      });
      const error = (await failure<BigraysError>(bigraysRun())).errors[0] as Error;
      const name = { csv: 'CSV', jsonl: 'JSON lines', parquet: 'Parquet' }[format];
      expect(error.message).to.match(/^Split: /);
      expect(error.message).to.include(`${name}: row 3 has 1 values for 2 columns (a, b)`);
      expect(error.message).to.include(`s3://${bucket}/parts/part-2.${format}`);
      expect(error.message).to.include('the 2 object(s) already written were deleted');
      expect(await keysUnder(emulator(), bucket, '')).to.deep.equal([]);
    });
  }

  // (JSON lines writes a lone surrogate as its escape, \ud800, which JSON holds.)
  for (const format of ['csv', 'parquet'] as const) {
    it(`should number the row holding a lone surrogate over the whole export (${format}), as it does a row of the wrong shape`, async () => {
      const bucket = await createBucket('surrogate');
      task('Split', class extends ToS3 {
        input = [{ id: 1, note: 'a' }, { id: 2, note: 'b' }, { id: 3, note: 'c\ud800' }]; bucket = bucket; key = `parts/part-{part}.${format}`; format = format;
        maxRowsPerObject = 1;
      });
      const error = (await failure<BigraysError>(bigraysRun())).errors[0] as Error;
      const name = { csv: 'CSV', jsonl: 'JSON lines', parquet: 'Parquet' }[format];
      expect(error.message).to.match(new RegExp(`${name}: (cannot write )?column \`?note\`? of row 3\\b`));
      expect(error.message).to.include(`s3://${bucket}/parts/part-2.${format}`);
      expect(await keysUnder(emulator(), bucket, '')).to.deep.equal([]);
    });
  }

  it('should refuse a part whose object exists, in one sentence per clause, deleting the parts before it', async () => {
    const bucket = await createBucket('part-exists');
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'parts/part-1.csv', Body: 'earlier' }));
    task('Split', class extends ToS3 {
      input = [{ n: 1 }, { n: 2 }]; bucket = bucket; key = 'parts/part-{part}.csv'; maxRowsPerObject = 1;
    });
    const error = (await failure<BigraysError>(bigraysRun())).errors[0] as Error;
    expect(error.message).to.equal(
      `Split: s3://${bucket}/parts/part-1.csv exists already (bucket \`${bucket}\`, key \`parts/part-1.csv\`). Set overwriteIfExists = true to replace it. ` +
        'It was part 1 of a CSV export split by maxRowsPerObject; the 1 object(s) already written were deleted',
    );
    expect(await keysUnder(emulator(), bucket, '')).to.deep.equal(['parts/part-1.csv']);
  });

  for (const format of ['csv', 'jsonl'] as const) {
    it(`should abort a part's multipart upload refused mid-way (500) and delete the ${format} parts before it`, async function () {
      BigraysConfig.DB_DSN = await postgresDsn();
      const bucket = await createBucket('multipart');
      // 300 rows of 20,000 characters: each part over 5 MiB, so it goes up in several parts.
      emulator().refuse((request) =>
        request.method === 'PUT' && request.url.includes(`part-001.${format}`) && /partNumber=2\b/.test(request.url)
          ? { status: 500, code: 'InternalError', message: 'injected' }
          : undefined,
      );
      const error = await failedExport(bucket, 'select n, repeat(md5(n::text), 625) as memo from generate_series(1, 900) n order by n', format);
      expect(error.message).to.include(`s3://${bucket}/parts/part-001.${format}`);
      expect(error.message).to.match(/multipart upload was aborted/);
      expect(error.message).to.include('the 1 object(s) already written were deleted');
      expect(emulator().requests.some((r) => r.method === 'POST' && r.url.includes(`part-000.${format}`) && r.url.includes('uploadId'))).to.equal(true);
    });
  }
});

describe('ToS3 maxRowsPerObject stopped by its deadline leaves no part behind', function () {
  this.timeout(60_000);
  const emulator = useEmulator();
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    delete BigraysConfig.AWS_ENDPOINT_URL;
  });

  /** Sends the S3 tasks through a proxy to the emulator that misbehaves as `rule` says. */
  async function through(rule: FaultRule): Promise<void> {
    proxy = await faultProxy(emulator().endpoint, rule);
    BigraysConfig.AWS_ENDPOINT_URL = proxy.endpoint;
  }

  /** `count` rows of `{ n }`, then no more for a minute (a source that stalls mid-part). */
  async function* stalling(count: number): AsyncGenerator<Record<string, unknown>> {
    for (let n = 1; n <= count; n += 1) yield { n };
    await new Promise((resolve) => setTimeout(resolve, 60_000).unref());
  }

  it('should delete the part whose write the store did when the deadline struck while its answer was on the way', async () => {
    const bucket = await createBucket('stopped-written');
    // part-001's PutObject reaches the store, whose answer never comes back: the deadline strikes.
    await through((r) => (r.method === 'PUT' && r.url.includes('part-001.csv') ? { forward: true, answer: 'hang' } : undefined));
    task('Split', class extends ToS3 {
      input = [{ n: 1 }, { n: 2 }, { n: 3 }]; bucket = bucket; key = 'parts/part-{part:03d}.csv'; maxRowsPerObject = 1; timeoutMs = 1000;
    });
    const error = (await failure<BigraysError>(bigraysRun())).errors[0] as Error;
    expect(error.message).to.match(/^Split timed out after 1000 ms/);
    // What the task was doing when the deadline struck.
    const cause = (error as { cause?: Error }).cause?.message ?? '';
    expect(cause).to.include(`s3://${bucket}/parts/part-001.csv`);
    expect(cause).to.include('the 2 object(s) already written, this part\'s included, were deleted');
    expect(await keysUnder(emulator(), bucket, '')).to.deep.equal([]);
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
  });

  it('should name the part it cannot tell about when the deadline struck after its write went out and the look at it gets no answer', async () => {
    const bucket = await createBucket('stopped-unknown');
    await through((r) => {
      if (r.method === 'PUT' && r.url.includes('part-001.csv')) return { forward: true, answer: 'hang' };
      return r.method === 'HEAD' && r.url.includes('part-001.csv') && proxy!.requests.some((p) => p.method === 'PUT' && p.url.includes('part-001.csv'))
        ? { answer: 'hang' }
        : undefined;
    });
    task('Split', class extends ToS3 {
      input = [{ n: 1 }, { n: 2 }, { n: 3 }]; bucket = bucket; key = 'parts/part-{part:03d}.csv'; maxRowsPerObject = 1; timeoutMs = 1000;
    });
    const error = (await failure<BigraysError>(bigraysRun())).errors[0] as Error;
    const cause = (error as { cause?: Error }).cause?.message ?? '';
    expect(cause).to.include('the 1 object(s) already written were deleted');
    expect(cause).to.include(`s3://${bucket}/parts/part-001.csv may hold this part all the same: look at it and delete it`);
    expect(await keysUnder(emulator(), bucket, '')).to.deep.equal(['parts/part-001.csv']);
  });

  it('should delete every part written, and leave no open upload, when the deadline stops an export of many parts on a slow store', async () => {
    const bucket = await createBucket('stopped-many');
    // Every delete takes 400 ms to be answered (a slow store, or a far one).
    await through((r) => (r.method === 'DELETE' || (r.method === 'POST' && r.url.includes('delete')) ? { answer: 'late', delayMs: 400 } : undefined));
    task('Split', class extends ToS3 {
      input = stalling(41); bucket = bucket; key = 'parts/part-{part:03d}.csv'; maxRowsPerObject = 2; timeoutMs = 2500;
    });
    const error = (await failure<BigraysError>(bigraysRun())).errors[0] as Error;
    expect(error.message).to.match(/^Split.*timed out after 2500 ms/);
    expect(proxy!.requests.filter((r) => r.method === 'PUT').length, 'parts written before the deadline').to.be.at.least(10);
    expect(await keysUnder(emulator(), bucket, '')).to.deep.equal([]);
    expect(await hasOpenMultipartUpload(emulator(), bucket)).to.equal(false);
  });
});
