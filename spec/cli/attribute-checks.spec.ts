/**
 * `bigrays run` and `--dry-run` refuse attribute values S3, SNS or the database would refuse,
 * before anything runs: through the command where its exit code is the point, in this process
 * where the check is the library's.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bigraysRun, BigraysConfig, register, SQLWrite, TaskInterfaceError, ToS3, updateFormatKws } from '../../lib';
import { failure } from '../helpers';
import { spawnCli } from '../support/cli';

const job = (name: string) => path.join('spec/fixtures/jobs', name);
const AWS_SECRET = 'values-secret-Kq2';

interface SqliteFile {
  prepare(sql: string): { all(): unknown[] };
  close(): void;
}
// better-sqlite3 ships no types; this is all the spec uses of it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options: { readonly: boolean }) => SqliteFile;

/** The tables of a SQLite file (none when the file was never created). */
function tables(file: string): string[] {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
  } finally {
    db.close();
  }
}

describe('attribute values checked before the run', function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-values-'));
    db = path.join(dir, 'job.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const dryRun of [false, true]) {
    const how = dryRun ? 'bigrays run --dry-run' : 'bigrays run';
    it(`should exit 2 on SQLWrite ifExists = 'overwrite' under ${how}, before the first task writes its table`, async () => {
      const result = await spawnCli(['run', job('overwrite-table.ts'), ...(dryRun ? ['--dry-run'] : [])], { env: { BIGRAYS_DB_DSN: `sqlite:${db}` } });
      expect(result.status, result.stdout + result.stderr).to.equal(2);
      expect(result.stderr).to.contain(
        "Rewrite ifExists must be one of 'fail', 'append', 'replace', 'merge', got \"overwrite\" ('replace' drops and recreates the table)",
      );
      expect(result.stdout).not.to.match(/Snapshot\s+(ok|failed)/);
      expect(tables(db)).to.deep.equal([]);
    });
  }

  /** The upload's values S3 would refuse, as the message names each. */
  function expectUploadProblems(text: string): void {
    expect(text).to.contain('TaskInterfaceError: Task attributes are missing or invalid:');
    expect(text).to.contain('Upload bucket "Sales_exports" (from "{team}_exports") is not a valid S3 bucket name (it holds "S", "_")');
    expect(text).to.contain("serverSideEncryption must be one of 'AES256', 'aws:kms', 'aws:kms:dsse', 'none', got \"AES-256\"");
    expect(text).to.contain('partSize must be a whole number of bytes from 5 MiB (5242880) to 5 GiB (5368709120), S3\'s limits for a part, got 1048576');
    expect(text).not.to.contain(AWS_SECRET);
  }

  it('should exit 2 on an invalid bucket name, encryption and part size under bigrays run --dry-run, naming each, before anything runs', async () => {
    const result = await spawnCli(['run', job('bad-upload.ts'), '--dry-run'], {
      env: {
        BIGRAYS_DB_DSN: `sqlite:${db}`,
        // never contacted: the run stops before any task
        BIGRAYS_AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        BIGRAYS_AWS_ACCESS_KEY_ID: 'AKIDVALUES',
        BIGRAYS_AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      },
    });
    expect(result.status, result.stdout + result.stderr).to.equal(2);
    expectUploadProblems(result.stderr);
    expect(tables(db)).to.deep.equal([]);
  });

  // The same job as spec/fixtures/jobs/bad-upload.ts, run in this process: the check is the library's.
  it('should refuse an invalid bucket name, encryption and part size in a run, naming each, before anything runs', async () => {
    Object.assign(BigraysConfig, {
      DB_DSN: `sqlite:${db}`,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIDVALUES',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    });
    @register class Snapshot extends SQLWrite { tablename = 'snapshot'; input = [{ id: 1 }]; }
    @register class Upload extends ToS3 {
      input = Snapshot.output;
      bucket = '{team}_exports';
      key = 'snapshot.csv';
      serverSideEncryption = 'AES-256' as never;
      partSize = 1024 * 1024;
    }
    expect(Upload).to.be.a('function');
    updateFormatKws({ team: 'Sales' });
    const error = await failure<TaskInterfaceError>(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expectUploadProblems(`${error.name}: ${error.message}`);
    expect(tables(db)).to.deep.equal([]);
  });
});
