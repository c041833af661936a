/**
 * Keywords in SQL text are safe by construction: a plain `{kw}` that could break out of its
 * place is refused before anything reaches the database, `{kw!q}` and `{kw!i}` quote for the
 * engine. Against real engines; `--set` keywords as the command's driver pins them in the job's
 * process, and through `bigrays run --set` as a user runs it.
 */
import { expect } from 'chai';
import * as path from 'node:path';
import {
  bigraysRun, BigraysConfig, BigraysError, getFormatKws, outputOf, register, SQLExecute, SQLQuery, SQLWrite, Task, TaskError, updateFormatKws,
  type DataFrame,
} from '../../lib';
import { CommandDriver } from '../../lib/job/command-driver';
import type { JobMessage, RunMessage } from '../../lib/job/messages';
import { runOn } from '../../lib/run';
import { defaultRuntime } from '../../lib/runtime';
import { root } from '../support/cli';
import { spawnNode } from '../support/spawn';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';
import { DIALECTS } from './dialects';

const cli = path.join(root, 'dist/cli/main.js');
const job = path.join(root, 'spec/fixtures/jobs/sql-keywords.ts');

/** `bigrays run spec/fixtures/jobs/sql-keywords.ts …` against `dsn`, spawned (never spawnSync: the emulator lives in this process). */
async function runJob(dsn: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnNode([cli, 'run', job, ...args], { cwd: root, env: { BIGRAYS_DB_DSN: dsn, ...env }, limitMs: 60_000 });
  return run.finished;
}

/** What the job of spec/fixtures/jobs/sql-keywords.ts is given (its KW_* env vars there). */
interface KeywordJob { statement?: string; query?: string; since?: boolean; show?: boolean; dryRun?: boolean }

/**
 * The job of spec/fixtures/jobs/sql-keywords.ts run in this process as `bigrays run --set`
 * runs it in the job's: the command's driver installed with `set` pinned, the tasks registered,
 * the default runtime's run. What the run threw (with the exit code the command would end
 * with), what Show saw (the keywords too with `show`, as KW_SHOW), the dry-run plan, the note on
 * unused --set keys.
 */
async function runSet(set: Record<string, string>, { statement, query, since, show, dryRun = false }: KeywordJob = {}) {
  const sent: JobMessage[] = [];
  const ended: Array<number | string> = [];
  const send = async (message: JobMessage): Promise<void> => void sent.push(message);
  const options = { job, set, only: [], dryRun, local: false };
  const driver = new CommandDriver(options, defaultRuntime, send, (how) => void ended.push(how)).install();
  const seen: { found?: unknown[][]; keywords?: unknown; inTask?: unknown } = {};
  try {
    @register class Mark extends SQLExecute { statement = statement ?? "insert into kw_log values ('Mark ran')"; }
    @register class Find extends SQLQuery { query = query ?? "select name from kw_people where name = '{name}'"; }
    @register class Show extends Task<void> {
      run() {
        seen.found = outputOf(Find).values as unknown[][];
        if (!show) return;
        seen.keywords = { ...getFormatKws() };
        seen.inTask = { ...this.keywords };
      }
    }
    updateFormatKws({ begin: '2026-01-01' });
    if (since) updateFormatKws({ since: Mark.output });
    const error = await runOn(defaultRuntime, []).then(() => undefined, (e: unknown) => e as BigraysError);
    const plan = sent.find((m): m is RunMessage => m.bigrays === 'run')?.plan;
    const shown = JSON.stringify({ message: error?.message, sent });
    return { error, exitCode: error?.exitCode ?? ended[0] ?? 0, ended, seen, plan, shown, note: driver.unusedKeywordsNote() ?? '', Show };
  } finally {
    defaultRuntime.driver = undefined;
    defaultRuntime.registry.length = 0;
    defaultRuntime.keywords.reset();
  }
}

async function rejection(run: Promise<unknown>): Promise<BigraysError> {
  const error = await run.then(() => undefined, (e: unknown) => e);
  expect(error, 'the run should fail').to.be.instanceOf(BigraysError);
  return error as BigraysError;
}

/** Runs one query on the configured database, outside the job under test. */
async function select(sql: string, params?: Record<string, unknown>): Promise<unknown[][]> {
  class Probe extends SQLQuery { query = sql; params = params; }
  await bigraysRun(Probe);
  return (outputOf(Probe) as DataFrame).values as unknown[][];
}

async function execute(sql: string): Promise<void> {
  class Setup extends SQLExecute { statement = sql; }
  await bigraysRun(Setup);
}

/** Text that breaks naive quoting: quotes, a statement separator, comment markers, a backslash, newlines, unicode. */
const TRICKY = `it's "x"; drop table kw_people; -- /* ünï 😀 */ \\ \\' end\r\n`;

for (const dialect of DIALECTS) {
  describe(`keywords in SQL text on ${dialect.name}`, function () {
    this.timeout(90_000);
    let dsn: string | undefined;

    before(async function () {
      dsn = await dialect.freshDsn();
      if (!dsn) this.skip(); // SQL Server: set BIGRAYS_TEST_MSSQL_DSN to run these
    });

    beforeEach(async () => {
      BigraysConfig.DB_DSN = dsn;
      await execute(
        `drop table if exists kw_people; drop table if exists kw_log; ` +
          `create table kw_people (name ${dialect.textType}); create table kw_log (what ${dialect.textType}); ` +
          `insert into kw_people values ('Ada')`,
      );
    });

    it('should refuse an injection through --set before anything reaches the database, exit 2 and name the fix', async () => {
      const result = await runSet({ name: "x'; drop table kw_people; --" });
      expect(result.exitCode, result.error?.message).to.equal(2);
      expect(result.error!.message).to.contain('Find.query: the keyword `name` holds a quote (\')');
      expect(result.error!.message).to.contain('params = { name: … }');
      expect(result.error!.message).to.contain("{name!q} in place of '{name}'");
      expect(result.error!.message).to.contain('{name!i}');
      // The table is intact, and Mark, which runs before Find, never ran: refused before the run.
      expect(await select('select name from kw_people')).to.deep.equal([['Ada']]);
      expect(await select('select what from kw_log')).to.deep.equal([]);
    });

    it('should fill {kw!q} from --set as a literal that selects the value back exactly, and show --set in getFormatKws() and this.keywords', async () => {
      class Insert extends SQLExecute { statement = 'insert into kw_people values (:name)'; params = { name: TRICKY }; }
      await bigraysRun(Insert);
      const result = await runSet({ name: TRICKY }, { query: 'select name from kw_people where name = {name!q}', show: true });
      expect(result.error).to.equal(undefined);
      expect(result.seen.found).to.deep.equal([[TRICKY]]);
      expect(result.seen.keywords).to.deep.equal({ begin: '2026-01-01', name: TRICKY });
      expect(result.seen.inTask).to.deep.equal({ begin: '2026-01-01', name: TRICKY });
      expect(await select('select count(*) as n from kw_people')).to.deep.equal([[2]]);
    });

    it('should round-trip every value through {kw!q} exactly', async () => {
      const values = [TRICKY, "''", '\\', "\\'", 'a\nb', '$$ dollar $tag$', 'N\'x\'', '日本語 ✓', ' lead and trail '];
      updateFormatKws(Object.fromEntries(values.map((v, i) => [`v${i}`, v])));
      const columns = values.map((_, i) => `{v${i}!q} as c${i}`).join(', ');
      const rows = await select(`select ${columns}`);
      expect(rows).to.deep.equal([values]);
    });

    it('should refuse a NUL byte in {kw!q}, and a plain {kw} with a semicolon or a comment marker, before the database sees it', async () => {
      updateFormatKws({ nul: 'a\0b', semi: '1; delete from kw_people', dash: '1 -- x', block: '1 /* x' });
      for (const [template, pattern] of [
        ['select {nul!q} as v', /NUL byte/],
        ['select * from kw_people where 1 = {semi}', /`semi` holds a semicolon/],
        ['select * from kw_people where 1 = {dash}', /`dash` holds a comment marker \(--\)/],
        ['select * from kw_people where 1 = {block}', /`block` holds a comment marker \(\/\*\)/],
      ] as const) {
        class Probe extends SQLQuery { query = template; }
        const error = await rejection(bigraysRun(Probe));
        expect(error.message).to.match(pattern);
        expect(error.report, 'refused before the run').to.equal(undefined);
      }
      expect(await select('select name from kw_people')).to.deep.equal([['Ada']]);
    });

    it('should quote a schema-qualified {kw!i} whose names hold quotes, in SQLWrite.tablename and in a query', async () => {
      const schema = dialect.name === 'sqlite' ? 'main' : dialect.name === 'mssql' ? 'dbo' : 'odd "sch" it\'s';
      const table = 'it\'s "t" [x]';
      if (dialect.name === 'postgres') await execute(`create schema if not exists ${`"${schema.replace(/"/g, '""')}"`}`);
      if (dialect.name === 'mysql') await execute(`create database if not exists \`${schema}\``); // a MySQL schema is a database
      updateFormatKws({ target: `${schema}.${table}` });
      @register class Save extends SQLWrite { tablename = '{target!i}'; input = [{ n: 1 }, { n: 2 }]; ifExists = 'replace' as const; }
      @register class Read extends SQLQuery { query = 'select n from {target!i} order by n'; }
      await bigraysRun();
      expect((outputOf(Read) as DataFrame).values).to.deep.equal([[1], [2]]);
      const listed = dialect.name === 'sqlite'
        ? await select("select name from sqlite_master where type = 'table' and name = :table", { table })
        : await select('select table_name from information_schema.tables where table_schema = :schema and table_name = :table', { schema, table });
      expect(listed).to.deep.equal([[table]]);
      expect(Save).to.be.a('function');
    });

    it('should refuse a plain {kw} with a quote in SQLWrite.tablename, creating nothing', async () => {
      updateFormatKws({ day: '2026"; drop table kw_people; --' });
      @register class Save extends SQLWrite { tablename = 'scores_{day}'; input = [{ n: 1 }]; }
      const error = await rejection(bigraysRun());
      expect(error).to.be.instanceOf(TaskError);
      expect(error.message).to.contain('Save.tablename: the keyword `day` holds a double quote (")');
      expect(await select('select name from kw_people')).to.deep.equal([['Ada']]);
      expect(Save).to.be.a('function');
    });
  });
}

describe('plain keywords from --set that would change the statement, on PostgreSQL', function () {
  this.timeout(90_000);

  beforeEach(async () => {
    BigraysConfig.DB_DSN = (await freshPostgresDsn())!;
    await execute("create table kw_people (name text); create table kw_log (what text); insert into kw_people values ('Ada'), ('Bob')");
  });

  it('should refuse --set id="1 or 1=1" in a delete before anything runs, exit 2, every row still there', async () => {
    const statement = 'delete from kw_people where length(name) = {id}';
    const result = await runSet({ name: 'Ada', id: '1 or 1=1' }, { statement });
    expect(result.exitCode, result.error?.message).to.equal(2);
    expect(result.error!.message).to.contain('Mark.statement: the keyword `id` holds a space');
    for (const fix of ['params = { id: … }', '{id!q}', '{id!i}', '{id!sql}']) expect(result.error!.message).to.contain(fix);
    expect(await select('select name from kw_people order by name')).to.deep.equal([['Ada'], ['Bob']]);

    const fine = await runSet({ name: 'Ada', id: '3' }, { statement });
    expect(fine.error).to.equal(undefined);
    expect(await select('select name from kw_people')).to.deep.equal([]);
  });

  it('should refuse a value that makes a comment marker with the text before it (10-{n} with -1), exit 2, every row still there', async () => {
    // 10--1 would make the rest of the line a comment: the name filter gone, every row deleted.
    const statement = "delete from kw_people where length(name) < 10-{n} and name = 'Bob'";
    const result = await runSet({ name: 'Ada', n: '-1' }, { statement });
    expect(result.exitCode, result.error?.message).to.equal(2);
    expect(result.error!.message).to.contain('Mark.statement: the keyword `n` starts with `-`, which would join the text before it into a comment marker (--)');
    for (const fix of ['params = { n: … }', '{n!q}']) expect(result.error!.message).to.contain(fix);
    expect(await select('select name from kw_people order by name')).to.deep.equal([['Ada'], ['Bob']]);

    const fine = await runSet({ name: 'Ada', n: '1' }, { statement });
    expect(fine.error).to.equal(undefined);
    expect(await select('select name from kw_people order by name')).to.deep.equal([['Ada']]);
  });

  it('should refuse a union with pg_shadow in a plain {table}, in a dry run too, and show no password hash', async () => {
    for (const dryRun of [false, true]) {
      const result = await runSet({ table: 'kw_people union select passwd from pg_shadow' }, { query: 'select name from {table}', dryRun });
      expect(result.exitCode, result.error?.message).to.equal(2);
      expect(result.error!.message).to.contain('Find.query: the keyword `table` holds a space');
      expect(result.shown).not.to.match(/SCRAM-SHA-256|md5[0-9a-f]{32}/);
    }
    expect(await select('select what from kw_log')).to.deep.equal([]);
  });

  it('should refuse a value that ends a dollar-quoted literal', async () => {
    const result = await runSet({ name: 'x$$ || (select passwd from pg_shadow limit 1) || $$' }, { query: 'select $${name}$$ as name' });
    expect(result.exitCode, result.error?.message).to.equal(2);
    expect(result.error!.message).to.contain('Find.query: the keyword `name` holds a dollar sign ($)');
    expect(result.shown).not.to.match(/SCRAM-SHA-256|md5[0-9a-f]{32}/);
  });

  it('should take dates, timestamps, numbers and schema.table in a plain {kw}, and a trusted fragment as {kw!sql}', async () => {
    const query = "select {n} as n, {x} as x, '{day}'::date as day, '{at}'::timestamptz as at, count(*) as c from {table} where {filter!sql}";
    const result = await runSet({
      n: '-3.5', x: '1e6', day: '2026-01-01', at: '2026-01-01T00:00:00Z', table: 'public.kw_people', filter: "name in ('Ada', 'Zed')",
    }, { query });
    expect(result.error).to.equal(undefined);
    // numeric comes back as text (exact); one row of kw_people passes the trusted filter.
    const [row] = result.seen.found!;
    expect(row.slice(0, 2)).to.deep.equal(['-3.5', '1000000']);
    expect(String(row[4])).to.equal('1');
  });
});

describe('a task output as a global keyword (updateFormatKws({ since: MaxId.output }))', () => {
  beforeEach(async () => {
    BigraysConfig.DB_DSN = freshSqliteDsn();
    await execute('create table kw_events (id integer); insert into kw_events values (1), (2), (3), (4)');
  });

  it('should fill {since} from a custom task that ran before, in SQL text, checked as a number', async () => {
    @register class MaxId extends Task<number> { run() { return 2; } }
    @register class Newer extends SQLQuery { query = 'select id from kw_events where id > {since} order by id'; }
    updateFormatKws({ since: MaxId.output });
    await bigraysRun();
    expect((outputOf(Newer) as DataFrame).values).to.deep.equal([[3], [4]]);
  });

  it('should reach into an SQLQuery\'s output that ran before ({since.values[0][0]})', async () => {
    @register class MaxId extends SQLQuery { query = 'select max(id) - 1 as top from kw_events'; }
    @register class Newer extends SQLQuery { query = 'select id from kw_events where id > {since.values[0][0]} order by id'; }
    updateFormatKws({ since: MaxId.output });
    await bigraysRun();
    expect((outputOf(Newer) as DataFrame).values).to.deep.equal([[4]]);
  });

  it('should refuse an output that is not a number or a single word in a plain {kw}, when the task runs', async () => {
    @register class Filter extends Task<string> { run() { return '1 or 1=1'; } }
    @register class Purge extends SQLExecute { statement = 'delete from kw_events where id = {since}'; }
    updateFormatKws({ since: Filter.output });
    const error = await rejection(bigraysRun());
    expect(error.message).to.contain('Purge.statement: the keyword `since` holds a space');
    expect(await select('select count(*) as n from kw_events')).to.deep.equal([[4]]);
    expect(Purge).to.be.a('function');
  });

  it('should refuse a task that uses it before MaxId runs, before the run, with a TaskError naming both', async () => {
    @register class Newer extends SQLQuery { query = 'select id from kw_events where id > {since}'; }
    @register class MaxId extends Task<number> { run() { return 2; } }
    updateFormatKws({ since: MaxId.output });
    const error = await rejection(bigraysRun());
    expect(error).to.be.instanceOf(TaskError);
    expect(error.message).to.contain('Newer.query ({since}) uses MaxId.output, but MaxId runs after Newer: register MaxId before Newer');
    expect(error.report, 'nothing ran').to.equal(undefined);
  });

  it('should fail the task that uses it when MaxId failed, with a TaskError naming both', async () => {
    @register class MaxId extends Task<number> { run(): number { throw new Error('no rows'); } }
    @register class Newer extends SQLQuery { query = 'select id from kw_events where id > {since}'; runWithExceptions = true; }
    updateFormatKws({ since: MaxId.output });
    const error = await rejection(bigraysRun());
    const cause = error.errors[1] as TaskError;
    expect(cause).to.be.instanceOf(TaskError);
    expect(cause.message).to.contain('Newer uses MaxId.output, but MaxId failed');
    expect(error.report!.tasks.map((t) => t.status)).to.deep.equal(['failed', 'failed']);
  });

  it('should fail the task that reaches into it ({since.values[0][0]}) when MaxId failed, with a TaskError naming both', async () => {
    @register class MaxId extends SQLQuery { query = 'select max(id) from no_such_table'; }
    @register class Newer extends SQLQuery { query = 'select id from kw_events where id > {since.values[0][0]}'; runWithExceptions = true; }
    updateFormatKws({ since: MaxId.output });
    const error = await rejection(bigraysRun());
    const cause = error.errors[1] as TaskError;
    expect(cause).to.be.instanceOf(TaskError);
    expect(cause.message).to.contain('Newer uses MaxId.output, but MaxId failed');
    expect(Newer).to.be.a('function');
  });
});

describe('--set keywords of bigrays run', function () {
  this.timeout(90_000);

  beforeEach(async () => {
    BigraysConfig.DB_DSN = freshSqliteDsn();
    await execute("create table kw_people (name text); create table kw_log (what text); insert into kw_people values ('Ada')");
  });

  it('should refuse an unsafe --set value in a dry run too, exit 2, and change nothing', async () => {
    const result = await runSet({ name: "x'; drop table kw_people; --" }, { dryRun: true });
    expect(result.ended, result.error?.message).to.deep.equal([2]);
    expect(result.error!.message).to.contain('Find.query: the keyword `name` holds a quote');
    expect(result.plan, 'no plan').to.equal(undefined);
    expect(await select('select name from kw_people')).to.deep.equal([['Ada']]);
  });

  it('should refuse values that make a comment marker where they meet each other or the template, before the run', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['select {a}{b} as n from kw_people', { a: 'x-', b: '-y' }, 'the keyword `a` ends with `-`, which would join the text after it into a comment marker (--)'],
      ['select {col}*2 as n from kw_people', { col: 'p/' }, 'the keyword `col` ends with `/`, which would join the text after it into a comment marker (/*)'],
      ['select 2*{n} as n from kw_people', { n: '/x' }, 'the keyword `n` starts with `/`, which would join the text before it into a comment marker (*/)'],
    ];
    for (const [query, set, message] of cases) {
      const result = await runSet(set, { query });
      expect(result.exitCode, result.error?.message).to.equal(2);
      expect(result.error!.message).to.contain(`Find.query: ${message}`);
    }
    expect(await select('select what from kw_log'), 'Mark, before Find, never ran').to.deep.equal([]);
  });

  it('should check the rest of a template that also uses a task output, in a dry run too', async () => {
    const query = 'select name from kw_people where length(name) > {since} and name = {region}';
    for (const dryRun of [true, false]) {
      const result = await runSet({ region: 'x or 1=1' }, { query, since: true, dryRun });
      expect(result.exitCode, result.error?.message).to.equal(2);
      expect(result.error!.message).to.contain('Find.query: the keyword `region` holds a space');
    }
    expect(await select('select what from kw_log'), 'Mark, before Find, never ran').to.deep.equal([]);
    const fine = await runSet({ region: 'Ada' }, { query, since: true, dryRun: true });
    expect(fine.error).to.equal(undefined);
    expect(fine.ended).to.deep.equal([0]);
  });

  it('should show {kw!q} and {kw!i} quoted in the dry-run plan', async () => {
    const result = await runSet({ name: "O'Hara", table: 'main.kw_people' }, { query: 'select name from {table!i} where name = {name!q}', dryRun: true });
    expect(result.ended, result.error?.message).to.deep.equal([0]);
    const find = result.plan!.steps.find((step) => step.name === 'Find');
    expect(find?.attributes.query).to.equal(`select name from "main"."kw_people" where name = 'O''Hara'`);
  });

  it('should point out a --set key no template uses, with the keyword it is close to', async () => {
    const result = await runSet({ name: 'Ada', bgin: '2026-02-01', zzz: '1' });
    expect(result.error).to.equal(undefined);
    expect(result.seen.found).to.deep.equal([['Ada']]);
    expect(result.note).to.contain("--set bgin=… changes nothing: no template of this job uses {bgin}, and the job sets and reads no keyword `bgin`. Did you mean --set begin=…?");
    expect(result.note).to.contain('--set zzz=… changes nothing');
    expect(result.note).to.contain("The job's templates use: name.");
    expect(result.note).not.to.contain('--set name=');
  });
});

describe('--set keywords through bigrays run', function () {
  this.timeout(90_000);
  let dsn: string;

  beforeEach(async () => {
    dsn = freshSqliteDsn();
    BigraysConfig.DB_DSN = dsn;
    await execute("create table kw_people (name text); create table kw_log (what text); insert into kw_people values ('Ada')");
  });

  it('should refuse an injection, print why and the fix on stderr and exit 2, before anything reaches the database', async () => {
    const result = await runJob(dsn, ['--set', "name=x'; drop table kw_people; --"]);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.contain('Find.query: the keyword `name` holds a quote (\')');
    expect(result.stderr).to.contain('params = { name: … }');
    expect(result.stderr).to.contain("{name!q} in place of '{name}'");
    expect(await select('select name from kw_people')).to.deep.equal([['Ada']]);
    expect(await select('select what from kw_log')).to.deep.equal([]);
  });

  it('should hand a value with quotes, newlines and unicode from argv to the job exactly, and note an unused --set key on stderr', async () => {
    class Insert extends SQLExecute { statement = 'insert into kw_people values (:name)'; params = { name: TRICKY }; }
    await bigraysRun(Insert);
    const result = await runJob(dsn, ['--set', `name=${TRICKY}`, '--set', 'bgin=2026-02-01'], {
      KW_QUERY: 'select name from kw_people where name = {name!q}',
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain(`found: ${JSON.stringify([[TRICKY]])}`);
    expect(result.stderr).to.contain('--set bgin=… changes nothing');
    expect(result.stderr).to.contain('Did you mean --set begin=…?');
  });
});
