/** The runtime: one object holds the registry, keywords, assigned config and secrets; one reset empties it. */
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, clearFormatKws, getFormatKws, wrapTask, outputOf, register, registeredTasks, Resource, SQLStream, Task, updateFormatKws } from '../lib';
import { freshSqliteDsn, sqliteLoads } from './support/sql-hooks';
import { runOn } from '../lib/run';
import { defaultRuntime, Runtime } from '../lib/runtime';
import { scrub, rememberSecrets } from '../lib/secrets';

describe('the runtime', () => {
  it('should hold what the public functions change', () => {
    class A extends Task { run() {} }
    register(A);
    updateFormatKws({ day: 'mon' });
    BigraysConfig.MY_KEY = 'v';
    rememberSecrets({ DB_PWD: 'Hidden-Pwd-1' });
    expect(defaultRuntime.registry).to.deep.equal([A]);
    expect(defaultRuntime.keywords.all()).to.deep.equal({ day: 'mon' });
    expect(defaultRuntime.config.get('MY_KEY')).to.equal('v');
    expect(defaultRuntime.secrets.has('Hidden-Pwd-1')).to.equal(true);
  });

  it('should forget everything on reset()', () => {
    class B extends Task { run() {} }
    register(B);
    updateFormatKws({ day: 'mon' });
    defaultRuntime.keywords.pin({ day: 'pinned' });
    BigraysConfig.MY_KEY = 'v';
    rememberSecrets({ DB_PWD: 'Hidden-Pwd-2' });
    defaultRuntime.reset();
    expect(registeredTasks()).to.deep.equal([]);
    expect(getFormatKws()).to.deep.equal({});
    expect(BigraysConfig.MY_KEY).to.equal(undefined);
    expect(scrub('x Hidden-Pwd-2')).to.equal('x Hidden-Pwd-2');
  });

  it('should show pinned keywords (the command\'s --set) in getFormatKws(), over the job\'s own', () => {
    updateFormatKws({ day: 'mon', who: 'me' });
    defaultRuntime.keywords.pin({ day: 'pinned' });
    expect(getFormatKws()).to.deep.equal({ day: 'pinned', who: 'me' });
    clearFormatKws();
    expect(getFormatKws()).to.deep.equal({ day: 'pinned' });
  });

  it('should keep separate runtimes apart', () => {
    const other = new Runtime();
    other.keywords.update({ day: 'tue' });
    expect(getFormatKws()).to.deep.equal({});
    expect(other.keywords.for({ own: 1 })).to.deep.equal({ day: 'tue', own: 1 });
  });

  it('should run tasks on a runtime of its own: its keywords, its config, its last run', async () => {
    const other = new Runtime();
    updateFormatKws({ day: 'mon' });
    BigraysConfig.TASK_TIMEOUT_MS = '60000';
    other.keywords.update({ day: 'tue' });
    other.config.set('TASK_TIMEOUT_MS', '1');
    const seen: string[] = [];
    class Day extends Task<string> {
      key = '{day}';
      async run() {
        seen.push(this.key);
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 200);
          this.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(this.signal.reason);
          });
        });
        return this.key;
      }
    }
    const [mine, theirs] = await Promise.allSettled([runOn(defaultRuntime, [Day]), runOn(other, [Day])]);
    expect(mine.status).to.equal('fulfilled');
    expect(theirs.status, 'the other runtime\'s 1 ms deadline').to.equal('rejected');
    expect((theirs as PromiseRejectedResult).reason.message).to.contain('Day timed out after 1 ms (BIGRAYS_TASK_TIMEOUT_MS)');
    expect(seen).to.have.members(['mon', 'tue']);
    expect(Day.output, 'X.output reads the default runtime\'s last run').to.equal('mon');
    expect(other.latest?.states.get(Day)).to.equal('failed');
  });

  it('should mask in a run\'s messages the secrets its own runtime saw, an earlier task\'s config too', async () => {
    const other = new Runtime();
    class Connects extends Task { resourceConfig = { DB_PWD: 'Other-Runtime-Pwd-1' }; run() {} }
    class Leaks extends Task { run(): void { throw new Error('could not log in with Other-Runtime-Pwd-1'); } }
    const error = (await runOn(other, [Connects, Leaks]).then(() => undefined, (e: unknown) => e)) as Error & { report: { tasks: Array<{ error?: string }> } };
    expect(error.message).to.contain('could not log in with ***').and.not.to.contain('Other-Runtime-Pwd-1');
    expect(error.report.tasks[1].error).to.equal('Leaks failed: could not log in with ***');
    expect(defaultRuntime.secrets.has('Other-Runtime-Pwd-1'), 'the default runtime saw nothing').to.equal(false);
  });

  it('should give a task of a second runtime its run\'s resource handle, earlier outputs and keywords inside run()', async () => {
    const other = new Runtime();
    other.keywords.update({ who: 'other' });
    class Counter extends Resource<{ opened: number }> {
      private opened = 0;
      open() {
        this.opened += 1;
        return { opened: this.opened };
      }
    }
    const counter = new Counter();
    class First extends Task<string> { requiredResource = counter; run() { return this.render('first of {who}'); } }
    class Second extends Task<string> {
      requiredResource = counter;
      run() { return `${outputOf(First)}, ${First.output}, handle ${this.requiredResource.handle.opened}`; }
    }
    const report = await runOn(other, [First, Second]);
    expect(report.tasks.map((t) => t.status)).to.deep.equal(['ok', 'ok']);
    expect(other.latest?.outputs.get(Second)).to.equal('first of other, first of other, handle 1');
    expect(defaultRuntime.latest, 'the default runtime ran nothing').to.equal(undefined);
  });

  it('should read SQL rows in a run of a second runtime', async function () {
    if (!sqliteLoads()) this.skip();
    const other = new Runtime();
    other.config.set('DB_DSN', freshSqliteDsn());
    class Rows extends SQLStream { query = 'select 1 as one union all select 2'; }
    class Sum extends Task<number> {
      rows = Rows.output;
      async run() {
        let sum = 0;
        for await (const row of this.rows as AsyncIterable<unknown[] | Record<string, unknown>>) sum += Number(Array.isArray(row) ? row[0] : row.one);
        return sum;
      }
    }
    await runOn(other, [Rows, Sum]);
    expect(other.latest?.outputs.get(Sum)).to.equal(3);
  });

  it('should run a functional call, a keyword change and a nested bigraysRun inside a task on that task\'s runtime', async () => {
    const other = new Runtime();
    other.keywords.update({ who: 'other' });
    class Inner extends Task<string> { run() { return this.render('inner of {who}'); } }
    class Outer extends Task<string> {
      async run() {
        updateFormatKws({ who: 'changed' });
        const called = await wrapTask('inner', Inner)({});
        const report = await bigraysRun(Inner);
        return `${called}; ${report.tasks[0].status}`;
      }
    }
    await runOn(other, [Outer]);
    expect(other.latest?.outputs.get(Outer)).to.equal('inner of changed; ok');
    expect(getFormatKws(), 'the default runtime\'s keywords are untouched').to.deep.equal({});
  });
});

