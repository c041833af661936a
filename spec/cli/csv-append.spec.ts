/**
 * A nightly `bigrays run` of FromS3 csv → SQLWrite `append` into a PostgreSQL table that exists:
 * the CSV goes to COPY as its own bytes, into the columns its header names (in whatever order
 * the table has them); a bad value or a column the table lacks leaves the table as it was.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createBucket, emulatorEnv, useEmulator } from '../support/aws-hooks';
import { root, spawnCli, type CliResult } from '../support/cli';
import { freshPostgresDsn } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';
import { select } from '../support/sql-probe';
import { BigraysConfig } from '../../lib';

/** Rows of the day's CSV: the header in another order than the table's columns, text that needs quoting, NULL and '' apart, non-ASCII. */
function dayCsv(day: number, rows: number, bad?: number): string {
  const lines = ['memo,at,id,amount'];
  for (let i = 1; i <= rows; i++) {
    const id = day * 100_000 + i;
    const memo = i % 10 === 0 ? '' : i % 10 === 1 ? '""' : `"Zürich, ""${id}"""`;
    lines.push(`${memo},2026-01-0${day} 12:00:00+00,${i === bad ? 'nope' : id},${(i / 100).toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('bigrays run: CSV from S3 appended to a table that exists', function () {
  this.timeout(240_000);
  const emulator = useEmulator();
  let cwd: string;
  let dsn: string;
  let bucket: string;
  beforeEach(async () => {
    dsn = await freshPostgresDsn();
    cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-csv-append-'));
    bucket = await createBucket('csv-append');
    // The table's columns in another order than the CSV's, one the CSV does not have (its default fills it).
    await execute(dsn, "create table events (id bigint not null, at timestamptz, amount numeric(12,2), memo text, source text default 'nightly')");
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const put = (key: string, body: string): Promise<unknown> => emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const night = (day: number): Promise<CliResult> =>
    spawnCli(['run', path.join(root, 'spec/fixtures/jobs/csv-append.ts'), '--set', `day=${day}`], {
      cwd,
      env: {
        BIGRAYS_DB_DSN: dsn,
        ...emulatorEnv(emulator().endpoint),
        LOAD_BUCKET: bucket,
      },
    });
  /** Per day: how many rows, with NULL and with '' memos, with the quoted text, the smallest and largest id, the sum of amounts, the source. */
  const summary = async (): Promise<unknown[][]> => {
    BigraysConfig.DB_DSN = dsn;
    const frame = await select(
      'select extract(day from at)::int as day, count(*)::int as n, count(*) filter (where memo is null)::int as nulls, ' +
        "count(*) filter (where memo = '')::int as empties, count(*) filter (where memo = 'Zürich, \"' || id || '\"')::int as quoted, " +
        "min(id)::text as first, max(id)::text as last, sum(amount)::text as total, string_agg(distinct source, ',') as source " +
        'from events group by 1 order by 1',
    );
    return frame.values as unknown[][];
  };
  /** The summary of a day of `dayCsv(day, 30000)`. */
  const loaded = (day: number): unknown[] => [day, 30_000, 3_000, 3_000, 24_000, `${day}00001`, `${day}30000`, '4500150.00', 'nightly'];

  it('should append each night’s rows by the header’s column names, then refuse a bad value and a column the table lacks, leaving it as it was', async () => {
    await put('events/1.csv', dayCsv(1, 30_000));
    await put('events/2.csv', dayCsv(2, 30_000));
    const one = await night(1);
    expect(one.status, one.stderr).to.equal(0);
    expect(await summary()).to.deep.equal([loaded(1)]);

    const two = await night(2);
    expect(two.status, two.stderr).to.equal(0);
    expect(await summary()).to.deep.equal([loaded(1), loaded(2)]);

    // A bad value in the middle of the file: the row is named, nothing of the file is kept.
    await put('events/3.csv', dayCsv(3, 30_000, 20_000));
    const bad = await night(3);
    expect(bad.status).to.equal(1);
    expect(bad.stdout + bad.stderr).to.match(/Load: writing to events failed at row 20000, so none was written: .*bigint.*"nope"/);
    expect(await summary()).to.deep.equal([loaded(1), loaded(2)]);

    // A column the table lacks: refused, naming it and the fix, before any row is written.
    await put('events/4.csv', dayCsv(4, 100).replace('memo,at,id,amount', 'memo,at,id,amount_eur'));
    const lacks = await night(4);
    expect(lacks.status).to.equal(1);
    expect(lacks.stdout + lacks.stderr).to.contain(
      'Load: the table events has no column `amount_eur`, which the input has; set addColumns = true to add it, or leave it out of the input',
    );
    expect(await summary()).to.deep.equal([loaded(1), loaded(2)]);

    // The run after the failures loads its day.
    await put('events/4.csv', dayCsv(4, 30_000));
    const four = await night(4);
    expect(four.status, four.stderr).to.equal(0);
    expect(await summary()).to.deep.equal([loaded(1), loaded(2), loaded(4)]);
  });
});
