/**
 * What a plain `{kw}` may put into SQL text: only a value that cannot change the statement's
 * shape — a number, or a single word of letters, digits and `_ - . : /` (a date, a timestamp,
 * a name such as `schema.table`). Anything else (a space, a quote, `;`, `=`, `$`, a
 * parenthesis, a comment marker, a backslash…) could turn a value into SQL of its own:
 * `1 or 1=1`, `t union select … from pg_shadow`, `x$$ || … || $$`. Nor may a value make a
 * comment marker with the text next to it (`10-{n}` with `-1`): see `commentMarkerAt`.
 */

/** An integer or a decimal, with a leading minus and an exponent allowed: `42`, `-3.5`, `1e6`, `2.5E-3`. */
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A character of a single word: a letter (any script, with its marks), a digit, or `_ - . : /`. */
const WORD_CHAR = /^[\p{L}\p{M}\p{N}_\-.:/]$/u;

/** What the message names first when a value holds it: what ends a quoted text, starts a statement or a comment. */
const TELLING = ["'", '"', ';', '--', '/*', '\\', '$'];

/**
 * The first thing in `text` that a plain `{kw}` in SQL text may not hold (`--` and `/*` as
 * such); undefined when `text` is a number, a single word or empty.
 */
export function shapeChanger(text: string): string | undefined {
  if (text === '' || NUMBER.test(text)) return undefined;
  const telling = TELLING.find((found) => text.includes(found));
  if (telling !== undefined) return telling;
  for (const char of text) if (!WORD_CHAR.test(char)) return char;
  return undefined;
}

/** What starts or ends a comment in SQL text, made of two characters. */
const COMMENT_MARKERS = ['--', '/*', '*/'];

/**
 * The comment marker made by the characters at `at` and `at + 1` of `text`, if any: where a
 * plain `{kw}` meets the text next to it (`10-{n}` with `-1` gives `10--1`).
 */
export function commentMarkerAt(text: string, at: number): string | undefined {
  if (at < 0) return undefined;
  const pair = text.slice(at, at + 2);
  return COMMENT_MARKERS.includes(pair) ? pair : undefined;
}

/** The rule, as messages state it. */
export const PLAIN_KEYWORD_RULE = 'a plain {kw} in SQL text takes only a number or a single word of letters, digits and _ - . : /';
