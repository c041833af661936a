/**
 * The README's Quick start, as a newcomer runs it: its job.ts saved as it stands, run with the
 * command its last shell block gives, twice in one folder, checking the folder after each run.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnCli } from './support/cli';
import { fencedBlocks, root, section } from './support/docs';

/** The Quick start's job and the arguments its command gives `bigrays`. */
function quickStart(): { job: string; args: string[] } {
  const text = section(readFileSync(path.join(root, 'README.md'), 'utf8'), 'Quick start');
  const ts = fencedBlocks(text, 'ts');
  const sh = fencedBlocks(text, 'sh');
  expect(ts, 'a ts block in the Quick start').to.have.length.greaterThan(0);
  const command = sh[sh.length - 1]?.code.split('\n').find((line) => line.startsWith('node_modules/.bin/bigrays '));
  expect(command, 'the Quick start runs node_modules/.bin/bigrays').to.be.a('string');
  return { job: ts[0].code, args: command!.trim().split(/\s+/).slice(1) };
}

describe('the README Quick start', function () {
  this.timeout(240_000);
  // Inside the package, so that the job's `from 'bigrays'` resolves to it, as it does in a project.
  const jobDir = path.join(root, '.readme-blocks', 'quick-start');
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'bigrays-quick-start-'));
    mkdirSync(jobDir, { recursive: true });
  });
  after(() => {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(jobDir, { recursive: true, force: true });
  });

  it('should run offline, leave the CSV and the message where it says, and run again the same', async () => {
    const { job, args } = quickStart();
    const file = path.join(jobDir, 'job.ts');
    writeFileSync(file, job);
    const run = () => spawnCli(args.map((arg) => (arg === 'job.ts' ? file : arg)), { cwd });
    const csv = path.join(cwd, '.bigrays/s3/reports/sales/2026-01-01.csv');
    const messages = (): string[] => readFileSync(path.join(cwd, '.bigrays/sns/reports.jsonl'), 'utf8').trim().split('\n');

    const first = await run();
    expect(first.status, `${first.stdout}\n${first.stderr}`).to.equal(0);
    expect(first.stdout).to.contain('4 ok, 0 failed, 0 skipped');
    expect(readFileSync(csv, 'utf8')).to.equal('region,total\nnorth,120.5\nsouth,99.9\n');
    expect(messages().map((line) => (JSON.parse(line) as { message: string }).message)).to.deep.equal(['The daily sales report is in S3']);

    // What the second run finds in S3 is what the first left; it replaces it.
    writeFileSync(csv, 'region,total\nleft,0\n');
    const second = await run();
    expect(second.status, `${second.stdout}\n${second.stderr}`).to.equal(0);
    expect(second.stdout).to.contain('4 ok, 0 failed, 0 skipped');
    expect(readFileSync(csv, 'utf8')).to.equal('region,total\nnorth,120.5\nsouth,99.9\n');
    expect(messages()).to.have.length(2);
  });
});
