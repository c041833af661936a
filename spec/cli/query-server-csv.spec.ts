/**
 * `bigrays run` of a job that uploads an SQLQuery's rows read from PostgreSQL's own CSV: the
 * object is the same bytes as the same rows read one by one, night after night as the table
 * grows; a query failing on a late row fails its task, naming it, and uploads nothing for it.
 */
import { expect } from 'chai';
import * as path from 'node:path';
import { benchTableSql } from '../../bench/bench-table';
import { createBucket, TEST_KEY_ID, TEST_REGION, TEST_SECRET, useEmulator } from '../support/aws-hooks';
import { root } from '../support/cli';
import { objectExists, objectText } from '../support/s3-objects';
import { spawnNode } from '../support/spawn';
import { freshPostgresDsn } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';

const cli = path.join(root, 'dist/cli/main.js');
const job = path.join(root, 'spec/fixtures/jobs/query-server-csv.ts');

describe("bigrays run: an SQLQuery read from the server's CSV", function () {
  this.timeout(300_000);
  const emulator = useEmulator();
  let dsn: string;
  let bucket: string;
  before(async () => {
    dsn = await freshPostgresDsn();
    await execute(dsn, benchTableSql(30_000));
    bucket = await createBucket('server-csv');
  });

  const night = async (n: string, env: Record<string, string> = {}) =>
    spawnNode([cli, 'run', job, '--set', `night=${n}`], {
      limitMs: 240_000,
      env: {
        BIGRAYS_DB_DSN: dsn,
        BIGRAYS_AWS_ENDPOINT_URL: emulator().endpoint,
        BIGRAYS_AWS_ACCESS_KEY_ID: TEST_KEY_ID,
        BIGRAYS_AWS_SECRET_ACCESS_KEY: TEST_SECRET,
        BIGRAYS_AWS_REGION: TEST_REGION,
        EXPORT_BUCKET: bucket,
        ...env,
      },
    }).finished;
  const object = (key: string): Promise<string> => objectText(emulator(), bucket, key);

  it('should upload the bytes of the rows read one by one, as the table grows, and fail a query naming it on a late error', async () => {
    const first = await night('1');
    expect(first.code, first.stderr).to.equal(0);
    const copied = await object('bench/1/copied.csv');
    expect(copied.split('\n')).to.have.length(30_002);
    expect(copied).to.contain(',"memo, ""quoted"" 12",').and.contain('T00:00:12.000012Z');
    expect(copied === (await object('bench/1/rows.csv')), 'night 1: the CSVs differ').to.equal(true);

    await execute(dsn, "insert into bench values (9007199254740993, -1, E'new\\r\\nline', -0.01, 'infinity', null)");
    const second = await night('2');
    expect(second.code, second.stderr).to.equal(0);
    const grown = await object('bench/2/copied.csv');
    // One more row, its memo on two lines.
    expect(grown.split('\n')).to.have.length(30_004);
    expect(grown).to.contain('9007199254740993,-1,"new\r\nline",-0.01,infinity,\n');
    expect(grown === (await object('bench/2/rows.csv')), 'night 2: the CSVs differ').to.equal(true);

    const failed = await night('3', { FAIL_ROW: String(20_000 * 1000003) });
    expect(failed.code).to.equal(1);
    expect(failed.stdout).to.match(/^Late\s+failed/m);
    expect(`${failed.stdout}${failed.stderr}`).to.contain('division by zero');
    expect(await objectExists(emulator(), bucket, 'bench/3/late.csv')).to.equal(false);
    expect((await object('bench/3/copied.csv')) === grown, 'night 3: the CSV differs').to.equal(true);
    expect((await object('bench/1/copied.csv')) === copied, 'night 1 was changed').to.equal(true);
  });
});
