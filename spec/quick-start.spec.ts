/** The README's Quick start (examples/quick-start.ts), run as a user runs it, night after night in one folder. */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root, spawnCli } from './support/cli';

describe('the Quick start', function () {
  this.timeout(120_000);

  it("should run again and again in local mode, the day's report replaced", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-quick-start-'));
    try {
      const job = path.join(root, 'examples/quick-start.ts');
      const report = path.join(cwd, '.bigrays/s3/reports/sales/2026-01-01.csv');
      for (const night of [1, 2, 3]) {
        const result = await spawnCli(['run', job, '--local', '--quiet'], { cwd });
        expect(result.status, `run ${night}: ${result.stdout}\n${result.stderr}`).to.equal(0);
        expect(result.stdout).to.match(/4 ok, 0 failed, 0 skipped/);
        expect(readFileSync(report, 'utf8')).to.equal('region,total\nnorth,120.5\nsouth,99.9\n');
        expect(readFileSync(path.join(cwd, '.bigrays/sns/reports.jsonl'), 'utf8').trim().split('\n')).to.have.length(night);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
