/**
 * `bigrays run` of a job that uploads an SQLQuery's DataFrame as CSV, night after night: the
 * rows as the database has them each night, and danfojs-node never loaded by the job unless
 * its own code uses the DataFrame.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createBucket, emulatorEnv, useEmulator } from '../support/aws-hooks';
import { root, spawnCli, type CliResult } from '../support/cli';
import { objectText } from '../support/s3-objects';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';
import { execute } from '../support/sql-sessions';

const ENGINES: Array<{ name: string; dsn(): Promise<string>; amount: string }> = [
  { name: 'PostgreSQL', dsn: freshPostgresDsn, amount: 'numeric(10,2)' },
  { name: 'SQLite', dsn: async () => freshSqliteDsn(), amount: 'text' },
];

for (const engine of ENGINES) {
  describe(`bigrays run: an SQLQuery's DataFrame uploaded as CSV (${engine.name})`, function () {
    this.timeout(240_000);
    const emulator = useEmulator();
    let cwd: string;
    let dsn: string;
    let bucket: string;
    beforeEach(async () => {
      cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-frame-'));
      dsn = await engine.dsn();
      bucket = await createBucket('frames');
    });
    afterEach(() => rmSync(cwd, { recursive: true, force: true }));

    /** Runs the job for `night`; and whether the job's process loaded danfojs-node. */
    const night = async (n: string, more: Record<string, string> = {}): Promise<{ result: CliResult; danfo: boolean }> => {
      const modules = path.join(cwd, `modules-${n}`);
      mkdirSync(modules);
      const result = await spawnCli(['run', path.join(root, 'spec/fixtures/jobs/query-export.ts'), '--set', `night=${n}`], {
        cwd,
        env: {
          BIGRAYS_DB_DSN: dsn,
          ...emulatorEnv(emulator().endpoint),
          EXPORT_BUCKET: bucket,
          NODE_OPTIONS: `--require ${path.join(root, 'spec/support/loaded-modules.cjs')} ${more.NODE_OPTIONS ?? ''}`,
          BIGRAYS_TEST_MODULES_DIR: modules,
          ...Object.fromEntries(Object.entries(more).filter(([name]) => name !== 'NODE_OPTIONS')),
        },
      });
      const seen = readdirSync(modules).map((file) => JSON.parse(readFileSync(path.join(modules, file), 'utf8')) as { entry: string; modules: string[] });
      // The job's process: the command's own (its entry then the job file), or one of its own (--json, --local).
      const job = seen.find((p) => /[\\/]job[\\/]child\.js$/.test(p.entry) || p.entry.endsWith('query-export.ts'));
      expect(job, JSON.stringify(seen.map((p) => p.entry))).not.to.equal(undefined);
      return { result, danfo: job!.modules.some((file) => /[\\/]danfojs-node[\\/]/.test(file)) };
    };

    it('should upload the rows of each night without loading danfojs-node, and with it when the job uses the DataFrame', async () => {
      await execute(dsn, `create table frame_rows (id integer, name text, amount ${engine.amount}); insert into frame_rows values (1, 'Ada', '12.50'), (2, 'says "hi", twice', null), (3, '', '0.10')`);

      const first = await night('1');
      expect(first.result.status, first.result.stderr).to.equal(0);
      expect(first.result.stdout).to.contain('shape 3x3, columns id name amount');
      expect(await objectText(emulator(), bucket, 'frames/1.csv')).to.equal('id,name,amount\n1,Ada,12.50\n2,"says ""hi"", twice",\n3,"",0.10\n');
      expect(first.danfo, 'the export loaded danfojs-node').to.equal(false);

      await execute(dsn, "insert into frame_rows values (4, 'line\nbreak', '7.00')");
      const second = await night('2');
      expect(second.result.status, second.result.stderr).to.equal(0);
      expect(await objectText(emulator(), bucket, 'frames/2.csv')).to.equal('id,name,amount\n1,Ada,12.50\n2,"says ""hi"", twice",\n3,"",0.10\n4,"line\nbreak",7.00\n');
      expect(await objectText(emulator(), bucket, 'frames/1.csv'), 'night 1 was changed').to.equal('id,name,amount\n1,Ada,12.50\n2,"says ""hi"", twice",\n3,"",0.10\n');
      expect(second.danfo).to.equal(false);

      const touched = await night('3', { FRAME_TOUCH: '1' });
      expect(touched.result.status, touched.result.stderr).to.equal(0);
      expect(touched.result.stdout).to.contain('shape 4x4, columns id name amount twice');
      expect(await objectText(emulator(), bucket, 'frames/3.csv')).to.equal('id,name,amount,twice\n1,Ada,12.50,2\n2,"says ""hi"", twice",,4\n3,"",0.10,6\n4,"line\nbreak",7.00,8\n');
      expect(touched.danfo).to.equal(true);
    });

    it('should export without danfojs-node installed, and name its install when the job uses the DataFrame', async () => {
      await execute(dsn, `create table frame_rows (id integer, name text, amount ${engine.amount}); insert into frame_rows values (1, 'Ada', '12.50')`);
      const hidden = { NODE_OPTIONS: `--require ${path.join(root, 'spec/support/hide-packages.cjs')}`, BIGRAYS_TEST_HIDE: 'danfojs-node' };
      const plain = await night('1', hidden);
      expect(plain.result.status, plain.result.stderr).to.equal(0);
      expect(await objectText(emulator(), bucket, 'frames/1.csv')).to.equal('id,name,amount\n1,Ada,12.50\n');

      const touched = await night('2', { ...hidden, FRAME_TOUCH: '1' });
      expect(touched.result.status).to.equal(1);
      expect(touched.result.stdout + touched.result.stderr).to.contain('npm install danfojs-node');
      expect(touched.danfo).to.equal(false);
    });
  });
}
