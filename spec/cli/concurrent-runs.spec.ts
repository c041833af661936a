/**
 * `bigrays run` of a job whose two runs run at the same time (two `bigraysRun()` awaited
 * together): the one summary, the report and the progress lines name each task's run.
 */
import { expect } from 'chai';
import * as path from 'node:path';
import type { RunReport } from '../../lib';
import { root, spawnCli } from '../support/cli';

const job = path.join(root, 'spec/fixtures/jobs/two-runs.ts');

describe('bigrays run: two runs of a job at the same time', function () {
  this.timeout(120_000);

  it("should name each task's run in the summary and in the progress lines, night after night", async () => {
    const ids: string[] = [];
    for (const night of [1, 2]) {
      const result = await spawnCli(['run', job], { env: night === 2 ? { FAIL_CHECK: '1' } : {} });
      expect(result.status, result.stderr).to.equal(night === 2 ? 1 : 0);
      const rows = new Map([...result.stdout.matchAll(/^(Export|Notify|Sweep|Check)\s+([0-9a-f]{8})\s+(ok|failed)\b/gm)].map((m) => [m[1], { run: m[2], status: m[3] }]));
      expect(result.stdout, 'the summary').to.match(/^Task\s+Run\s+Status\s+Duration/m);
      expect([...rows.keys()].sort()).to.deep.equal(['Check', 'Export', 'Notify', 'Sweep']);
      expect(rows.get('Export')!.run).to.equal(rows.get('Notify')!.run);
      expect(rows.get('Sweep')!.run).to.equal(rows.get('Check')!.run);
      expect(rows.get('Export')!.run).not.to.equal(rows.get('Sweep')!.run);
      expect(rows.get('Check')!.status).to.equal(night === 2 ? 'failed' : 'ok');
      // The cleanup's lines while the export runs name their run, as the summary does.
      for (const task of ['Sweep', 'Check']) {
        expect(result.stderr).to.contain(`bigrays: ${task} (run ${rows.get(task)!.run}) started`);
      }
      ids.push(rows.get('Export')!.run, rows.get('Sweep')!.run);
    }
    expect(new Set(ids).size, 'each run its own id').to.equal(4);

    const json = await spawnCli(['run', job, '--json']);
    expect(json.status, json.stderr).to.equal(0);
    const report = JSON.parse(json.stdout) as RunReport;
    const runOf = Object.fromEntries(report.tasks.map((t) => [t.name, t.run]));
    expect(runOf.Export).to.match(/^[0-9a-f]{8}$/).and.equal(runOf.Notify).and.not.equal(runOf.Sweep);
    expect(runOf.Sweep).to.match(/^[0-9a-f]{8}$/).and.equal(runOf.Check);
  });

  it('should keep the summary of runs one after the other as it was, with no run column', async () => {
    const result = await spawnCli(['run', job], { env: { SEQUENTIAL: '1' } });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^Task\s+Status\s+Duration/m);
    expect(result.stdout).to.match(/^Export\s+ok\b/m).and.match(/^Check\s+ok\b/m);
    expect(result.stderr).not.to.contain('(run ');
  });
});
