/**
 * A field of a task that is no attribute of its built-in class but a typo of one (`formt`,
 * `Format`, `tablname`), or a task class where its output belongs (`input = Rows`), is refused
 * before anything runs — by `bigrays run`, by `--dry-run` and by `bigraysRun()` — with the
 * attribute or the output meant; a job's own fields are left alone.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as bigrays from '../../lib';
import { bigraysRun, BigraysConfig, TaskInterfaceError, toS3, type TaskClass } from '../../lib';
import { failure } from '../helpers';
import { helperFieldsJob, typoJobs } from '../fixtures/jobs/helpers/typos';
import { spawnCli } from '../support/cli';

const JOB = path.join('spec/fixtures/jobs', 'typos.ts');
const AWS_SECRET = 'typos-secret-Zr5';
const AWS = {
  // never contacted: the run stops before any task
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'AKIDTYPOS',
  AWS_SECRET_ACCESS_KEY: AWS_SECRET,
};

interface SqliteFile {
  prepare(sql: string): { all(): unknown[] };
  close(): void;
}
// better-sqlite3 ships no types; this is all the spec uses of it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options: { readonly: boolean }) => SqliteFile;

/** The rows of `sql` in a SQLite file; none when the file was never created. */
function rows(file: string, sql: string): unknown[] {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

const tables = (file: string): string[] =>
  (rows(file, "select name from sqlite_master where type = 'table' order by name") as Array<{ name: string }>).map((t) => t.name);

describe('typos in task fields, refused before the run', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-typos-'));
    db = path.join(dir, 'job.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** `bigrays run` of the typo job `typo` (the job of helper fields when undefined), with `flags`. */
  const cli = (typo: string | undefined, ...flags: string[]) =>
    spawnCli(['run', JOB, ...flags], {
      env: {
        BIGRAYS_DB_DSN: `sqlite:${db}`,
        ...Object.fromEntries(Object.entries(AWS).map(([key, value]) => [`BIGRAYS_${key}`, value])),
        TYPO: typo,
        TYPO_DIR: dir,
      },
    });

  const names = Object.keys(typoJobs(bigrays, '.'));
  it('should hold at least ten typo jobs', () => expect(names).to.have.length.of.at.least(10));

  for (const name of names) {
    it(`should refuse ${name} under bigrays run and --dry-run with a "did you mean", leaving nothing behind`, async () => {
      const { says } = typoJobs(bigrays, dir)[name];
      // Refused before anything starts, so the three runs may go at once.
      for (const result of await Promise.all([[], ['--dry-run'], []].map((flags) => cli(name, ...flags)))) {
        expect(result.status, result.stdout + result.stderr).to.equal(2);
        expect(result.stderr).to.contain('TaskInterfaceError: Task attributes are missing or invalid:');
        expect(result.stderr).to.contain(says);
        expect(result.stderr).not.to.contain(AWS_SECRET);
        expect(tables(db), 'a task ran').to.deep.equal([]);
        expect(readdirSync(dir).filter((file) => !file.startsWith('job.sqlite'))).to.deep.equal([]);
      }
    });

    it(`should refuse ${name} in bigraysRun() with a "did you mean", before any task runs`, async () => {
      Object.assign(BigraysConfig, { DB_DSN: `sqlite:${db}`, ...AWS });
      const { tasks, says } = typoJobs(bigrays, dir)[name];
      const error = await failure<TaskInterfaceError>(bigraysRun(...(tasks as TaskClass[])));
      expect(error).to.be.instanceOf(TaskInterfaceError);
      expect(error.message).to.contain(says);
      expect(tables(db)).to.deep.equal([]);
    });
  }

  it("should run a job whose own fields are no attributes (named with _, or far from any), again and again", async () => {
    const plan = await cli(undefined, '--dry-run');
    expect(plan.status, plan.stdout + plan.stderr).to.equal(0);
    expect(tables(db)).to.deep.equal([]);
    for (const run of [1, 2]) {
      const result = await cli(undefined);
      expect(result.status, result.stdout + result.stderr).to.equal(0);
      expect(result.stderr).not.to.contain('did you mean');
      expect(rows(db, 'select n from seen')).to.have.length(run);
    }
  });

  it("should run the same job in bigraysRun() and leave its fields alone", async () => {
    BigraysConfig.DB_DSN = `sqlite:${db}`;
    const report = await bigraysRun(...(helperFieldsJob(bigrays) as TaskClass[]));
    expect(report.tasks.map((task) => task.status)).to.deep.equal(['ok', 'ok']);
    expect(rows(db, 'select n from seen')).to.deep.equal([{ n: 1 }]);
  });

  it('should refuse a typo in the attributes a task function is given, naming the function', async () => {
    Object.assign(BigraysConfig, { DB_DSN: `sqlite:${db}`, ...AWS });
    const error = await failure<TaskInterfaceError>(toS3({ input: 'a,b\n', bucket: 'exports', key: 'a.csv', fromat: 'csv' } as never));
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain('toS3 fromat is not an attribute of ToS3: did you mean `format`?');
  });
});
