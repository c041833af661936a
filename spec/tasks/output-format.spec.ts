import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bigraysRun, register, S3Task, Task, TaskError, TaskInterfaceError, ToCSV, ToS3 } from '../../lib';
import { createBucket, useEmulator } from '../support/aws-hooks';
import { failure } from '../helpers';
import { readParquet } from '../support/parquet';

const BIG = 9223372036854775807n;
const columns = ['id', 'amount', 'at', 'ok', 'note', '__proto__'];
const rows: unknown[][] = [
  [BIG, '12345678901234567890.123456', '2026-01-02T03:04:05.123456Z', true, 'a,"b"\nc', Buffer.from([0, 255])],
  [-BIG - 1n, '-0.5', '0044-03-15T12:00:00Z', false, '', null],
  [1n, null, null, null, null, Buffer.alloc(0)],
];

describe('ToCSV formats', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-formats-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should write JSON lines with keys in column order, exact bigints, null and bytes as \\x hex', async () => {
    const file = path.join(dir, 'out.jsonl');
    @register class Save extends ToCSV { input = { columns, rows }; filename = file; format = 'jsonl' as const; }
    await bigraysRun();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).to.equal(
      '{"id":9223372036854775807,"amount":"12345678901234567890.123456","at":"2026-01-02T03:04:05.123456Z","ok":true,"note":"a,\\"b\\"\\nc","__proto__":"\\\\x00ff"}',
    );
    expect(lines[1]).to.equal('{"id":-9223372036854775808,"amount":"-0.5","at":"0044-03-15T12:00:00Z","ok":false,"note":"","__proto__":null}');
    expect(lines[2]).to.equal('{"id":1,"amount":null,"at":null,"ok":null,"note":null,"__proto__":"\\\\x"}');
    expect(lines).to.have.length(4);
  });

  it('should gzip CSV for a .gz filename', async () => {
    const file = path.join(dir, 'out.csv.gz');
    @register class Save extends ToCSV { input = [{ a: 1n, b: '' }]; filename = file; }
    await bigraysRun();
    expect(gunzipSync(readFileSync(file)).toString('utf8')).to.equal('a,b\n1,""\n');
  });

  for (const compression of ['none', 'gzip'] as const) {
    it(`should write Parquet (${compression}) that another reader reads back with every type and value`, async () => {
      const file = path.join(dir, 'out.parquet');
      @register class Save extends ToCSV {
        input = { columns: [...columns.slice(0, 5), 'bytes', 'n', 'x', 'day'], rows: rows.map((r, i) => [...r, i === 2 ? null : i, i + 0.5, `2026-01-0${i + 1}`]) };
        filename = file;
        format = 'parquet' as const;
        compression = compression;
      }
      await bigraysRun();
      const plain = path.join(dir, 'plain.parquet');
      require('node:fs').writeFileSync(plain, compression === 'gzip' ? gunzipSync(readFileSync(file)) : readFileSync(file));
      const { schema, rows: read, raw } = await readParquet(plain);
      expect(schema).to.deep.equal([
        ['id', 'INT64', null, null],
        ['amount', 'FIXED_LEN_BYTE_ARRAY', 'DECIMAL', 6],
        ['at', 'INT64', 'TIMESTAMP_MICROS', null],
        ['ok', 'BOOLEAN', null, null],
        ['note', 'BYTE_ARRAY', 'UTF8', null],
        ['bytes', 'BYTE_ARRAY', null, null],
        ['n', 'INT64', null, null],
        ['x', 'DOUBLE', null, null],
        ['day', 'INT32', 'DATE', null],
      ]);
      expect(read.map((r) => r.id)).to.deep.equal([BIG, -BIG - 1n, 1n]);
      expect(read.map((r) => r.ok)).to.deep.equal([true, false, null]);
      expect(read.map((r) => r.note)).to.deep.equal(['a,"b"\nc', '', null]);
      expect(read.map((r) => r.x)).to.deep.equal([0.5, 1.5, 2.5]);
      expect(read.map((r) => r.n)).to.deep.equal([0n, 1n, null]);
      expect(read.map((r) => (r.day as Date | null)?.toISOString().slice(0, 10))).to.deep.equal(['2026-01-01', '2026-01-02', '2026-01-03']);
      // Microseconds since the epoch, exactly, including a year-44 timestamp.
      const micros = (iso: string, us: bigint) => BigInt(Date.parse(iso)) * 1000n + us;
      expect(raw.map((r) => r.at)).to.deep.equal([micros('2026-01-02T03:04:05Z', 123456n), BigInt(new Date('0044-03-15T12:00:00Z').getTime()) * 1000n, null]);
      // The reader gives DECIMAL(38, 6) as its 16 bytes: the unscaled value, two's complement.
      const unscaled = (bytes: unknown) => (bytes === null ? null : BigInt.asIntN(128, BigInt(`0x${Buffer.from(bytes as Uint8Array).toString('hex')}`)));
      expect(read.map((r) => unscaled(r.amount))).to.deep.equal([12345678901234567890123456n, -500000n, null]);
      expect(read.map((r) => (r.bytes === null ? null : Buffer.from(r.bytes as Uint8Array).toString('hex')))).to.deep.equal(['00ff', null, '']);
    });
  }

  it('should refuse JSON lines for a string input, naming task and attribute, and a bad format before the run', async () => {
    @register class Text extends ToCSV { input = 'plain'; filename = path.join(dir, 'x.jsonl'); format = 'jsonl' as const; }
    const error = (await failure(bigraysRun())).errors[0] as Error;
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.match(/Text\.input: format 'jsonl' writes rows.*got a string/);
  });

  it('should report an unknown format or compression in pre-flight', async () => {
    let ran = false;
    @register class First extends Task { run() { ran = true; } }
    @register class Bad extends ToCSV { input = [{ a: 1 }]; filename = path.join(dir, 'x'); format = 'xml' as never; compression = 'zip' as never; }
    const error = await failure(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.match(/Bad format must be one of 'csv', 'jsonl', 'parquet', got "xml"/);
    expect(error.message).to.match(/compression must be one of 'none', 'gzip', got "zip"/);
    expect(ran).to.equal(false);
  });
});

describe('ToS3 formats and split objects', () => {
  useEmulator();

  async function object(client: S3Client, bucket: string, key: string): Promise<{ body: Buffer; type?: string; encoding?: string }> {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { body: Buffer.from(await got.Body!.transformToByteArray()), type: got.ContentType, encoding: got.ContentEncoding };
  }

  async function keys(client: S3Client, bucket: string): Promise<string[]> {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (listed.Contents ?? []).map((c) => c.Key!).sort();
  }

  it('should split rows into gzip CSV objects with their own header and list them', async () => {
    const bucket = await createBucket('split');
    @register class Upload extends ToS3 {
      input = { columns: ['n'], rows: (async function* () { for (let i = 0; i < 5; i++) yield [BigInt(i)]; })() };
      bucket = bucket;
      key = 'exports/{run}/part-{part:03d}.csv.gz';
      formatKws = { run: 'r1' };
      maxRowsPerObject = 2;
    }
    let client!: S3Client;
    @register class Check extends S3Task { run() { client = this.client; } }
    void Check;
    await bigraysRun();
    const output = (Upload as unknown as { output: { objects: Array<{ key: string; rows: number }>; rows: number; key: string } }).output;
    expect(output.objects.map((o) => [o.key, o.rows])).to.deep.equal([
      ['exports/r1/part-000.csv.gz', 2], ['exports/r1/part-001.csv.gz', 2], ['exports/r1/part-002.csv.gz', 1],
    ]);
    expect(output.rows).to.equal(5);
    expect(output.key).to.equal('exports/r1/part-000.csv.gz');
    const first = await object(client, bucket, 'exports/r1/part-000.csv.gz');
    expect(gunzipSync(first.body).toString()).to.equal('n\n0\n1\n');
    expect(first.type).to.equal('application/gzip');
    expect(gunzipSync((await object(client, bucket, 'exports/r1/part-002.csv.gz')).body).toString()).to.equal('n\n4\n');
  });

  it('should write JSON lines with Content-Encoding gzip when asked for gzip under a plain key', async () => {
    const bucket = await createBucket('jsonl');
    @register class Upload extends ToS3 { input = [{ a: 1n }]; bucket = bucket; key = 'a.jsonl'; format = 'jsonl' as const; compression = 'gzip' as const; }
    let client!: S3Client;
    @register class Check extends S3Task { run() { client = this.client; } }
    void Upload; void Check;
    await bigraysRun();
    const got = await object(client, bucket, 'a.jsonl');
    expect(gunzipSync(got.body).toString()).to.equal('{"a":1}\n');
    expect(got.type).to.equal('application/x-ndjson; charset=utf-8');
  });

  it('should refuse maxRowsPerObject without {part} in the key before the run', async () => {
    @register class Upload extends ToS3 { input = [{ a: 1 }]; bucket = 'bkt'; key = 'out.csv'; maxRowsPerObject = 10; }
    void Upload;
    const error = await failure(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.match(/Upload key must hold \{part\}/);
  });

  it('should delete the parts already written when a later part fails', async () => {
    const bucket = await createBucket('fail');
    @register class Upload extends ToS3 {
      input = { columns: ['n'], rows: (async function* () { yield [1]; yield [2]; yield [3]; throw new Error('source broke'); })() };
      bucket = bucket;
      key = 'p-{part}.csv';
      maxRowsPerObject = 1;
    }
    void Upload;
    let client!: S3Client;
    @register class Check extends S3Task { runWithExceptions = true; run() { client = this.client; } }
    void Check;
    const error = (await failure(bigraysRun())).errors[0] as Error;
    expect(error).to.be.instanceOf(TaskError);
    expect(error.message).to.match(/source broke/);
    expect(error.message).to.match(/object\(s\) already written were deleted/);
    expect(await keys(client, bucket)).to.deep.equal([]);
  });
});
