/**
 * `bigrays run` of a job that uploads a wide SQLQuery result whose text is more than the job
 * keeps in memory (BIGRAYS_QUERY_TEXT_MB): the CSV is the same bytes as when it all stays in
 * memory, and nothing is ever left in the temp folder — after a run, a failing later task, or
 * SIGTERM in the middle of the upload.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { wideTableSql } from '../../bench/wide-table';
import { createBucket, TEST_KEY_ID, TEST_REGION, TEST_SECRET, useEmulator } from '../support/aws-hooks';
import { root } from '../support/cli';
import { objectExists, objectText } from '../support/s3-objects';
import { spawnNode, type Finished, type Spawned } from '../support/spawn';
import { freshPostgresDsn } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';

const cli = path.join(root, 'dist/cli/main.js');
const job = path.join(root, 'spec/fixtures/jobs/query-spill.ts');

describe("bigrays run: an SQLQuery's text spilled to the temp folder", function () {
  this.timeout(300_000);
  const emulator = useEmulator();
  let work: string;
  let temp: string;
  let dsn: string;
  let bucket: string;
  before(async () => {
    dsn = await freshPostgresDsn();
    await execute(dsn, wideTableSql(30_000, 'wide'));
  });
  beforeEach(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'bigrays-spill-'));
    temp = path.join(work, 'temp');
    mkdirSync(temp);
    bucket = await createBucket('spills');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  /** Starts night `n` of the job with its temp folder `temp`. */
  const night = (n: string, env: Record<string, string> = {}): Spawned =>
    spawnNode([cli, 'run', job, '--set', `night=${n}`], {
      cwd: work,
      limitMs: 240_000,
      env: {
        TMPDIR: temp,
        BIGRAYS_DB_DSN: dsn,
        BIGRAYS_AWS_ENDPOINT_URL: emulator().endpoint,
        BIGRAYS_AWS_ACCESS_KEY_ID: TEST_KEY_ID,
        BIGRAYS_AWS_SECRET_ACCESS_KEY: TEST_SECRET,
        BIGRAYS_AWS_REGION: TEST_REGION,
        EXPORT_BUCKET: bucket,
        ...env,
      },
    });
  const spills = { BIGRAYS_QUERY_TEXT_MB: '2' };
  // tsx, which runs the .ts job, keeps its compile cache in the temp folder.
  const left = (): string[] => readdirSync(temp).filter((name) => !name.startsWith('tsx-'));
  const ended = async (run: Spawned): Promise<Finished> => run.finished;

  it('should upload the same CSV bytes whether its text is spilled or not, and leave nothing behind on success, failure or SIGTERM', async () => {
    const held = await ended(night('1'));
    expect(held.code, held.stderr).to.equal(0);
    expect(held.stdout, held.stdout).to.contain('open in the temp folder: 0; listed there: 0');
    const whole = await objectText(emulator(), bucket, 'wide/1.csv');
    expect(whole.split('\n')).to.have.length(30_002);

    const spilled = await ended(night('2', spills));
    expect(spilled.code, spilled.stderr).to.equal(0);
    // The query's text is in a removed file the job holds open: none is listed in the folder.
    expect(spilled.stdout).to.contain('open in the temp folder: 1; listed there: 0');
    expect((await objectText(emulator(), bucket, 'wide/2.csv')) === whole, 'the spilled CSV differs').to.equal(true);
    expect(left()).to.deep.equal([]);

    const failed = await ended(night('3', { ...spills, FAIL_AFTER: '1' }));
    expect(failed.code).to.equal(1);
    expect(failed.stdout).to.match(/^After\s+failed/m);
    expect((await objectText(emulator(), bucket, 'wide/3.csv')) === whole).to.equal(true);
    expect(left()).to.deep.equal([]);

    const killed = night('4', spills);
    await killed.printed(/exporting/, 120_000);
    killed.child.kill('SIGTERM');
    const stopped = await ended(killed);
    expect(stopped.code, stopped.stderr).to.equal(143);
    expect(stopped.stdout).to.match(/^Upload\s+failed/m);
    expect(left()).to.deep.equal([]);
    expect(await objectExists(emulator(), bucket, 'wide/4.csv')).to.equal(false);
    expect((await objectText(emulator(), bucket, 'wide/2.csv')) === whole, 'night 2 was changed').to.equal(true);
  });
});
