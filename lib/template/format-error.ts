/**
 * What goes wrong filling a template: `FormatError` (bad syntax, a missing keyword, a value a
 * field cannot show) and `UnsafeKeywordError` (a plain `{kw}` whose value would change the
 * shape of SQL text), with the words that describe what the value holds.
 */
import { PLAIN_KEYWORD_RULE } from '../sql-keyword-shape';

/**
 * What is wrong with a template: bad syntax, a keyword that is not set (`missing`), a value
 * its field cannot show, a plain `{kw}` in SQL text whose value is not safe there (`unsafe`),
 * or an SQL conversion outside SQL text (`not-sql`).
 */
export type FormatProblem = 'syntax' | 'missing' | 'value' | 'unsafe' | 'not-sql';

/** A template that is not valid `str.format` syntax, or a keyword it cannot fill. */
export class FormatError extends Error {
  constructor(
    message: string,
    /** The keyword the problem is about, when there is one. */
    readonly keyword?: string,
    readonly problem: FormatProblem = keyword === undefined ? 'syntax' : 'value',
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

/**
 * Where the unsafe text of a plain `{kw}` comes from when not from the value alone: the field's
 * format spec or conversion (`{n:>10}` pads with spaces, `{v!r}` adds quotes), or the text next
 * to it (`10-{n}` with `-1` makes `--`).
 */
export type UnsafeHow =
  | { formattedBy: string }
  | { joins: 'before' | 'after' | 'around'; edge: string };

/** A plain `{kw}` in SQL text whose value is not a number or a single word (it holds a space, a quote, a `;`, …). */
export class UnsafeKeywordError extends FormatError {
  constructor(
    keyword: string,
    /** What the value holds that SQL text must not get from a plain keyword: `'`, `;`, `--`, ` `, `=`, … */
    readonly found: string,
    /** The field as the template writes it (`{name}`). */
    readonly field: string,
    /** The quote the template puts around the field (`'{name}'`, `"{name}"`), if any. */
    readonly quotedWith?: string,
    how?: UnsafeHow,
  ) {
    super(`${unsafeWhat(keyword, found, field, how)} (${PLAIN_KEYWORD_RULE})`, keyword, 'unsafe');
    this.name = 'UnsafeKeywordError';
  }
}

/** What a plain `{kw}` would put into SQL text, and how. */
function unsafeWhat(keyword: string, found: string, field: string, how?: UnsafeHow): string {
  const into = `which ${field} would put into the SQL as it is`;
  if (how === undefined) return `the keyword \`${keyword}\` holds ${describeFound(found)}, ${into}`;
  if ('formattedBy' in how) return `the formatted value of the keyword \`${keyword}\` holds ${describeFound(found)} (because of ${how.formattedBy}), ${into}`;
  const value = how.joins === 'around' ? 'is empty' : `${how.joins === 'before' ? 'starts' : 'ends'} with \`${how.edge}\``;
  const text = how.joins === 'around' ? 'the text before and after it' : `the text ${how.joins} it`;
  return `the keyword \`${keyword}\` ${value}, which would join ${text} into ${describeFound(found)} where ${field} puts it into the SQL`;
}

/** What a value holds, in words. */
function describeFound(found: string): string {
  switch (found) {
    case "'":
      return "a quote (')";
    case '"':
      return 'a double quote (")';
    case ';':
      return 'a semicolon (;)';
    case '--':
    case '/*':
    case '*/':
      return `a comment marker (${found})`;
    case '\\':
      return 'a backslash (\\)';
    case ' ':
      return 'a space';
    case '\t':
      return 'a tab';
    case '\n':
    case '\r':
      return 'a line break';
    case '$':
      return 'a dollar sign ($)';
    case '(':
    case ')':
      return `a parenthesis (${found})`;
    case '=':
      return 'an equals sign (=)';
    default:
      return `\`${found}\``;
  }
}
