/**
 * Every value equal to PostgreSQL's own rendering in every format: a table of edge values
 * (bigint ±2^63, numeric(38,12), microsecond timestamps in year 9999 and before Christ, dates,
 * NULL vs '', unicode, CR/LF) exported by stream and by DataFrame as CSV, JSON lines and
 * Parquet, each compared value by value with what PostgreSQL itself says of the same rows.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bigraysRun, BigraysConfig, outputOf, register, SQLExecute, SQLQuery, SQLStream, ToCSV } from '../../lib';
import { freshPostgresDsn } from '../support/sql-hooks';
import { readParquet, unscaled } from '../support/parquet';

const COLUMNS = ['big', 'num', 'ts', 'tstz', 'day', 'flag', 'memo'];
const SELECT = `select ${COLUMNS.join(', ')} from edge order by k`;

/** A CSV field as COPY … CSV writes it. */
function csvField(text: string | null): string {
  if (text === null) return '';
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** How the README says a PostgreSQL timestamp's text appears once read into rows: ISO for years 1–9999. */
function iso(text: string): string {
  if (!/^\d{4}-\d\d-\d\d \d/.test(text) || text.endsWith(' BC')) return text;
  return text.replace(' ', 'T').replace(/\+00$/, 'Z');
}

describe('every value as PostgreSQL renders it, in every format', function () {
  this.timeout(60_000);
  let dsn: string;
  let dir: string;
  before(async () => {
    dsn = await freshPostgresDsn();
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-values-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should write CSV by stream and by DataFrame, JSON lines and Parquet that agree with PostgreSQL value for value', async () => {
    BigraysConfig.DB_DSN = dsn;
    const file = (name: string) => path.join(dir, name);
    @register class Seed extends SQLExecute {
      statement = `create table edge (k int, big bigint, num numeric(38,12), ts timestamp, tstz timestamptz, day date, flag boolean, memo text);
        insert into edge values
          (1, 9223372036854775807, 12345678901234567890123456.123456789012, '9999-12-31 23:59:59.999999',
           '9999-12-31 23:59:59.999999+00', '9999-12-31', true, E'naïve ☃ "quoted", \\r\\nnext line'),
          (2, -9223372036854775808, -0.000000000001, '0044-03-15 12:00:00.000001 BC', '0044-03-15 12:00:00.5+00 BC',
           '0044-03-15 BC', false, ''),
          (3, 0, 0, '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.123456+02', '2026-01-02', true, '𝄞 NULL'),
          (4, null, null, null, null, null, null, null)`;
    }
    // What PostgreSQL says: each value's output function (format's %s; a cast of a boolean to
    // text would say `true`), the microseconds since the epoch, days since 1970-01-01.
    @register class Truth extends SQLQuery {
      query = `select ${COLUMNS.map((c) => `case when ${c} is not null then format('%s', ${c}) end as ${c}`).join(', ')},
          (extract(epoch from ts) * 1000000)::numeric(30,0)::text as ts_us,
          (extract(epoch from tstz) * 1000000)::numeric(30,0)::text as tstz_us,
          (day - date '1970-01-01')::text as day_days
        from edge order by k`;
    }
    @register class StreamCsv extends SQLStream { query = SELECT; }
    @register class SaveStreamCsv extends ToCSV { input = StreamCsv.output; filename = file('stream.csv'); }
    @register class Frame extends SQLQuery { query = SELECT; }
    @register class SaveFrameCsv extends ToCSV { input = Frame.output; filename = file('frame.csv'); }
    @register class SaveFrameJson extends ToCSV { input = Frame.output; filename = file('frame.jsonl'); format = 'jsonl' as const; }
    @register class SaveFrameParquet extends ToCSV { input = Frame.output; filename = file('frame.parquet'); format = 'parquet' as const; }
    @register class StreamJson extends SQLStream { query = SELECT; }
    @register class SaveStreamJson extends ToCSV { input = StreamJson.output; filename = file('stream.jsonl'); format = 'jsonl' as const; }
    @register class StreamParquet extends SQLStream { query = SELECT; }
    @register class SaveStreamParquet extends ToCSV { input = StreamParquet.output; filename = file('stream.parquet'); format = 'parquet' as const; }
    await bigraysRun();

    const truth = outputOf(Truth).values as Array<Array<string | null>>;
    const text = (row: Array<string | null>, column: string) => row[COLUMNS.indexOf(column)];

    // CSV from a stream: COPY's own text.
    const copyCsv = [COLUMNS.join(','), ...truth.map((row) => COLUMNS.map((c) => csvField(text(row, c))).join(','))].join('\n') + '\n';
    expect(readFileSync(file('stream.csv'), 'utf8')).to.equal(copyCsv);
    expect(copyCsv).to.contain('\n-9223372036854775808,-0.000000000001,0044-03-15 12:00:00.000001 BC,0044-03-15 12:00:00.5+00 BC,0044-03-15 BC,f,""\n');

    // CSV from a DataFrame: the same text, timestamps of years 1–9999 in ISO form, booleans true/false.
    const shown = (row: Array<string | null>, c: string): string | null => {
      const value = text(row, c);
      if (value === null) return null;
      if (c === 'ts' || c === 'tstz') return iso(value);
      if (c === 'flag') return value === 't' ? 'true' : 'false';
      return value;
    };
    const frameCsv = [COLUMNS.join(','), ...truth.map((row) => COLUMNS.map((c) => csvField(shown(row, c))).join(','))].join('\n') + '\n';
    expect(readFileSync(file('frame.csv'), 'utf8')).to.equal(frameCsv);
    expect(frameCsv).to.contain('\n9223372036854775807,12345678901234567890123456.123456789012,9999-12-31T23:59:59.999999,9999-12-31T23:59:59.999999Z,9999-12-31,true,');

    // JSON lines, by DataFrame and by stream alike: bigint as a number with every digit, the rest as in the DataFrame.
    const jsonLine = (row: Array<string | null>) =>
      `{${COLUMNS.map((c) => {
        const value = shown(row, c);
        const json = value === null ? 'null' : c === 'big' || c === 'flag' ? value : JSON.stringify(value);
        return `${JSON.stringify(c)}:${json}`;
      }).join(',')}}`;
    const jsonl = truth.map(jsonLine).join('\n') + '\n';
    expect(readFileSync(file('frame.jsonl'), 'utf8')).to.equal(jsonl);
    expect(readFileSync(file('stream.jsonl'), 'utf8')).to.equal(jsonl);

    // Parquet, by DataFrame and by stream alike: typed columns whose values are PostgreSQL's.
    for (const name of ['frame.parquet', 'stream.parquet']) {
      const { schema, rows, raw } = await readParquet(file(name));
      expect(schema, name).to.deep.equal([
        ['big', 'INT64', null, null],
        ['num', 'FIXED_LEN_BYTE_ARRAY', 'DECIMAL', 12],
        ['ts', 'INT64', null, null], // TIMESTAMP(MICROS) as a logical type only: not adjusted to UTC
        ['tstz', 'INT64', 'TIMESTAMP_MICROS', null],
        ['day', 'INT32', 'DATE', null],
        ['flag', 'BOOLEAN', null, null],
        ['memo', 'BYTE_ARRAY', 'UTF8', null],
      ]);
      const orNull = (v: string | null, f: (s: string) => unknown) => (v === null ? null : f(v));
      expect(rows.map((r) => r.big), name).to.deep.equal(truth.map((row) => orNull(text(row, 'big'), BigInt)));
      expect(rows.map((r) => unscaled(r.num)), name).to.deep.equal(truth.map((row) => orNull(text(row, 'num'), (s) => BigInt(s.replace('.', '')))));
      expect(raw.map((r) => r.ts), name).to.deep.equal(truth.map((row) => orNull(row[COLUMNS.length], BigInt)));
      expect(raw.map((r) => r.tstz), name).to.deep.equal(truth.map((row) => orNull(row[COLUMNS.length + 1], BigInt)));
      expect(raw.map((r) => r.day), name).to.deep.equal(truth.map((row) => orNull(row[COLUMNS.length + 2], Number)));
      expect(rows.map((r) => r.flag), name).to.deep.equal(truth.map((row) => orNull(text(row, 'flag'), (s) => s === 't')));
      expect(rows.map((r) => r.memo), name).to.deep.equal(truth.map((row) => text(row, 'memo')));
    }
    expect([Seed, SaveStreamCsv, SaveFrameCsv, SaveFrameJson, SaveFrameParquet, SaveStreamJson, SaveStreamParquet]).to.have.length(7);
  });
});
