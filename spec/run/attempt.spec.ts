/** Deadlines, retries and the task's signal, in one process. */
import { expect } from 'chai';
import {
  BigraysConfig, bigraysRun, register, Resource, SQLQuery, SQLTask, Task, TaskError, TaskInterfaceError, wrapTask,
} from '../../lib';
import { isTransient, retryDelay, sleep } from '../../lib/retry';
import { failure } from '../helpers';
import { freshSqliteDsn } from '../support/sql-hooks';

/** An error as Node's sockets raise it. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

/** Resolves when `signal` aborts, rejecting with its reason. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
}

describe('task deadlines', () => {
  it('should abort the task\'s signal at timeoutMs, fail it naming the deadline, and skip the rest', async () => {
    let seen: unknown;
    @register class Slow extends Task {
      timeoutMs = 150;
      async run() {
        try {
          await untilAborted(this.signal);
        } catch (reason) {
          seen = reason;
          throw reason;
        }
      }
    }
    @register class Next extends Task { run() { return 1; } }
    const started = Date.now();
    const error = await failure(bigraysRun());
    // The task would wait forever: only its 150 ms deadline ends it.
    expect(Date.now() - started).to.be.below(10_000);
    expect(seen).to.be.instanceOf(TaskError);
    expect(error.report!.tasks.map((t) => t.status)).to.deep.equal(['failed', 'skipped']);
    expect(error.report!.tasks[0].error).to.match(/Slow timed out after 150 ms \(Slow\.timeoutMs\)/);
    expect(Slow && Next).to.be.a('function');
  });

  it('should take the deadline from BIGRAYS_TASK_TIMEOUT_MS when the task sets none', async () => {
    process.env.BIGRAYS_TASK_TIMEOUT_MS = '100';
    @register class Slow extends Task { run() { return untilAborted(this.signal); } }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0].error).to.match(/timed out after 100 ms \(BIGRAYS_TASK_TIMEOUT_MS\)/);
    expect(Slow).to.be.a('function');
  });

  it('should move on from a task that ignores its signal, after a short wind-down', async function () {
    this.timeout(30_000);
    let timer: NodeJS.Timeout | undefined;
    @register class Stubborn extends Task {
      timeoutMs = 100;
      run() { return new Promise<void>((resolve) => { timer = setTimeout(resolve, 8000); }); }
    }
    const started = Date.now();
    const error = await failure(bigraysRun());
    clearTimeout(timer);
    // Before the task's own 8 s end: the wind-down let the run move on.
    expect(Date.now() - started).to.be.within(100, 7_000);
    expect(error.report!.tasks[0].error).to.match(/timed out after 100 ms/);
    expect(Stubborn).to.be.a('function');
  });

  it('should stop a functional call made inside a task with that task\'s deadline', async () => {
    let inner: AbortSignal | undefined;
    const waitInside = wrapTask('WaitInside', class extends Task {
      run() { inner = this.signal; return untilAborted(this.signal); }
    });
    @register class Outer extends Task { timeoutMs = 150; run() { return waitInside({}); } }
    const error = await failure(bigraysRun());
    expect(inner?.aborted).to.equal(true);
    expect(error.report!.tasks[0].error).to.match(/Outer timed out after 150 ms/);
    expect(Outer).to.be.a('function');
  });

  it('should not try a task again once its deadline struck, nor run two attempts at once', async function () {
    this.timeout(30_000);
    let running = 0;
    let most = 0;
    let calls = 0;
    let timer: NodeJS.Timeout | undefined;
    @register class Stuck extends Task {
      timeoutMs = 100;
      retries = 3;
      retryDelayMs = 5;
      run() {
        calls += 1;
        running += 1;
        most = Math.max(most, running);
        // Ignores its signal, then fails as if its connection dropped.
        return new Promise<void>((_resolve, reject) => {
          timer = setTimeout(() => { running -= 1; reject(socketError('ECONNRESET')); }, 4000);
        });
      }
    }
    const error = await failure(bigraysRun());
    clearTimeout(timer);
    expect([calls, most]).to.deep.equal([1, 1]);
    expect(error.report!.tasks[0]).to.include({ status: 'failed', attempts: 1 });
    expect(error.report!.tasks[0].error).to.match(/Stuck timed out after 100 ms/);
    expect(Stuck).to.be.a('function');
  });

  it('should close a resource that finished opening only after its task was stopped', async function () {
    this.timeout(30_000);
    const events: string[] = [];
    class SlowToOpen extends Resource<string> {
      async open() {
        await new Promise((r) => setTimeout(r, 3500));
        events.push('opened');
        return 'handle';
      }
      async close() { events.push('closed'); }
    }
    const slow = new SlowToOpen();
    @register class Waits extends Task { timeoutMs = 100; requiredResource = slow; run() { return 1; } }
    await failure(bigraysRun());
    await new Promise((r) => setTimeout(r, 600));
    expect(events).to.deep.equal(['opened', 'closed']);
    expect(Waits).to.be.a('function');
  });

  it('should refuse a timeoutMs that is not a positive number, naming task and attribute', async () => {
    @register class Odd extends Task { timeoutMs = -5; run() { return 1; } }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskInterfaceError);
    expect(error.report!.tasks[0].error).to.match(/Odd\.timeoutMs must be a positive number of milliseconds, got -5/);
    expect(Odd).to.be.a('function');
  });

  it('should show a timeoutMs that is not a number as it was written (NaN, not null)', async () => {
    @register class Odd extends Task { timeoutMs = Number.NaN; run() { return 1; } }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0].error).to.match(/Odd\.timeoutMs must be a positive number of milliseconds, got NaN/);
    expect(Odd).to.be.a('function');
  });

  it('should show retries that are not a whole number as they were written (Infinity, not null)', async () => {
    @register class Unsure extends Task { retries = Number.POSITIVE_INFINITY; run() { return 1; } }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0].error).to.match(/Unsure: retries must be a whole number ≥ 0, got Infinity/);
    expect(Unsure).to.be.a('function');
  });

  it('should refuse a malformed BIGRAYS_TASK_TIMEOUT_MS, naming the env var', async () => {
    BigraysConfig.TASK_TIMEOUT_MS = 'soon';
    @register class Any extends Task { run() { return 1; } }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0].error).to.match(/BIGRAYS_TASK_TIMEOUT_MS must be a positive number of milliseconds, got `soon`/);
    expect(Any).to.be.a('function');
  });

  it('should give a task a signal that has not aborted while it runs normally', async () => {
    let aborted: boolean | undefined;
    @register class Fine extends Task { run() { aborted = this.signal.aborted; } }
    await bigraysRun();
    expect(aborted).to.equal(false);
    expect(Fine).to.be.a('function');
  });
});

describe('retries', () => {
  it('should try again after connection errors and report the attempts', async () => {
    let calls = 0;
    @register class Flaky extends Task {
      retries = 3;
      retryDelayMs = 10;
      run() {
        calls += 1;
        if (calls <= 2) throw socketError(calls === 1 ? 'ECONNREFUSED' : 'ECONNRESET');
        return 'done';
      }
    }
    const report = await bigraysRun();
    expect(calls).to.equal(3);
    expect(report.tasks[0]).to.include({ name: 'Flaky', status: 'ok', attempts: 3 });
    expect(Flaky).to.be.a('function');
  });

  it('should try a non-retryable error once', async () => {
    let calls = 0;
    @register class Broken extends Task {
      retries = 3;
      retryDelayMs = 10;
      run(): void { calls += 1; throw new TypeError('x is not a function'); }
    }
    const error = await failure(bigraysRun());
    expect(calls).to.equal(1);
    expect(error.report!.tasks[0]).to.include({ status: 'failed', attempts: 1 });
    expect(Broken).to.be.a('function');
  });

  it('should stop after `retries` more tries, failing with the last error', async () => {
    let calls = 0;
    @register class Down extends Task {
      retries = 2;
      retryDelayMs = 5;
      run(): void { calls += 1; throw socketError('ECONNREFUSED'); }
    }
    const error = await failure(bigraysRun());
    expect(calls).to.equal(3);
    expect(error.report!.tasks[0]).to.include({ status: 'failed', attempts: 3 });
    expect(error.report!.tasks[0].error).to.match(/ECONNREFUSED/);
    expect(Down).to.be.a('function');
  });

  it('should not try again where the task says a retry is not safe', async () => {
    let calls = 0;
    @register class Once extends Task {
      retries = 3;
      retryDelayMs = 5;
      override canRetry() { return false; }
      run(): void { calls += 1; throw socketError('ECONNRESET'); }
    }
    await failure(bigraysRun());
    expect(calls).to.equal(1);
    expect(Once).to.be.a('function');
  });

  it('should try again to open a resource that refused to connect, before the task ran', async () => {
    let opens = 0;
    class Wobbly extends Resource<string> {
      async open() {
        opens += 1;
        if (opens < 3) throw socketError('ECONNREFUSED');
        return 'handle';
      }
    }
    const wobbly = new Wobbly();
    let ran = 0;
    @register class Uses extends Task {
      requiredResource = wobbly;
      retries = 2;
      retryDelayMs = 5;
      override canRetry() { return false; } // the task's own work is never retried, its resource's opening is
      run() { ran += 1; return wobbly.handle; }
    }
    const report = await bigraysRun();
    expect([opens, ran]).to.deep.equal([3, 1]);
    expect(report.tasks[0].attempts).to.equal(3);
    expect(Uses).to.be.a('function');
  });

  it('should wait longer before each retry, with jitter', () => {
    expect(retryDelay(1000, 1, () => 0)).to.equal(500);
    expect(retryDelay(1000, 1, () => 1)).to.equal(1000);
    expect(retryDelay(1000, 3, () => 1)).to.equal(4000);
    expect(retryDelay(1000, 3, () => 0.5)).to.equal(3000);
  });

  it('should tell errors that can pass from those that cannot', () => {
    expect(isTransient(socketError('ECONNRESET'))).to.equal(true);
    expect(isTransient(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).to.equal(true);
    expect(isTransient(Object.assign(new Error('could not serialize access'), { code: '40001' }))).to.equal(true);
    expect(isTransient(Object.assign(new Error('Slow Down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }))).to.equal(true);
    expect(isTransient(new Error('wrapped', { cause: socketError('ETIMEDOUT') }))).to.equal(true);
    expect(isTransient(Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' }))).to.equal(false);
    expect(isTransient(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))).to.equal(false);
    expect(isTransient(new TypeError('x is not a function'))).to.equal(false);
  });

  it('should stop waiting between tries when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(sleep(5000, controller.signal)).to.be.rejectedWith('stop');
    expect(Date.now() - started).to.be.below(4_000);
  });
});

describe('retries of SQL tasks', () => {
  it('should not retry a query the database refused, and should retry an SQLTask of one\'s own', async () => {
    BigraysConfig.DB_DSN = freshSqliteDsn();
    let calls = 0;
    @register class Refused extends SQLQuery {
      retries = 3;
      retryDelayMs = 5;
      runWithExceptions = true;
      query = 'select * from no_such_table';
    }
    @register class Own extends SQLTask<number> {
      retries = 3;
      retryDelayMs = 5;
      runWithExceptions = true;
      async run() {
        calls += 1;
        if (calls === 1) throw socketError('ECONNRESET');
        return (await this.query('select 1 as one')).shape[0];
      }
    }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks.map((t) => [t.name, t.status, t.attempts])).to.deep.equal([
      ['Refused', 'failed', 1],
      ['Own', 'ok', 2],
    ]);
    expect(Refused && Own).to.be.a('function');
  });
});
