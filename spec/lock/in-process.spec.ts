/**
 * The run lock in a job's own process (`node job.mjs`, or a program that runs jobs): what takes
 * it (a top-level run, a functional call outside a run), what does not (a run or a call nested
 * in a task), and its settings, refused before anything runs.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BigraysConfig, bigraysRun, ConfigurationError, LockedError, register, ResourceError, Task } from '../../lib';
import { parseArgs, UsageError } from '../../lib/cli/args';
import { runTaskInstance } from '../../lib/run';
import { failure } from '../helpers';
import { freePort } from '../support/ports';

describe('the run lock in the job process', () => {
  let dir: string;
  let lease: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-lock-'));
    lease = path.join(dir, 'nightly.lock.json');
    Object.assign(BigraysConfig, { LOCK: true, STATE_URL: dir, JOB_NAME: 'nightly' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should hold the lease while the run runs, and remove it after', async () => {
    const seen: unknown[] = [];
    @register class Look extends Task { run() { seen.push(JSON.parse(readFileSync(lease, 'utf8'))); } }
    await bigraysRun(Look);
    expect(seen).to.have.length(1);
    expect(seen[0]).to.have.nested.property('holder.pid', process.pid);
    expect(existsSync(lease)).to.equal(false);
  });

  it('should not take it again for a run or a functional call nested in a task', async () => {
    const ran: string[] = [];
    class Inner extends Task { run() { ran.push('Inner'); } }
    class Called extends Task { run() { ran.push('Called'); return 7; } }
    @register class Outer extends Task {
      async run() {
        await bigraysRun(Inner);
        return runTaskInstance(new Called());
      }
    }
    const report = await bigraysRun(Outer);
    expect(report.tasks.map((t) => t.status)).to.deep.equal(['ok']);
    expect(ran).to.deep.equal(['Inner', 'Called']);
  });

  it('should refuse an overlapping run or functional call of the job with LockedError (exit code 75), running none of its tasks', async () => {
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => { letGo = resolve; });
    let started!: () => void;
    const holding = new Promise<void>((resolve) => { started = resolve; });
    const ran: string[] = [];
    class Holder extends Task { async run() { started(); await held; } }
    class Second extends Task { run() { ran.push('Second'); } }
    const first = bigraysRun(Holder);
    await holding;
    const error = await failure<LockedError>(bigraysRun(Second));
    expect(error).to.be.instanceOf(LockedError);
    expect(error.exitCode).to.equal(75);
    expect(error.message).to.contain('job nightly is locked').and.to.contain(`pid ${process.pid},`).and.to.contain('--wait-lock MS');
    expect(error.message).to.contain('this very process: a run or call of the job it started before');
    const call = await failure<LockedError>(runTaskInstance(new Second()));
    expect(call).to.be.instanceOf(LockedError);
    expect(ran).to.deep.equal([]);
    letGo();
    await first;
    await bigraysRun(Second);
    expect(ran).to.deep.equal(['Second']);
  });

  it('should take no lock without LOCK', async () => {
    BigraysConfig.LOCK = false;
    let present: boolean | undefined;
    @register class Look extends Task { run() { present = existsSync(lease); } }
    await bigraysRun(Look);
    expect(present).to.equal(false);
    expect(existsSync(lease)).to.equal(false);
  });

  it('should refuse the run, naming the database but not its password, when the PostgreSQL of the lock is not there', async () => {
    BigraysConfig.DB_DSN = `postgres://etl:Lock-Secret-91@127.0.0.1:${await freePort()}/jobs`;
    const ran: string[] = [];
    @register class Work extends Task { run() { ran.push('Work'); } }
    const error = await failure<ResourceError>(bigraysRun(Work));
    expect(error).to.be.instanceOf(ResourceError);
    expect(error.message).to.match(/^the run lock could not be taken: could not connect to 127\.0\.0\.1:\d+\/jobs .*connection refused/);
    expect(error.message).not.to.contain('Lock-Secret-91');
    expect(ran).to.deep.equal([]);
  });

  for (const [key, value, says] of [
    ['LOCK', 'maybe', 'BIGRAYS_LOCK must be true or false'],
    ['LOCK_WAIT_MS', 'soon', 'BIGRAYS_LOCK_WAIT_MS must be 0 or a positive number of milliseconds'],
    ['LOCK_LEASE_MS', '10', 'BIGRAYS_LOCK_LEASE_MS must be at least 1000 ms'],
  ] as const) {
    it(`should refuse ${key}=${value} before any task runs`, async () => {
      BigraysConfig[key] = value;
      const ran: string[] = [];
      @register class Work extends Task { run() { ran.push('Work'); } }
      const error = await failure<ConfigurationError>(bigraysRun(Work));
      expect(error).to.be.instanceOf(ConfigurationError);
      expect(error.message).to.contain(says);
      expect(error.exitCode).to.equal(2);
      expect(ran).to.deep.equal([]);
    });
  }
});

describe('bigrays run --lock / --wait-lock', () => {
  it('should read --lock, and --wait-lock MS as --lock that waits', () => {
    const plain = parseArgs(['run', 'job.ts', '--lock']) as { lock?: boolean; waitLockMs?: number };
    expect([plain.lock, plain.waitLockMs]).to.deep.equal([true, undefined]);
    expect(parseArgs(['run', 'job.ts', '--wait-lock', '1500'])).to.include({ lock: true, waitLockMs: 1500 });
    expect(parseArgs(['run', 'job.ts', '--wait-lock=0'])).to.include({ lock: true, waitLockMs: 0 });
  });

  it('should refuse a --wait-lock that is not a number of milliseconds', () => {
    expect(() => parseArgs(['run', 'job.ts', '--wait-lock', 'soon'])).to.throw(UsageError, '--wait-lock takes a number of milliseconds, got `soon`');
    expect(() => parseArgs(['run', 'job.ts', '--wait-lock'])).to.throw(UsageError, '--wait-lock needs a value');
  });
});
