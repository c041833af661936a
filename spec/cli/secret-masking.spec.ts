/**
 * DSN passwords that hold a space, a quote, `<`, a backtick, a tab, `%`, `@` or unicode — as
 * written in the DSN and percent-encoded — never show on any output: `bigrays config` (text and
 * --json), `bigrays run --json`, the --record run record, DEBUG lines, the errors of a failed
 * run, the Lambda handler's thrown error. And such a password really connects.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { displayValue, maskDsn, scrub } from '../../lib/secrets';
import { BigraysConfig } from '../../lib';
import { root } from '../support/cli';
import { admin } from '../support/pg-admin';
import { freshPostgresDsn, postgresPort } from '../support/sql-hooks';
import { spawnNode, type Finished } from '../support/spawn';

const cli = path.join(root, 'dist/cli/main.js');
const job = 'spec/fixtures/jobs/each-dsn.ts';

/** A task of the run's --json report. */
interface RunTask { name: string; status: string; error?: string }

/** Passwords of 6 characters or more (shorter ones are masked where they stand, not by value). */
const HOSTILE: Array<[string, string]> = [
  ['a space', 'pa ss word'],
  ['a double quote', 'pa"ss-word'],
  ['a quote', "pa'ss-word"],
  ['< and >', 'pa<ss>word'],
  ['a backtick', 'pa`ss-word'],
  ['a tab', 'pa\tss-word'],
  ['a %', 'pa%ss-word'],
  ['an @', 'pa@ss-word'],
  ['unicode', 'pässwörd-ü€'],
  ['a semicolon', 'pa;ss-word'],
  ['a long one', `L0ng-${'x9'.repeat(150)}`],
];

/** Every way a password may be written out: as it is, percent-encoded, escaped inside JSON text. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), JSON.stringify(encodeURIComponent(secret)).slice(1, -1)])];
}

/** The DSNs of `password` the DSN parser takes: percent-encoded always, as it is when it holds no `%` or `@`. */
function dsns(password: string, hostPort: string, user = 'postgres', db = 'postgres'): string[] {
  const encoded = `postgres://${user}:${encodeURIComponent(password)}@${hostPort}/${db}`;
  return /[%@]/.test(password) ? [encoded] : [encoded, `postgres://${user}:${password}@${hostPort}/${db}`];
}

function expectNoSecret(text: string, secrets: string[], where: string): void {
  for (const secret of secrets) for (const form of forms(secret)) expect(text.includes(form), `${where} shows ${JSON.stringify(form)}`).to.equal(false);
}

function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const ALL = HOSTILE.map(([, password]) => password);
const AWS_SECRET = 'wJal rX"Ut\tnF<EMI`K7';
const AWS_TOKEN = "Fwo'GZ XIvYXdz EO+/a b";
const DB_PWD = 'db pwd"with\'all`of<it';

describe('DSN passwords a URL scanner would cut short', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-masking-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should mask every such password in a config value and in running text, by position and by value', () => {
    for (const [what, password] of HOSTILE) {
      for (const dsn of dsns(password, 'db.example:5432')) {
        expect(displayValue('DB_DSN', dsn), what).to.equal('postgres://postgres:***@db.example:5432/postgres');
        expect(displayValue('MY_OTHER_DSN', dsn), what).to.equal('postgres://postgres:***@db.example:5432/postgres');
        expect(maskDsn(`could not connect to ${dsn}: refused`), what).to.equal('could not connect to postgres://postgres:***@db.example:5432/postgres: refused');
        BigraysConfig.DB_DSN = dsn;
        expectNoSecret(scrub(`password was ${password}, encoded ${encodeURIComponent(password)}, json ${JSON.stringify(password)}`), [password], what);
      }
    }
    // In a password= parameter too, read as the drivers read it: split on `&` alone, a `;` is part of the value.
    for (const [what, password] of HOSTILE) {
      const written = /[%&#+]/.test(password) ? encodeURIComponent(password) : password;
      expect(displayValue('DB_DSN', `postgres://u@db.example/x?password=${written}`), what).to.equal('postgres://u@db.example/x?password=***');
      expect(displayValue('DB_DSN', `postgres://u@db.example/x?sslmode=disable&password=${written}&x=1`), what)
        .to.equal('postgres://u@db.example/x?sslmode=disable&password=***&x=1');
    }
    expect(maskDsn('could not connect to postgres://u@db.example/x?password=a;bcdefgh&x=1 now')).to.equal('could not connect to postgres://u@db.example/x?password=***&x=1 now');
    const param = `mssql://sa@db/x?password=${encodeURIComponent('pa ss"word')}&encrypt=true`;
    expect(displayValue('DB_DSN', param)).to.equal('mssql://sa@db/x?password=***&encrypt=true');
    expect(displayValue('DB_DSN', 'mssql://sa@db/x?password=pa ss"word&encrypt=true')).to.equal('mssql://sa@db/x?password=***&encrypt=true');
  });

  it('should show none of them in bigrays config, text and --json, nor DB_PWD or the AWS secrets', async () => {
    const env: Record<string, string> = {
      BIGRAYS_DB_DSN: dsns(HOSTILE[0][1], '127.0.0.1:5432')[1],
      BIGRAYS_DB_PWD: DB_PWD,
      BIGRAYS_AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      BIGRAYS_AWS_SESSION_TOKEN: AWS_TOKEN,
    };
    HOSTILE.forEach(([, password], i) => dsns(password, '127.0.0.1:5432').forEach((dsn, j) => (env[`BIGRAYS_DSN_${i}_${j}`] = dsn)));
    for (const args of [['config'], ['config', '--json']]) {
      const result = await spawnNode([cli, ...args], { cwd: root, env }).finished;
      expect(result.code, result.stderr).to.equal(0);
      expectNoSecret(result.stdout + result.stderr, [...ALL, AWS_SECRET, AWS_TOKEN, DB_PWD], `bigrays ${args.join(' ')}`);
      expect(result.stdout).to.contain('postgres://postgres:***@127.0.0.1:5432/postgres');
    }
  });

  /**
   * One `bigrays run --json --record FILE` with DEBUG on, of a job that queries the database of
   * BIGRAYS_DB_DSN (`envDsn`), then each of `dsns` through a task's resourceConfig: every task's
   * outcome, and everything the run prints and records.
   */
  async function runEverywhere(envDsn: string, dsns: string[], extra: Record<string, string> = {}): Promise<{ result: Finished; tasks: RunTask[]; shown: string }> {
    const file = path.join(dir, 'runs.jsonl');
    const result = await spawnNode([cli, 'run', job, '--json', '--record', file], {
      cwd: root,
      env: { BIGRAYS_DB_DSN: envDsn, DSN_LIST: JSON.stringify(dsns), DEBUG: 'bigrays*', BIGRAYS_AWS_SECRET_ACCESS_KEY: AWS_SECRET, BIGRAYS_AWS_SESSION_TOKEN: AWS_TOKEN, ...extra },
      limitMs: 120_000,
    }).finished;
    const shown = `${result.stdout}\n${result.stderr}\n${readFileSync(file, 'utf8')}`;
    const { tasks } = JSON.parse(result.stdout) as { tasks: RunTask[] };
    expect(tasks.map((task) => task.name), result.stderr).to.deep.equal(['Pull', ...dsns.map((_, i) => `Pull${i}`)]);
    return { result, tasks, shown };
  }

  it('should show none of them when the run fails on a port that never listens: --json, --record, DEBUG, errors', async () => {
    const port = await deadPort();
    const cases = HOSTILE.flatMap(([what, password]) => dsns(password, `127.0.0.1:${port}`).map((dsn) => ({ what, password, dsn })));
    // BIGRAYS_DB_DSN holds the first password as written; the tasks' resourceConfig every form of each.
    const { result, tasks, shown } = await runEverywhere(cases[1].dsn, cases.map(({ dsn }) => dsn));
    expect(result.code, result.stderr).to.equal(1);
    for (const [task, what] of [[tasks[0], 'BIGRAYS_DB_DSN'], ...tasks.slice(1).map((task, i) => [task, cases[i].what])] as Array<[RunTask, string]>) {
      expect(task.status, what).to.equal('failed');
      expect(task.error, what).to.match(/refused/i);
      expect(task.error, what).to.contain(`postgres://postgres:***@127.0.0.1:${port}/postgres`);
    }
    expectNoSecret(shown, [...ALL, AWS_SECRET, AWS_TOKEN], 'bigrays run');
  });

  it('should connect with each of them, encoded and as written, and show none of them when the password is wrong', async () => {
    const base = await freshPostgresDsn();
    const db = new URL(base).pathname.slice(1);
    const cases: Array<{ what: string; dsn: string; role: string }> = [];
    for (const [i, [what, password]] of HOSTILE.entries()) {
      const role = `bigrays_hostile_${process.pid}_${i}`;
      await admin(base, `drop role if exists ${role}`);
      await admin(base, `create role ${role} login password '${password.replace(/'/g, "''")}'`);
      for (const dsn of dsns(password, `127.0.0.1:${postgresPort()}`, role, db)) cases.push({ what, dsn, role });
    }
    try {
      // BIGRAYS_DB_DSN holds the first password as written; the tasks' resourceConfig every form of each.
      const right = await runEverywhere(cases[1].dsn, cases.map(({ dsn }) => dsn));
      expect(right.result.code, right.result.stderr).to.equal(0);
      right.tasks.forEach((task, i) => expect(task.status, i ? cases[i - 1].what : 'BIGRAYS_DB_DSN').to.equal('ok'));
      expectNoSecret(right.shown, ALL, 'a run that connects');
      const wrongDsns = cases.map(({ dsn, role }) => dsn.replace(`${role}:`, 'postgres:'));
      const wrong = await runEverywhere(wrongDsns[1], wrongDsns, { BIGRAYS_DB_PWD: DB_PWD });
      expect(wrong.result.code, wrong.result.stderr).to.equal(1);
      wrong.tasks.forEach((task, i) => expect(task.error, i ? cases[i - 1].what : 'BIGRAYS_DB_DSN').to.match(/password authentication failed/));
      expectNoSecret(wrong.shown, [...ALL, DB_PWD], 'a run refused its password');
    } finally {
      for (const i of HOSTILE.keys()) await admin(base, `drop role if exists bigrays_hostile_${process.pid}_${i}`);
    }
  });

  it('should keep DB_PWD out of the dry-run plan, text and --json, where params and a quoted keyword hold it', async () => {
    for (const args of [['--dry-run'], ['--dry-run', '--json']]) {
      const result = await spawnNode([cli, 'run', 'spec/fixtures/jobs/secret-params.ts', ...args], {
        cwd: root,
        env: { BIGRAYS_DB_DSN: `sqlite:${path.join(dir, 'plan.db')}`, BIGRAYS_DB_PWD: DB_PWD },
      }).finished;
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain('Check');
      expect(result.stdout).to.contain('***');
      // {pw!q} renders the password as an SQL string literal, its quote doubled.
      expectNoSecret(`${result.stdout}\n${result.stderr}`, [DB_PWD, DB_PWD.replace(/'/g, "''")], `bigrays run ${args.join(' ')}`);
    }
  });

  it('should keep them out of the Lambda handler\'s thrown error and its log', async () => {
    const port = await deadPort();
    // One handler process: BIGRAYS_DB_DSN holds the first password, the tasks' resourceConfig each of them.
    const list = HOSTILE.map(([, password]) => dsns(password, `127.0.0.1:${port}`)[0]);
    const fixtures = path.join(root, 'spec/fixtures/lambda');
    const run = await spawnNode([path.join(fixtures, 'runtime.mjs'), path.join(fixtures, 'each-dsn.mjs'), '60000', '{}'], {
      env: { BIGRAYS_DB_DSN: list[0], DSN_LIST: JSON.stringify(list), DEBUG: 'bigrays*' },
    }).finished;
    expect(run.code, run.stderr).to.equal(0);
    const outcome = JSON.parse(run.stdout.trim().split('\n').filter((line) => line.startsWith('{')).pop()!) as { errorType?: string; errorMessage?: string };
    expect(outcome.errorType).to.equal('BigraysError');
    for (const name of ['Sleep', ...HOSTILE.map((_, i) => `Sleep${i}`)]) expect(outcome.errorMessage).to.match(new RegExp(`\\b${name}\\b`));
    expectNoSecret(`${run.stdout}\n${run.stderr}`, ALL, 'the Lambda handler');
  });
});
