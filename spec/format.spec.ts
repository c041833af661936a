import { expect } from 'chai';
import { formatTemplate } from '../lib';
import { FormatError, templateKeywords, UnsafeKeywordError, type SqlQuoting } from '../lib/format';

describe('format keywords (Python str.format rules)', () => {
  it('should fill named fields', () => {
    expect(formatTemplate("select * from t where day between '{begin}' and '{end}'", { begin: '2026-01-01', end: '2026-03-01' }))
      .to.equal("select * from t where day between '2026-01-01' and '2026-03-01'");
  });

  it('should treat {{ and }} as literal braces', () => {
    expect(formatTemplate('{{"a": {n}}} {{literal}}', { n: 1 })).to.equal('{"a": 1} {literal}');
  });

  it('should reject a single closing brace or an unclosed field', () => {
    expect(() => formatTemplate('a } b', {})).to.throw(FormatError, /Single '}'/);
    expect(() => formatTemplate('a {b', { b: 1 })).to.throw(FormatError, /Single '{'/);
  });

  it('should name a missing keyword', () => {
    expect(() => formatTemplate('key/{day}/{hour}', { day: 1 })).to.throw(FormatError, /missing format keyword `hour`/);
    try {
      formatTemplate('{hour}', {});
    } catch (error) {
      expect((error as FormatError).keyword).to.equal('hour');
    }
  });

  it('should treat a keyword set to undefined as missing', () => {
    expect(() => formatTemplate('{day}', { day: undefined })).to.throw(FormatError, /`day`/);
  });

  it('should reject positional fields with a hint', () => {
    expect(() => formatTemplate('{} {0}', {})).to.throw(FormatError, /name the keyword/);
  });

  it('should reach into values with .attr and [index]', () => {
    expect(formatTemplate('{run.day}/{parts[1]}/{map[k]}', { run: { day: 'mon' }, parts: ['a', 'b'], map: { k: 'v' } }))
      .to.equal('mon/b/v');
  });

  it('should apply conversions and format specs', () => {
    expect(formatTemplate('{n:05d}|{x:.2f}|{p:.1%}|{s:>5}|{s:<5}|{s:^7}|{big:,}', {
      n: 42, x: 3.14159, p: 0.256, s: 'ab', big: 1234567,
    })).to.equal('00042|3.14|25.6%|   ab|ab   |  ab   |1,234,567');
    expect(formatTemplate('{s!r} {n:+d} {n:x} {n:#b} {f:e}', { s: "it's", n: 10, f: 12345.678 }))
      .to.equal("'it\\'s' +10 a 0b1010 1.234568e+04");
  });

  it('should support a nested field in the spec', () => {
    expect(formatTemplate('[{v:>{w}}]', { v: 'x', w: 4 })).to.equal('[   x]');
  });

  it('should format a bigint without losing digits', () => {
    expect(formatTemplate('{id}|{id:,}', { id: 9007199254740993n })).to.equal('9007199254740993|9,007,199,254,740,993');
  });

  it('should format dates with strftime codes in UTC, and ISO 8601 by default', () => {
    const day = new Date(Date.UTC(2026, 0, 5, 7, 8, 9));
    expect(formatTemplate('{d:%Y/%m/%d %H:%M:%S} {d:%j %a %b}', { d: day })).to.equal('2026/01/05 07:08:09 005 Mon Jan');
    expect(formatTemplate('{d}', { d: day })).to.equal('2026-01-05T07:08:09.000Z');
  });

  it('should reject a number format for a string, quoting the spec', () => {
    expect(() => formatTemplate('{s:d}', { s: 'x' })).to.throw(FormatError, /needs a number/);
    expect(() => formatTemplate('{n:zzz}', { n: 1 })).to.throw(FormatError, /Invalid format specifier `zzz`/);
  });

  it('should list the keywords a template uses', () => {
    expect(templateKeywords('{a}-{b.c}-{{d}}-{e:{w}}')).to.deep.equal(['a', 'b', 'e', 'w']);
  });
});

/** An engine's quoting, made visible: literals as <…>, names as […]. */
const MARKED: SqlQuoting = {
  engine: 'Marked',
  literal: (text) => `<${text}>`,
  identifier: (parts) => parts.map((p) => `[${p}]`).join('.'),
};

describe('format keywords in SQL text', () => {
  it('should render {kw!q} through the engine\'s literal and {kw!i} through its names, part by part', () => {
    expect(formatTemplate('select {v!q} from {t!i}', { v: 'a;b', t: 'sch.tab' }, { sql: MARKED })).to.equal('select <a;b> from [sch].[tab]');
    expect(formatTemplate('{t!i}', { t: ['a.b', 'c'] }, { sql: MARKED }), 'an array gives the parts as they are').to.equal('[a.b].[c]');
  });

  it('should apply the format spec before quoting, and render null as NULL', () => {
    const day = new Date(Date.UTC(2026, 0, 5));
    expect(formatTemplate('{d!q:%Y-%m-%d} {n!q:03d} {x!q}', { d: day, n: 7, x: null }, { sql: MARKED })).to.equal('<2026-01-05> <007> NULL');
  });

  it('should refuse a plain {kw} whose value is not a number or a single word, naming the keyword and whether quotes surround it', () => {
    const quoted = (() => {
      try {
        formatTemplate("where a = '{v}'", { v: "x'y" }, { sql: MARKED });
      } catch (error) {
        return error;
      }
    })() as UnsafeKeywordError;
    expect(quoted).to.be.instanceOf(UnsafeKeywordError);
    expect(quoted).to.include({ keyword: 'v', found: "'", field: '{v}', quotedWith: "'", problem: 'unsafe' });
    expect(() => formatTemplate('where a = {v:>4}', { v: ';' }, { sql: MARKED })).to.throw(UnsafeKeywordError, /`v` holds a semicolon/);
    expect(() => formatTemplate('where a = {v!r}', { v: 'x' }, { sql: MARKED }), '!r quotes by hand: refused').to.throw(UnsafeKeywordError);
    expect(formatTemplate('where a = {v}', { v: 'x;y' }), 'outside SQL text nothing is checked').to.equal('where a = x;y');
    expect(() => formatTemplate('where id = {id}', { id: '1 or 1=1' }, { sql: MARKED })).to.throw(UnsafeKeywordError, /`id` holds a space/);
    expect(formatTemplate('where d >= {d} and n = {n} and x = {x}', { d: new Date(Date.UTC(2026, 0, 1)), n: -3.5, x: 1e21 }, { sql: MARKED }))
      .to.equal('where d >= 2026-01-01T00:00:00.000Z and n = -3.5 and x = 1e+21');
  });

  it('should insert {kw!sql} as it is in SQL text, and nowhere else', () => {
    const fragment = "status in ('new', 'open') -- trusted";
    expect(formatTemplate('select * from t where {filter!sql}', { filter: fragment }, { sql: MARKED })).to.equal(`select * from t where ${fragment}`);
    expect(formatTemplate('limit {n!sql:d}', { n: 5 }, { sql: MARKED })).to.equal('limit 5');
    expect(() => formatTemplate('key/{v!sql}', { v: 'x' })).to.throw(FormatError, /inserts SQL, and this text is not SQL/);
    expect(() => formatTemplate('{v!sq}', { v: 'x' }, { sql: MARKED })).to.throw(FormatError);
  });

  it('should refuse !q and !i outside SQL text, quotes around {kw!q}, a NUL byte and an empty name part', () => {
    expect(() => formatTemplate('key/{v!q}', { v: 'x' })).to.throw(FormatError, /quotes SQL, and this text is not SQL/);
    expect(() => formatTemplate("'{v!q}'", { v: 'x' }, { sql: MARKED })).to.throw(FormatError, /makes its own quotes/);
    expect(() => formatTemplate('{v!q}', { v: 'a\0b' }, { sql: MARKED })).to.throw(FormatError, /NUL byte/);
    expect(() => formatTemplate('{t!i}', { t: 'a..b' }, { sql: MARKED })).to.throw(FormatError, /empty part/);
    expect(() => formatTemplate('{t!i}', { t: '' }, { sql: MARKED })).to.throw(FormatError, /needs a name/);
    expect(() => formatTemplate('{v!x}', { v: 1 })).to.throw(FormatError, /!q for a string literal, !i for a name/);
  });

  it('should keep kept fields and quote the others in SQL text', () => {
    expect(formatTemplate('{v!q}/{part}', { v: 'a{b' }, { keep: new Set(['part']), sql: MARKED })).to.equal('<a{{b>/{part}');
  });
});
