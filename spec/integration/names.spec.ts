/**
 * Columns named like the members of every JavaScript object (`__proto__`, `constructor`,
 * `toString`, `hasOwnProperty`) go through every path as plain names: SQLQuery, SQLStream,
 * SQLWrite (PostgreSQL and SQLite), CSV, JSON lines, Parquet, FromS3 and SNS.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  bigraysRun, BigraysConfig, FromS3, register, SNSPublish, sqlQuery, SQLQuery, SQLStream, SQLWrite, Task, ToCSV, ToS3,
} from '../../lib';
import { createBucket, createTopicWithQueue, useEmulator } from '../support/aws-hooks';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a'];
const CSV = `${NAMES.join(',')}\np1,c1,t1,h1,1\n,"",x,,2\n`;
/** The rows as JSON lines would hold them, parsed (JSON.parse keeps `__proto__` as a key). */
const JSONL = ['{"__proto__":"p1","constructor":"c1","toString":"t1","hasOwnProperty":"h1","a":1}', '{"__proto__":null,"constructor":"","toString":"x","hasOwnProperty":null,"a":2}'];

describe('columns named __proto__, constructor, toString, hasOwnProperty', function () {
  this.timeout(60_000);
  const emulator = useEmulator();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-names-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A table's rows as text, columns in NAMES order. */
  async function tableText(table: string): Promise<string> {
    const quoted = NAMES.map((n) => `"${n}"`).join(', ');
    const frame = await sqlQuery({ query: `select ${quoted} from ${table} order by a` });
    return [NAMES.join(','), ...(frame.values as unknown[][]).map((row) => row.map((v) => (v === null ? '' : v === '' ? '""' : String(v))).join(','))].join('\n') + '\n';
  }

  for (const engine of ['postgres', 'sqlite'] as const) {
    it(`should round-trip through SQLQuery, SQLStream and SQLWrite on ${engine}, and CSV, JSON lines and Parquet`, async () => {
      BigraysConfig.DB_DSN = engine === 'postgres' ? await freshPostgresDsn() : freshSqliteDsn();
      const file = (name: string) => path.join(dir, name);
      // Row objects with those names as their own keys, one of them lacking two (NULL there, never Object.prototype's).
      const objects = JSONL.map((line) => JSON.parse(line) as Record<string, unknown>);
      delete objects[1].__proto__;
      delete (objects[1] as { hasOwnProperty?: unknown }).hasOwnProperty;
      @register class Make extends Task { run() { return objects; } }
      @register class WriteRows extends SQLWrite { input = Make.output; tablename = 'from_rows'; columnTypes = { a: 'integer' }; }
      @register class Pull extends SQLQuery { query = `select ${NAMES.map((n) => `"${n}"`).join(', ')} from from_rows order by a`; }
      @register class WriteFrame extends SQLWrite { input = Pull.output; tablename = 'from_frame'; }
      @register class Stream extends SQLStream { query = 'select * from from_frame order by a'; }
      @register class WriteStream extends SQLWrite { input = Stream.output; tablename = 'from_stream'; }
      @register class SaveCsv extends ToCSV { input = Pull.output; filename = file('frame.csv'); }
      @register class SaveJson extends ToCSV { input = Pull.output; filename = file('frame.jsonl'); format = 'jsonl' as const; }
      @register class SaveParquet extends ToCSV { input = Pull.output; filename = file('frame.parquet'); format = 'parquet' as const; }
      @register class SaveRowsCsv extends ToCSV { input = Make.output; filename = file('rows.csv'); }
      @register class SaveRowsJson extends ToCSV { input = Make.output; filename = file('rows.jsonl'); format = 'jsonl' as const; }
      await bigraysRun();

      for (const table of ['from_rows', 'from_frame', 'from_stream']) expect(await tableText(table), table).to.equal(CSV);
      expect(readFileSync(file('frame.csv'), 'utf8')).to.equal(CSV);
      expect(readFileSync(file('rows.csv'), 'utf8')).to.equal(CSV);
      expect(readFileSync(file('frame.jsonl'), 'utf8')).to.equal(`${JSONL.join('\n')}\n`);
      expect(readFileSync(file('rows.jsonl'), 'utf8')).to.equal(`${JSONL.join('\n')}\n`);
      // Read by hyparquet as arrays: @dsnp/parquetjs cannot open a schema with a `__proto__` field.
      const { parquetMetadata, parquetRead } = await import('hyparquet');
      const bytes = readFileSync(file('frame.parquet'));
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      expect(parquetMetadata(buffer).schema.slice(1).map((f) => f.name)).to.deep.equal(NAMES);
      let read: unknown[][] = [];
      await parquetRead({ file: buffer, rowFormat: 'array', onComplete: (rows: unknown[][]) => (read = rows) } as never);
      expect(read).to.deep.equal([
        ['p1', 'c1', 't1', 'h1', 1n],
        [null, '', 'x', null, 2n],
      ]);
      expect([WriteRows, WriteFrame, WriteStream, SaveCsv, SaveJson, SaveParquet, SaveRowsCsv, SaveRowsJson]).to.have.length(8);
    });
  }

  it('should round-trip through S3 (FromS3 csv → SQLWrite, ToS3 jsonl) and SNS', async () => {
    BigraysConfig.DB_DSN = await freshPostgresDsn();
    const bucket = await createBucket('names');
    const { topicArn, queueUrl } = await createTopicWithQueue('names');
    @register class Upload extends ToS3 { input = CSV; bucket = bucket; key = 'in.csv'; }
    @register class Read extends FromS3 { bucket = bucket; key = 'in.csv'; format = 'csv' as const; }
    @register class Load extends SQLWrite { input = Read.output; tablename = 'from_s3'; }
    @register class Pull extends SQLQuery { query = 'select * from from_s3'; }
    @register class Again extends ToS3 { input = Pull.output; bucket = bucket; key = 'out.jsonl'; format = 'jsonl' as const; }
    @register class Publish extends SNSPublish { input = Pull.output; topic = topicArn; }
    await bigraysRun();
    expect(await tableText('from_s3')).to.equal(CSV);
    const { Messages } = await emulator().sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
    const message = JSON.parse((JSON.parse(Messages![0].Body!) as { Message: string }).Message) as Array<Record<string, unknown>>;
    expect(message.map((row) => NAMES.map((n) => (Object.hasOwn(row, n) ? row[n] : 'missing')))).to.deep.equal([
      ['p1', 'c1', 't1', 'h1', '1'],
      [null, '', 'x', null, '2'],
    ]);
    expect([Upload, Load, Again, Publish]).to.have.length(4);
  });
});
