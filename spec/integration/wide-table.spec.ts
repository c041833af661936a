/**
 * The wide table (bench/wide-table.ts: 25 columns with NaN, ±infinity, BC, jsonb, arrays,
 * bytea, inet and 2 KB texts) exported as CSV by an SQLStream is PostgreSQL's own COPY bytes,
 * byte for byte, plain and gzipped, in one object and split into several.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { wideTableSql } from '../../bench/wide-table';
import { bigraysRun, BigraysConfig, SQLStream, ToS3 } from '../../lib';
import { createBucket, emulator, useEmulator } from '../support/aws-hooks';
import { freshPostgresDsn } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';

const ROWS = 3000;

/** COPY's CSV of `query`, with its header, as PostgreSQL writes it. */
async function copyBytes(dsn: string, query: string): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { to } = require('pg-copy-streams') as { to(text: string): Readable };
  const client = new Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query("SET TIME ZONE 'UTC'");
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(to(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER)`) as never) as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await client.end();
  }
}

async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const { s3 } = await emulator();
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray()); // eslint-disable-line @typescript-eslint/no-non-null-assertion
}

describe('the wide table through CSV', function () {
  this.timeout(120_000);
  useEmulator();
  let dsn: string;
  before(async () => {
    dsn = await freshPostgresDsn();
    await execute(dsn, wideTableSql(ROWS, 'wide'));
  });

  it("should upload PostgreSQL's COPY bytes exactly, plain, gzipped and split", async () => {
    BigraysConfig.DB_DSN = dsn;
    const bucket = await createBucket('wide');
    const query = 'select * from wide order by id';
    class Wide extends SQLStream { query = query; }
    class Plain extends ToS3 { input = Wide.output; bucket = bucket; key = 'wide.csv'; }
    class Wide2 extends SQLStream { query = query; }
    class Gzipped extends ToS3 { input = Wide2.output; bucket = bucket; key = 'wide.csv.gz'; }
    class Wide3 extends SQLStream { query = query; }
    class Split extends ToS3 { input = Wide3.output; bucket = bucket; key = 'split/wide-{part:03d}.csv'; maxRowsPerObject = 1000; }
    await bigraysRun(Wide, Plain, Wide2, Gzipped, Wide3, Split);

    const expected = await copyBytes(dsn, query);
    const text = expected.toString('utf8');
    // The awkward values are there to be kept, as PostgreSQL writes them.
    for (const shown of ['NaN', '-Infinity', 'infinity', '-infinity', ' BC', '{""id"": ', '\\x', '10.0.']) expect(text).to.contain(shown);
    expect(text.split('\n')[0].split(',')).to.have.length(25);
    expect((await objectBytes(bucket, 'wide.csv')).equals(expected)).to.equal(true);
    expect(gunzipSync(await objectBytes(bucket, 'wide.csv.gz')).equals(expected)).to.equal(true);

    // Split: each part has the header, and the parts' rows in order are COPY's rows.
    const { s3 } = await emulator();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'split/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort(); // eslint-disable-line @typescript-eslint/no-non-null-assertion
    expect(keys).to.have.length(3);
    const [header] = text.split('\n');
    const parts = await Promise.all(keys.map((key) => objectBytes(bucket, key)));
    const joined = parts.map((part, i) => {
      const body = part.toString('utf8');
      expect(body.startsWith(`${header}\n`), keys[i]).to.equal(true);
      return i === 0 ? body : body.slice(header.length + 1);
    }).join('');
    expect(joined).to.equal(text);
  });
});
