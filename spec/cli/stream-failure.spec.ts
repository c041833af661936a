/**
 * `bigrays run --json` of a job whose SQLStreams' query fails while their readers read the rows
 * (a relation that does not exist, then an error on row 50000): each SQLStream is the task that
 * failed, named with its query, and each reader failed because its input did; nothing is
 * written. Once the query is right, the same job writes everything.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunReport } from '../../lib';
import { createBucket, emulatorEnv, useEmulator } from '../support/aws-hooks';
import { root, spawnCli, type CliResult } from '../support/cli';
import { freshMysqlDsn, MYSQL_PASSWORD } from '../support/mariadb';
import { freshPostgresDsn, freshSqliteDsn, PG_PASSWORD } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';

/** Rows in the table; the failing query fails on row STOP. */
const ROWS = 50_100;
const STOP = 50_000;

interface Engine {
  name: string;
  dsn(): Promise<string | undefined>;
  /** The table of ROWS rows, n = 1…ROWS. */
  table: string;
  /** A query of the table that fails on row STOP, as the engine fails it. */
  failing: string;
  error: RegExp;
  missing: RegExp;
  password?: string;
}

const ENGINES: Engine[] = [
  {
    name: 'PostgreSQL',
    dsn: freshPostgresDsn,
    table: `create table evnets as select n from generate_series(1, ${ROWS}) n`,
    failing: `select n, 1 / (n - ${STOP}) as inv from evnets order by n`,
    error: /division by zero/,
    missing: /relation "evnets" does not exist/,
    password: PG_PASSWORD,
  },
  {
    name: 'SQLite',
    dsn: async () => freshSqliteDsn(),
    table: `create table evnets as with recursive s(n) as (select 1 union all select n + 1 from s where n < ${ROWS}) select n from s`,
    // SQLite divides by zero into NULL; abs() of the smallest integer overflows.
    failing: `select n, abs(case when n = ${STOP} then -9223372036854775807 - 1 else n end) as inv from evnets order by n`,
    error: /integer overflow/,
    missing: /no such table: evnets/,
  },
  {
    name: 'MariaDB',
    dsn: freshMysqlDsn,
    table: `create table evnets as select seq as n from seq_1_to_${ROWS}`,
    // MariaDB divides by zero into NULL; a subquery of two rows on row STOP fails.
    failing: `select n, (select 1 union all select 2 from dual where t.n = ${STOP}) as inv from evnets t order by n`,
    error: /Subquery returns more than 1 row/,
    missing: /Table '[^']*evnets' doesn't exist/,
    password: MYSQL_PASSWORD,
  },
];

/** Each SQLStream of the job and the task that reads it. */
const READS: Array<[string, string]> = [
  ['RowsCsv', 'UpCsv'], ['RowsJsonl', 'UpJsonl'], ['RowsParquet', 'UpParquet'], ['RowsBound', 'UpBound'],
  ['RowsFile', 'Save'], ['RowsTable', 'Load'], ['RowsCounted', 'Count'],
];

for (const engine of ENGINES) {
  describe(`bigrays run: an SQLStream whose query fails as its reader reads it (${engine.name})`, function () {
    this.timeout(300_000);
    const emulator = useEmulator();
    let cwd: string;
    let dsn: string;
    let target: string;
    let bucket: string;
    before(async function () {
      const fresh = await engine.dsn();
      if (!fresh) return this.skip();
      dsn = fresh;
      target = (await engine.dsn())!;
    });
    beforeEach(async () => {
      cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-stream-failure-'));
      bucket = await createBucket('stream-failure');
    });
    afterEach(() => rmSync(cwd, { recursive: true, force: true }));

    const run = (query: string, json = true): Promise<CliResult> =>
      spawnCli(['run', path.join(root, 'spec/fixtures/jobs/stream-readers.ts'), ...(json ? ['--json'] : [])], {
        cwd,
        env: { BIGRAYS_DB_DSN: dsn, ...emulatorEnv(emulator().endpoint), EXPORT_BUCKET: bucket, EXPORT_DIR: cwd, STREAM_QUERY: query, TARGET_DSN: target },
      });

    const keys = async (): Promise<string[]> =>
      ((await emulator().s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();

    /** Each task's status and error: from the report (`--json`), else from the summary (stdout) and the error (stderr). */
    function outcomes(result: CliResult, json: boolean): Map<string, { status?: string; error?: string }> {
      if (json) return new Map((JSON.parse(result.stdout) as RunReport).tasks.map((t) => [t.name, t]));
      const said = new Map<string, { status?: string; error?: string }>();
      for (const [, name, status] of result.stdout.matchAll(/^(\w+)\s+(ok|failed|skipped)\b/gm)) said.set(name, { status });
      for (const [, error, name] of result.stderr.matchAll(/^ {2}((\w+): .*)$/gm)) said.set(name, { ...said.get(name), error });
      return said;
    }

    /** The run failed on every stream, each named with its query, each reader because of it; nothing was written. */
    async function expectBlamed(result: CliResult, json: boolean, reason: RegExp): Promise<void> {
      expect(result.status, result.stderr).to.equal(1);
      const byName = outcomes(result, json);
      for (const [stream, reader] of READS) {
        const failed = byName.get(stream)!;
        expect(failed?.status, `${stream}: ${JSON.stringify(failed)}`).to.equal('failed');
        expect(failed.error, json ? result.stdout : result.stderr).to.match(new RegExp(`^${stream}: its query failed: `)).and.match(reason);
        expect(failed.error, 'the query, its first line').to.contain(`(query: ${stream === 'RowsBound' ? 'select * from (' : engine.failing.slice(0, 40)}`);
        const read = byName.get(reader)!;
        expect(read.status).to.equal('failed');
        // What the reader was doing, when it said (uploading, writing a file or a table), then its input's failure.
        expect(read.error).to.match(new RegExp(`^${reader}: (\\w.* failed[^:]*: )?its input ${stream} failed: `)).and.match(reason);
        // The progress says so as it happens.
        expect(result.stderr).to.match(new RegExp(`bigrays: ${stream} failed in `));
      }
      if (engine.password) expect(result.stdout + result.stderr).not.to.contain(engine.password);
      expect(await keys(), 'objects written').to.deep.equal([]);
      expect(existsSync(path.join(cwd, 'rows.csv')), 'the file written').to.equal(false);
    }

    it('should fail each SQLStream with its query and each reader because of it, night after night, and write all once the query is right', async () => {
      const first = await run(engine.failing);
      await expectBlamed(first, true, engine.missing);

      await execute(dsn, engine.table);
      const second = await run(engine.failing, false);
      await expectBlamed(second, false, engine.error);

      const third = await run('select n, n * 2 as twice from evnets order by n');
      expect(third.status, third.stderr).to.equal(0);
      const report = JSON.parse(third.stdout) as RunReport;
      expect(report.tasks.every((t) => t.status === 'ok'), JSON.stringify(report.tasks)).to.equal(true);
      expect(await keys()).to.deep.equal(['out/bound.csv', 'out/rows.csv', 'out/rows.jsonl', 'out/rows.parquet']);
      expect(readFileSync(path.join(cwd, 'rows.csv'), 'utf8').split('\n').length).to.equal(ROWS + 2);
      expect(third.stderr).to.contain(`counted ${ROWS} rows`);
      expect(report.tasks.find((t) => t.name === 'Load')!.rows).to.equal(ROWS);
    });
  });
}
