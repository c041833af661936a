/** How each engine quotes `{kw!q}` and `{kw!i}`, and what a plain `{kw}` may not hold there. */
import { expect } from 'chai';
import {
  bigraysRun, BigraysConfig, BigraysError, register, SQLQuery, SQLTask, Task, TaskError, ToS3, updateFormatKws,
} from '../../lib';
import { formatTemplate } from '../../lib/format';
import { shapeChanger } from '../../lib/sql-keyword-shape';
import { sqlQuoting } from '../../lib/resources/sql/dialects';
import { nameParts } from '../../lib/resources/sql/identifiers';
import { failure, RecordingResource } from '../helpers';

const postgres = sqlQuoting('postgres');
const sqlite = sqlQuoting('sqlite');
const mssql = sqlQuoting('mssql');

describe('SQL quoting per engine', () => {
  it('should double quotes in PostgreSQL literals, and write a backslash as E\'…\' that reads the same whatever standard_conforming_strings is', () => {
    expect(postgres.literal("it's")).to.equal("'it''s'");
    expect(postgres.literal('a\\b\'')).to.equal(" E'a\\\\b'''");
    expect(postgres.identifier(['my schema', 'it"s'])).to.equal('"my schema"."it""s"');
  });

  it('should quote SQLite literals and names with the quote doubled, a backslash as it is', () => {
    expect(sqlite.literal("it's \\")).to.equal("'it''s \\'");
    expect(sqlite.identifier(['main', 'a"b'])).to.equal('"main"."a""b"');
  });

  it('should write SQL Server literals as N\'…\' (unicode) and names in brackets with ] doubled', () => {
    expect(mssql.literal("ünï'")).to.equal("N'ünï'''");
    expect(mssql.identifier(['dbo', 'a]b[c'])).to.equal('[dbo].[a]]b[c]');
    expect(formatTemplate('select * from {t!i} where n = {n!q}', { t: 'sales.q1]x', n: "O'Hara" }, { sql: mssql }))
      .to.equal("select * from [sales].[q1]]x] where n = N'O''Hara'");
  });

  it('should let a plain {kw} take only a number or a single word of letters, digits and _ - . : /', () => {
    for (const fine of [
      '2026-01-01', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z', '42', '-3.5', '1e6', '2.5E-3', '-7e+2',
      's3://bucket/x', 'schema.table', 'my_table', 'Zürich', '東京', '',
    ]) {
      expect(shapeChanger(fine), fine).to.equal(undefined);
    }
    for (const [bad, found] of [
      ["a'b", "'"], ['a"b', '"'], ['1; select 2', ';'], ['1 -- x', '--'], ['1 /* x', '/*'], ['a\\b', '\\'],
      ['x$$ || 1 || $$', '$'], ['1 or 1=1', ' '], ['1=1', '='], ['f(x)', '('], ['a\tb', '\t'], ['a\nb', '\n'],
      ['*', '*'], ['a,b', ','], ['1+1', '+'], ['a]b', ']'], ['--1', '--'], ['a--b', '--'], ['a#b', '#'],
    ]) {
      expect(shapeChanger(bad), JSON.stringify(bad)).to.equal(found);
    }
  });

  it('should refuse a plain {kw} that makes a comment marker with the text next to it, an empty one too', () => {
    const refusal = (template: string, kws: Record<string, unknown>): string => {
      try {
        return `accepted: ${formatTemplate(template, kws, { sql: postgres })}`;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refusal('where n < 10-{n} and t = 7', { n: -1 })).to.contain('the keyword `n` starts with `-`, which would join the text before it into a comment marker (--)');
    expect(refusal('where n < 10-{n}-1', { n: '' })).to.contain('the keyword `n` is empty, which would join the text before and after it into a comment marker (--)');
    expect(refusal('select {a}{b}', { a: 'x-', b: '-y' })).to.contain('the keyword `a` ends with `-`, which would join the text after it into a comment marker (--)');
    for (const [template, kws] of [['where n < 10-{n}', { n: 1 }], ['select {a}-{b}', { a: 'x', b: 'y' }], ["select '{day}'", { day: '2026-01-01' }]] as const) {
      expect(refusal(template, kws)).to.match(/^accepted: /);
    }
  });

  it('should say so when the spaces or quotes of a plain {kw} come from its format spec or conversion', () => {
    const message = (template: string, kws: Record<string, unknown>): string => {
      try {
        formatTemplate(template, kws, { sql: postgres });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${template} was accepted`);
    };
    expect(message('limit {n:5d}', { n: 7 })).to.contain('the formatted value of the keyword `n` holds a space (because of the spec `:5d`), which {n:5d} would put into the SQL as it is');
    expect(message('select {v:>10}', { v: 'abc' })).to.contain('the formatted value of the keyword `v` holds a space (because of the spec `:>10`)');
    expect(message('select {v!r}', { v: 'abc' })).to.contain("the formatted value of the keyword `v` holds a quote (') (because of the conversion `!r`)");
    expect(message('select {v!r}', { v: 'a b' }), 'the value itself').to.contain('the keyword `v` holds a space, which {v!r}');
  });

  it('should read quoted table names back into their parts', () => {
    expect(nameParts('"my schema"."it""s"')).to.deep.equal(['my schema', 'it"s']);
    expect(nameParts('[dbo].[a]]b]')).to.deep.equal(['dbo', 'a]b']);
    expect(nameParts('"a.b".c')).to.deep.equal(['a.b', 'c']);
    expect(nameParts('"unclosed')).to.equal(undefined);
    expect(nameParts('"a"x')).to.equal(undefined);
  });
});

describe('SQL tasks filling keywords', () => {
  it('should quote for the engine of the task\'s DB_DSN, as its resourceConfig says', () => {
    class OnPg extends SQLQuery { query = 'x'; resourceConfig = { DB_DSN: 'postgres://u@h/db' }; }
    class OnMs extends SQLQuery { query = 'x'; resourceConfig = { DB_DSN: 'mssql://u@h/db' }; }
    class OnLite extends SQLQuery { query = 'x'; resourceConfig = { DB_DSN: 'sqlite::memory:' }; }
    updateFormatKws({ t: 's.t', v: "O'Hara" });
    expect(new OnPg().renderAttribute('query', '{t!i} {v!q}')).to.equal(`"s"."t" 'O''Hara'`);
    expect(new OnMs().renderAttribute('query', '{t!i} {v!q}')).to.equal("[s].[t] N'O''Hara'");
    expect(new OnLite().renderAttribute('query', '{t!i} {v!q}')).to.equal(`"s"."t" 'O''Hara'`);
    expect(new OnLite().sqlQuoting('bucket'), 'only SQL text is SQL').to.equal(undefined);
  });

  it('should refuse an unsafe keyword before the run, naming task, attribute and keyword, with both fixes', async () => {
    BigraysConfig.DB_DSN = 'sqlite::memory:';
    updateFormatKws({ name: "x'; drop table t; --" });
    @register class Find extends SQLQuery { query = "select * from t where name = '{name}'"; }
    const error = await failure<BigraysError>(bigraysRun());
    expect(error).to.be.instanceOf(TaskError);
    expect(error.report, 'nothing ran').to.equal(undefined);
    expect(error.message).to.contain('Find.query: the keyword `name` holds a quote (\'), which {name} would put into the SQL as it is');
    expect(error.message).to.contain('write :name in the SQL and set params = { name: … }');
    expect(error.message).to.contain("let bigrays quote it for SQLite: {name!q} in place of '{name}' (it makes its own quotes) for a string literal, {name!i} for a table or column name");
    expect(Find).to.be.a('function');
  });

  it('should point a name between double quotes to {kw!i}, and a value with no quotes around to both', () => {
    class Pull extends SQLQuery { query = 'x'; resourceConfig = { DB_DSN: 'postgres://u@h/db' }; }
    updateFormatKws({ t: 'a"b', v: '1; select 2' });
    expect(() => new Pull().renderAttribute('query', 'select * from "{t}"')).to.throw(
      TaskError,
      'Pull.query: the keyword `t` holds a double quote ("), which {t} would put into the SQL as it is ' +
        '(a plain {kw} in SQL text takes only a number or a single word of letters, digits and _ - . : /). Keep values out of SQL text: ' +
        'bind it (write :t in the SQL and set params = { t: … }), or let bigrays quote it for PostgreSQL: {t!q} for a string literal, ' +
        '{t!i} in place of "{t}" (it makes its own quotes) for a table or column name; ' +
        'only for a trusted SQL fragment the job itself writes, {t!sql} inserts it as it is',
    );
    expect(() => new Pull().renderAttribute('query', 'select {v}')).to.throw(TaskError, /quote it for PostgreSQL: \{v!q\} for a string literal, \{v!i\} for a table/);
  });

  it('should refuse {kw!q} outside SQL text before the run', async () => {
    updateFormatKws({ day: '2026-01-01' });
    @register class Upload extends ToS3 { input = 'x'; bucket = 'daily-exports'; key = 'daily/{day!q}.csv'; }
    const error = await failure<BigraysError>(bigraysRun());
    expect(error.message).to.contain('Upload.key: `{day!q}` quotes SQL, and this text is not SQL');
    expect(Upload).to.be.a('function');
  });

  it('should refuse {kw!q} outside SQL text before the run when the keyword holds a task output', async () => {
    @register class Day extends Task<string> { run() { return '2026-01-01'; } }
    @register class Upload extends ToS3 { input = 'x'; bucket = 'daily-exports'; key = 'daily/{day!q}.csv'; }
    updateFormatKws({ day: Day.output });
    const error = await failure<BigraysError>(bigraysRun());
    expect(error.report, 'nothing ran').to.equal(undefined);
    expect(error.message).to.contain('Upload.key: `{day!q}` quotes SQL, and this text is not SQL');
    expect([Day, Upload]).to.have.length(2);
  });

  it('should quote and check keywords in an SQLTask\'s own SQL with renderSql()', async () => {
    BigraysConfig.DB_DSN = 'sqlite::memory:';
    updateFormatKws({ who: "O'Hara", bad: '1; drop table x' });
    let rendered = '';
    @register class Own extends SQLTask<void> {
      override requiredResource = new RecordingResource('db', []) as never;
      run() {
        rendered = this.renderSql('select {who!q}');
        this.renderSql('select {bad}');
      }
    }
    const error = await failure<BigraysError>(bigraysRun());
    expect(rendered, 'a resource of the job\'s own: standard quoting').to.equal("select 'O''Hara'");
    expect((error.errors[0] as Error).message).to.contain('Own.renderSql(): the keyword `bad` holds a semicolon (;)');
    expect(Own).to.be.a('function');
  });
});
