/**
 * Values survive database → DataFrame → CSV → S3 exactly: a PostgreSQL table of awkward values
 * is uploaded both ways (SQLQuery's DataFrame, and a streamed cursor), read back with FromS3,
 * and compared byte for byte with CSV built independently from PostgreSQL's own text rendering.
 */
import { expect } from 'chai';
import {
  bigraysRun, BigraysConfig, FromS3, outputOf, register, SQLExecute, SQLQuery, SQLTask, toS3, ToS3,
} from '../../lib';
import { createBucket, useEmulator } from '../support/aws-hooks';
import { freshPostgresDsn } from '../support/sql-hooks';

const COLUMNS = ['id', 'amount', 'ts', 'tstz', 'day', 'flag', 'memo', 'doc'];

/** RFC 4180 as PostgreSQL's COPY … CSV writes it: NULL empty, '' quoted, quotes doubled. */
function csvField(text: string | null): string {
  if (text === null) return '';
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** PostgreSQL's text rendering in bigrays' ISO 8601 forms (T separator, UTC as Z). */
function iso(text: string | null): string | null {
  return text === null ? null : text.replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2').replace(/\+00$/, 'Z');
}

describe('data fidelity from PostgreSQL to S3', function () {
  this.timeout(60_000);
  useEmulator();
  let dsn: string;
  before(async () => {
    dsn = await freshPostgresDsn();
  });

  it('should upload CSV identical to PostgreSQL\'s own values, by DataFrame and by stream', async () => {
    BigraysConfig.DB_DSN = dsn;
    const bucket = await createBucket('fidelity');

    @register class Seed extends SQLExecute {
      statement = `create table awkward (id bigint, amount numeric(38,12), ts timestamp, tstz timestamptz, day date,
          flag boolean, memo text, doc jsonb);
        insert into awkward values
          (9223372036854775807, 12345678901234567890123456.123456789012, '2026-01-02 03:04:05.123456',
           '2026-01-02 03:04:05.123456+02', '2026-01-02', true, E'naïve, "quoted"\\nline ☃\\r', '{{"a": 12345678901234567890.5}}'),
          (-9007199254740993, 0.000000000001, '1999-12-31 23:59:59', '2000-01-01 00:00:00+00', '2000-02-29', false, '', '[]'),
          (null, null, null, null, null, null, null, null)`;
    }
    @register class Pull extends SQLQuery { query = `select ${COLUMNS.join(', ')} from awkward order by id nulls last`; }
    @register class Texts extends SQLQuery {
      query = `select ${COLUMNS.map((c) => `${c}::text as ${c}`).join(', ')} from awkward order by id nulls last`;
    }
    @register class UploadFrame extends ToS3 {
      input = Pull.output;
      bucket = bucket;
      key = 'frame.csv';
    }
    @register class UploadStream extends SQLTask {
      async run() {
        return toS3({ input: await this.stream(`select ${COLUMNS.join(', ')} from awkward order by id nulls last`), bucket, key: 'stream.csv' });
      }
    }
    @register class ReadFrame extends FromS3 { bucket = bucket; key = 'frame.csv'; }
    @register class ReadStream extends FromS3 { bucket = bucket; key = 'stream.csv'; }
    await bigraysRun();

    const rows = outputOf(Texts).values as Array<Array<string | null>>;
    const expected = [COLUMNS.join(','), ...rows.map((row) => row.map((v, i) => csvField(['ts', 'tstz'].includes(COLUMNS[i]) ? iso(v) : v)).join(','))]
      .join('\n') + '\n';
    expect(outputOf(ReadFrame).toString('utf8')).to.equal(expected);
    expect(outputOf(ReadStream).toString('utf8')).to.equal(expected);
    // spelled out, for the reader of this spec
    expect(expected.split('\n')[1]).to.equal('-9007199254740993,0.000000000001,1999-12-31T23:59:59,2000-01-01T00:00:00Z,2000-02-29,false,"",[]');
    expect(expected).to.contain(
      '\n9223372036854775807,12345678901234567890123456.123456789012,2026-01-02T03:04:05.123456,2026-01-02T01:04:05.123456Z,' +
        '2026-01-02,true,"naïve, ""quoted""\nline ☃\r","{""a"": 12345678901234567890.5}"\n',
    );
    expect(expected.endsWith('\n,,,,,,,\n')).to.equal(true);
    expect(Seed && UploadFrame && UploadStream && ReadFrame && ReadStream).to.be.a('function');
  });
});
