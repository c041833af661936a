/** Run records: `bigrays run --record FILE` (or BIGRAYS_RUN_LOG) appends one JSON line per run. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendRecord, recordTarget, runRecord, type RunRecord } from '../../lib/cli/record';
import type { RunCommand } from '../../lib/cli/args';
import { root } from '../support/cli';
import { spawnNode } from '../support/spawn';

const cli = path.join(root, 'dist/cli/main.js');
const SECRET = 'Hunter2-Secret-Pwd';

function records(file: string): RunRecord[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as RunRecord);
}

function command(fields: Partial<RunCommand> = {}): RunCommand {
  return { command: 'run', job: 'job.ts', set: {}, only: [], dryRun: false, local: false, json: false, envFiles: [], ...fields };
}

describe('run records', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-record-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('the record', () => {
    it('should take --record over BIGRAYS_RUN_LOG, and neither when neither is set', () => {
      expect(recordTarget(command({ record: 'a.jsonl' }), { BIGRAYS_RUN_LOG: 'b.jsonl' })?.file).to.equal(path.resolve('a.jsonl'));
      expect(recordTarget(command(), { BIGRAYS_RUN_LOG: 'b.jsonl' })).to.deep.equal({ file: path.resolve('b.jsonl'), from: 'BIGRAYS_RUN_LOG=b.jsonl' });
      expect(recordTarget(command(), {})).to.equal(undefined);
    });

    it('should mask a DSN password in a task\'s error and in the run\'s error', () => {
      const record = runRecord({
        runId: 'r1', command: command({ set: { day: '2026-01-01' }, only: ['Load'] }), startedAt: 0, endedAt: 1500, exitCode: 1,
        tasks: [{ name: 'Load', status: 'failed', startedAt: '1970-01-01T00:00:00.100Z', durationMs: 1200, attempts: 2, error: 'Load failed: postgres://etl:s3cr3t-pass@db/x refused' }],
        error: Object.assign(new Error('task Load failed: postgres://etl:s3cr3t-pass@db/x refused'), { name: 'BigraysError' }),
      });
      expect(JSON.stringify(record)).not.to.contain('s3cr3t-pass');
      expect(record.tasks[0]).to.deep.equal({ name: 'Load', status: 'failed', startedAt: '1970-01-01T00:00:00.100Z', durationMs: 1200, attempts: 2, error: 'Load failed: postgres://etl:***@db/x refused' });
      expect(record.error).to.equal('BigraysError: task Load failed: postgres://etl:***@db/x refused');
      expect(record).to.include({ runId: 'r1', startedAt: '1970-01-01T00:00:00.000Z', endedAt: '1970-01-01T00:00:01.500Z', durationMs: 1500, exitCode: 1 });
      expect(record.options).to.deep.equal({ set: { day: '2026-01-01' }, only: ['Load'], local: false, dryRun: false });
    });

    it('should append whole lines to what the file holds', () => {
      const file = path.join(dir, 'runs.jsonl');
      writeFileSync(file, '{"earlier":true}\n');
      const record = runRecord({ runId: 'r2', command: command(), startedAt: 0, endedAt: 1, exitCode: 0, tasks: [] });
      appendRecord(file, record);
      appendRecord(file, { ...record, runId: 'r3' });
      expect(readFileSync(file, 'utf8').split('\n')).to.deep.equal(['{"earlier":true}', JSON.stringify(record), JSON.stringify({ ...record, runId: 'r3' }), '']);
    });
  });

  describe('bigrays run', () => {
    it('should append one line per run with --record, with each task and the masked error', async () => {
      const file = path.join(dir, 'runs.jsonl');
      const job = 'spec/fixtures/jobs/secret-failure.ts';
      const env = { BIGRAYS_DB_PWD: SECRET };
      const first = await spawnNode([cli, 'run', job, '--record', file, '--set', 'day=2026-03-01'], { cwd: root, env }).finished;
      expect(first.code, first.stderr).to.equal(1);
      const second = await spawnNode([cli, 'run', job, `--record=${file}`, '--only', 'Fine'], { cwd: root, env }).finished;
      expect(second.code, second.stderr).to.equal(0);

      expect(readFileSync(file, 'utf8')).not.to.contain(SECRET);
      const [failed, ok] = records(file);
      expect(failed.runId).to.match(/^[0-9a-f-]{36}$/).and.not.to.equal(ok.runId);
      expect(failed).to.include({ job: path.join(root, job), exitCode: 1 });
      expect(failed.options).to.deep.equal({ set: { day: '2026-03-01' }, only: [], local: false, dryRun: false });
      expect(failed.tasks.map((t) => [t.name, t.status, t.attempts])).to.deep.equal([['Fine', 'ok', 1], ['Leaky', 'failed', 1]]);
      expect(failed.tasks[1].error).to.equal('Leaky failed: login refused for password ***');
      expect(failed.error).to.contain('Leaky failed: login refused for password ***');
      expect(Date.parse(failed.startedAt)).to.be.at.most(Date.parse(failed.tasks[0].startedAt!));
      expect(Date.parse(failed.tasks[1].startedAt!)).to.be.at.most(Date.parse(failed.endedAt));
      expect(failed.durationMs).to.equal(Date.parse(failed.endedAt) - Date.parse(failed.startedAt));
      expect(Date.parse(ok.startedAt)).to.be.at.least(Date.parse(failed.endedAt));
      expect(ok).to.include({ exitCode: 0 }).and.not.to.have.property('error');
      expect(ok.options.only).to.deep.equal(['Fine']);
      expect(ok.tasks.map((t) => t.name)).to.deep.equal(['Fine']);
    });

    it('should append to the file BIGRAYS_RUN_LOG names, a dry run too', async () => {
      const file = path.join(dir, 'log', 'runs.jsonl');
      const missingDir = await spawnNode([cli, 'run', 'spec/fixtures/jobs/greet.ts'], { cwd: root, env: { BIGRAYS_RUN_LOG: file } }).finished;
      expect(missingDir.code).to.equal(2);
      expect(missingDir.stderr).to.contain(`BIGRAYS_RUN_LOG=${file}: cannot append the run record to ${file} (its directory does not exist): create its directory, or name another file`);

      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(path.join(tmpdir(), 'bigrays-record-'));
      const log = path.join(dir, 'runs.jsonl');
      const result = await spawnNode([cli, 'run', 'spec/fixtures/jobs/greet.ts', '--dry-run', '--json'], { cwd: root, env: { BIGRAYS_RUN_LOG: log } }).finished;
      expect(result.code, result.stderr).to.equal(0);
      const [record] = records(log);
      expect(record.options.dryRun).to.equal(true);
      expect(record.exitCode).to.equal(0);
      expect(record.tasks.length).to.be.above(0);
      expect(record.tasks.every((t) => t.status === 'skipped')).to.equal(true);
    });

    it('should record a run SIGTERM interrupted, with the signal', async () => {
      const file = path.join(dir, 'runs.jsonl');
      const run = spawnNode([cli, 'run', 'spec/fixtures/jobs/waits.ts', '--record', file], { cwd: root, env: { MARK: path.join(dir, 'after.txt') } });
      await run.printed(/slow task started/);
      run.child.kill('SIGTERM');
      const result = await run.finished;
      expect(result.code, result.stderr).to.equal(143);
      const [record] = records(file);
      expect(record).to.include({ exitCode: 143, signal: 'SIGTERM' });
      expect(record.tasks.map((t) => [t.name, t.status])).to.deep.equal([['Quick', 'ok'], ['Slow', 'failed'], ['After', 'skipped']]);
      expect(record.tasks[1].error).to.contain('interrupted by SIGTERM');
      expect(existsSync(path.join(dir, 'after.txt'))).to.equal(false);
    });
  });
});
