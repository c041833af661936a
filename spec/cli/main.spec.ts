/** The `bigrays` command, spawned as a user runs it. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root, spawnCli, type CliResult } from '../support/cli';

const job = (name: string) => path.join('spec/fixtures/jobs', name);

function bigrays(args: string[], env: Record<string, string | undefined> = {}, cwd = root): Promise<CliResult> {
  return spawnCli(args, { env, cwd });
}

describe('the bigrays command', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should run a TypeScript job, print a summary table and exit 0', async () => {
    const out = path.join(dir, 'greeting.txt');
    const result = await bigrays(['run', job('greet.ts')], { GREET_OUT: out });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/Task\s+Status\s+Duration/);
    expect(result.stdout).to.match(/^Hello\s+ok\s+\d+ ms/m);
    expect(result.stdout).to.match(/^Save\s+ok/m);
    expect(result.stdout).to.contain('3 ok, 0 failed, 0 skipped');
    expect(result.stdout).to.contain('job finished'); // the job's own code after bigraysRun() ran
    expect(readFileSync(out, 'utf8')).to.equal('HELLO WORLD\n');
  });

  it('should let --set override the script\'s keywords', async () => {
    const out = path.join(dir, 'greeting.txt');
    const result = await bigrays(['run', job('greet.ts'), '--set', 'who=bigrays', `--set=out=${out}`]);
    expect(result.status, result.stderr).to.equal(0);
    expect(readFileSync(out, 'utf8')).to.equal('HELLO BIGRAYS\n');
  });

  it('should run only the tasks named with --only, and from a task on with --from', async () => {
    const [only, from] = await Promise.all([bigrays(['run', job('greet.ts'), '--only', 'Hello']), bigrays(['run', job('failing.ts'), '--from', 'Load'])]);
    expect(only.status, only.stderr).to.equal(0);
    expect(only.stdout).to.match(/^Hello\s+ok/m);
    expect(only.stdout).not.to.match(/^Shout/m);
    expect(only.stdout).to.contain('1 ok, 0 failed, 0 skipped');

    expect(from.status, from.stderr).to.equal(0);
    expect(from.stdout).to.match(/^Load\s+ok/m);
    expect(from.stdout).to.match(/^Alert\s+ok/m);
    expect(from.stdout).not.to.match(/^Transform/m);
  });

  it('should refuse an unknown task name with the job\'s task names and exit 2', async () => {
    const result = await bigrays(['run', job('greet.ts'), '--only', 'Helo']);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('no task named `Helo` (did you mean `Hello`?) in this job; its tasks: Hello, Shout, Save');
  });

  it('should exit 1 when a task failed, with the message and no stack dump', async () => {
    const result = await bigrays(['run', job('failing.ts')]);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(/^Transform\s+failed/m);
    expect(result.stdout).to.match(/^Load\s+skipped/m);
    expect(result.stdout).to.contain('alert sent');
    expect(result.stdout).to.contain('2 ok, 1 failed, 1 skipped');
    expect(result.stderr).to.contain('bigrays run failed: task Transform failed');
    expect(result.stderr).to.contain('row 7 has no id');
    expect(result.stderr).not.to.match(/\n\s+at /);
  });

  it('should show the stack when DEBUG=bigrays* is set', async () => {
    const result = await bigrays(['run', job('failing.ts')], { DEBUG: 'bigrays*' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/\n\s+at /);
  });

  it('should exit 2 naming the env var when configuration is missing', async () => {
    const result = await bigrays(['run', job('needs-db.ts')]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('ConfigurationError: Missing configuration');
    expect(result.stderr).to.contain('BIGRAYS_DB_DSN (needed by Pull)');
    expect(result.stdout).to.equal('');
  });

  it('should exit 2 naming the task and the keyword for a typo\'d keyword', async () => {
    const result = await bigrays(['run', job('typo-keyword.ts')]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('Report.key uses the keyword `ned`, which is not set');
  });

  it('should exit 2 naming the class and attribute a JavaScript job forgot', async () => {
    const result = await bigrays(['run', job('missing-attribute.js')], { BIGRAYS_DB_DSN: 'sqlite::memory:' });
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('TaskInterfaceError: Task attributes are missing or invalid:\n  Pull must define `query`');
  });

  it('should run an ES module job that awaits bigraysRun() at top level', async () => {
    const result = await bigrays(['run', job('top-level-await.mts')]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('after the run: ok,ok 21');
  });

  it('should run every bigraysRun() of a job, each with its own keywords', async () => {
    const result = await bigrays(['run', job('two-runs.mts')]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('load-2026-03-01\nload-2026-03-02\nbackfill done');
    expect(result.stdout).to.contain('2 ok, 0 failed, 0 skipped');
  });

  it('should exit 1 when the job\'s own code fails after a good run', async () => {
    const result = await bigrays(['run', job('after-run-failure.ts')]);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(/^Fine\s+ok/m);
    expect(result.stderr).to.contain('the job failed: post-processing broke');
  });

  it('should wait for the job\'s later code, keeping it local with --local', async () => {
    const result = await bigrays(['run', path.resolve(root, job('late-upload.ts')), '--local'], {
      BIGRAYS_AWS_ENDPOINT_URL: 'http://127.0.0.1:9', // anything reaching this would fail
      BIGRAYS_AWS_ACCESS_KEY_ID: 'real-looking',
      BIGRAYS_AWS_SECRET_ACCESS_KEY: 'real-looking-secret',
    }, dir);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('late upload done');
    expect(result.stdout).to.match(/^toS3\s+ok/m);
    expect(readFileSync(path.join(dir, '.bigrays/s3/late/after.txt'), 'utf8')).to.equal('written later');
  });

  it('should report, and keep the code, when the job calls process.exit()', async () => {
    const [ok, failing] = await Promise.all([bigrays(['run', job('exits.ts')]), bigrays(['run', job('exits.ts'), '--json'], { EXIT_CODE: '3' })]);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain('1 ok, 0 failed, 0 skipped');
    expect(failing.status).to.equal(3);
    expect(JSON.parse(failing.stdout).tasks[0]).to.include({ name: 'Work', status: 'ok' });
  });

  it('should end the job where it calls process.exit(), as node would', async () => {
    const mark = path.join(dir, 'mark.txt');
    const [inTask, guard] = await Promise.all([bigrays(['run', job('exit-in-task.ts')], { MARK: mark }), bigrays(['run', job('guard-exit.ts')], { MARK: mark })]);
    expect(inTask.status, inTask.stderr).to.equal(0);
    expect(inTask.stdout).to.contain('nothing to do today');
    expect(inTask.stdout).to.match(/^Check\s+ok/m);
    expect(inTask.stdout).to.match(/^Load\s+skipped/m);
    expect(existsSync(mark)).to.equal(false);
    expect(guard.status).to.equal(3);
    expect(existsSync(mark)).to.equal(false);
  });

  it('should keep a non-zero process.exitCode the job sets', async () => {
    expect((await bigrays(['run', job('own-exit-code.ts')])).status).to.equal(4);
  });

  it('should keep stdout to the JSON report with --json, sending what the job prints to stderr', async () => {
    const result = await bigrays(['run', job('noisy.ts'), '--json']);
    expect(result.status, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ ok: true });
    expect(result.stderr).to.contain('progress 50%').and.to.contain('all done');
  });

  it('should exit 2 for a configuration error in a functional call', async () => {
    const result = await bigrays(['run', job('functional-noconf.ts')]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('BIGRAYS_DB_DSN');
  });

  it('should report an exception the job throws later, and exit 1', async () => {
    const result = await bigrays(['run', job('uncaught.ts')]);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(/^Work\s+ok/m);
    expect(result.stderr).to.contain('the job failed: timer blew up');
  });

  it('should hand the job its options, --set keywords visible in getFormatKws(), in its own process with --json', async () => {
    const result = await bigrays(['run', job('options-echo.ts'), '--set', 'day=2026-05-01']);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('options env: gone'); // nothing passed on to what the job starts
    expect(result.stdout).to.contain('keywords: {"day":"2026-05-01"}');
    expect(result.stdout).to.contain('in task: {"day":"2026-05-01"}');
    // With --json the job runs in a process of its own, its options in BIGRAYS_RUN_OPTIONS, read once.
    const apart = await bigrays(['run', job('options-echo.ts'), '--set', 'day=2026-05-01', '--json']);
    expect(apart.status, apart.stderr).to.equal(0);
    expect(apart.stderr).to.contain('options env: gone');
    expect(apart.stderr).to.contain('connected: true');
    expect(apart.stderr).to.contain('in task: {"day":"2026-05-01"}');
  });

  it('should exit 2 naming @register for a job that registers and calls nothing', async () => {
    const result = await bigrays(['run', job('empty.ts')]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('the job spec/fixtures/jobs/empty.ts registered no tasks and called none');
    expect(result.stderr).to.contain('@register');
  });

  it('should leave a functional call\'s failure to the job, and report it when unhandled', async () => {
    const env = { BIGRAYS_DB_DSN: `sqlite:${path.join(dir, 'state.sqlite')}` };
    const handled = await bigrays(['run', job('functional-fails.ts')], env);
    expect(handled.status, handled.stderr).to.equal(0);
    expect(handled.stdout).to.contain('no state yet');
    expect(handled.stdout).to.match(/^sqlQuery\s+failed/m);
    const unhandled = await bigrays(['run', job('functional-fails.ts')], { ...env, UNHANDLED: '1' });
    expect(unhandled.status).to.equal(1);
    expect(unhandled.stderr).to.match(/TaskError: sqlQuery failed: no such column: nosuchcol/);
  });

  it('should apply --only and --from across every run of a job', async () => {
    const [only, from, planned, unknown] = await Promise.all([
      bigrays(['run', job('two-job-runs.ts'), '--only', 'Notify']),
      bigrays(['run', job('two-job-runs.ts'), '--from', 'Load']),
      bigrays(['run', job('two-job-runs.ts'), '--dry-run', '--from', 'Notify']),
      bigrays(['run', job('two-job-runs.ts'), '--only', 'Nope']),
    ]);
    expect(only.status, only.stderr).to.equal(0);
    expect(only.stdout).to.contain('ran Notify');
    expect(only.stdout).not.to.contain('ran Extract');
    expect(from.status, from.stderr).to.equal(0);
    expect(from.stdout).to.match(/ran Load\nran Notify/);
    expect(from.stdout).not.to.contain('ran Extract');
    expect(planned.status, planned.stderr).to.equal(0);
    expect(planned.stdout).to.contain('1. Notify');
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.contain('no task named `Nope` in this job; its tasks: Extract, Load, Notify');
  });

  it('should exit 2 for a job that does not load', async () => {
    const [missing, broken] = await Promise.all([bigrays(['run', job('nope.ts')]), bigrays(['run', job('broken-syntax.ts')])]);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.contain('no job script at spec/fixtures/jobs/nope.ts');
    expect(broken.status).to.equal(2);
    expect(broken.stderr).to.contain('could not load the job spec/fixtures/jobs/broken-syntax.ts');
  });

  it('should exit 2 for bad arguments, with one line and where the help is', async () => {
    const cases = [['run'], ['run', 'a.ts', '--bogus'], ['launch'], ['run', 'a.ts', '--set', 'novalue']];
    const results = await Promise.all(cases.map((args) => bigrays(args)));
    for (const [i, args] of cases.entries()) {
      const result = results[i];
      expect(result.status, args.join(' ')).to.equal(2);
      expect(result.stderr, args.join(' ')).to.match(/^bigrays( run)?: [^\n]+\nsee `bigrays( run)? --help`\n$/);
    }
  });

  it('should print the plan with --dry-run, opening and changing nothing', async () => {
    const out = path.join(dir, 'greeting.txt');
    const db = path.join(dir, 'never.sqlite');
    const result = await bigrays(['run', job('greet.ts'), '--dry-run', '--set', 'who=plan'], { GREET_OUT: out });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('Dry run: nothing is opened, nothing is changed.');
    expect(result.stdout).to.contain('1. Hello\n     key: hello plan');
    expect(result.stdout).to.contain('2. Shout\n     input: Hello.output');
    expect(result.stdout).to.contain(`3. Save\n     filename: ${out}`);
    expect(result.stdout).not.to.contain('job finished');
    expect(existsSync(out)).to.equal(false);

    const sql = await bigrays(['run', job('needs-db.ts'), '--dry-run'], { BIGRAYS_DB_DSN: `sqlite:${db}` });
    expect(sql.status, sql.stderr).to.equal(0);
    expect(sql.stdout).to.contain(`· open SQLSession (sqlite:${db})`);
    expect(sql.stdout).to.contain('1. Pull\n     query: select 1 as one');
    expect(sql.stdout).to.contain(`· close SQLSession (sqlite:${db})`);
    expect(existsSync(db)).to.equal(false);
  });

  it('should still check configuration in a dry run', async () => {
    const result = await bigrays(['run', job('needs-db.ts'), '--dry-run']);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('BIGRAYS_DB_DSN');
  });

  it('should print the report as JSON with --json', async () => {
    const ok = await bigrays(['run', job('greet.ts'), '--json']);
    expect(ok.status).to.equal(0);
    const body = JSON.parse(ok.stdout.slice(0, ok.stdout.lastIndexOf('}') + 1).replace(/^[^{]*/, '')) as { ok: boolean; tasks: Array<{ name: string; status: string; durationMs: number }> };
    expect(body.ok).to.equal(true);
    expect(body.tasks.map((t) => `${t.name}:${t.status}`)).to.deep.equal(['Hello:ok', 'Shout:ok', 'Save:ok']);
    expect(body.tasks[0].durationMs).to.be.a('number');

    const failed = await bigrays(['run', job('failing.ts'), '--json']);
    expect(failed.status).to.equal(1);
    const report = JSON.parse(failed.stdout.slice(failed.stdout.indexOf('{'))) as { ok: boolean; error: string; tasks: Array<{ status: string; error?: string }> };
    expect(report.ok).to.equal(false);
    expect(report.error).to.contain('Transform');
    expect(report.tasks[1]).to.include({ status: 'failed', error: 'Transform failed: row 7 has no id' });
  });

  it('should list configuration with secrets masked', async () => {
    const result = await bigrays(['config'], {
      BIGRAYS_DB_DSN: 'postgres://etl:Dsn-Secret-1@db/x',
      BIGRAYS_AWS_SECRET_ACCESS_KEY: 'Aws-Secret-2',
      BIGRAYS_MY_OWN: 'visible',
    });
    expect(result.status).to.equal(0);
    expect(result.stdout).to.match(/BIGRAYS_DB_DSN\s+= postgres:\/\/etl:\*\*\*@db\/x/);
    expect(result.stdout).to.match(/BIGRAYS_AWS_SECRET_ACCESS_KEY\s+= \*\*\*/);
    expect(result.stdout).to.match(/BIGRAYS_AWS_REQUIRE_SECRETS\s+= true \(default\)/);
    expect(result.stdout).to.match(/BIGRAYS_AWS_REGION\s+\(not set\)/);
    expect(result.stdout).to.match(/BIGRAYS_MY_OWN\s+= visible\n\s+\(not a key bigrays knows/);
    expect(result.stdout).not.to.contain('Dsn-Secret-1');
    expect(result.stdout).not.to.contain('Aws-Secret-2');
  });
});
