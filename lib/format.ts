/**
 * `{keyword}` templates with Python `str.format` rules: `{{` and `}}` are literal braces,
 * fields may reach into values (`{run.day}`, `{days[0]}`), take a conversion (`!s`, `!r`)
 * and a format spec (`{n:05d}`, `{rate:.2%}`, `{day:%Y-%m-%d}` for dates, in UTC).
 *
 * SQL text is filled with an `SqlQuoting`: there `{kw!q}` is a string literal and `{kw!i}` a
 * quoted name, escaped for the engine, `{kw!sql}` a trusted fragment inserted as it is, and a
 * plain `{kw}` takes only a value that cannot change the statement's shape (a number or a
 * single word: see sql-keyword-shape.ts).
 */
import type { FormatKws } from './keywords';
import { OutputRef, PENDING_OUTPUT, resolveKeywordRefs } from './output';
import { defaultRuntime, type Runtime } from './runtime';
import { commentMarkerAt, PLAIN_KEYWORD_RULE, shapeChanger } from './sql-keyword-shape';

export type { FormatKws };

interface Literal {
  kind: 'literal';
  text: string;
}

interface Field {
  kind: 'field';
  /** The keyword name: the part before any `.attr` or `[index]`. */
  name: string;
  path: Array<string | number>;
  /** `!s`, `!r`, `!a` as in Python; `!q` (SQL string literal), `!i` (SQL name) and `!sql` (trusted SQL, as it is) in SQL text. */
  conversion?: 's' | 'r' | 'a' | 'q' | 'i' | 'sql';
  /** The spec, itself a template (Python allows `{x:{width}}`). */
  spec: Part[];
  source: string;
}

type Part = Literal | Field;

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

function unsafeWhat(keyword: string, found: string, field: string, how?: UnsafeHow): string {
  const into = `which ${field} would put into the SQL as it is`;
  if (how === undefined) return `the keyword \`${keyword}\` holds ${describeFound(found)}, ${into}`;
  if ('formattedBy' in how) return `the formatted value of the keyword \`${keyword}\` holds ${describeFound(found)} (because of ${how.formattedBy}), ${into}`;
  const value = how.joins === 'around' ? 'is empty' : `${how.joins === 'before' ? 'starts' : 'ends'} with \`${how.edge}\``;
  const text = how.joins === 'around' ? 'the text before and after it' : `the text ${how.joins} it`;
  return `the keyword \`${keyword}\` ${value}, which would join ${text} into ${describeFound(found)} where ${field} puts it into the SQL`;
}

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

/** How SQL text is quoted for one database engine: `{kw!q}` and `{kw!i}`. */
export interface SqlQuoting {
  /** The engine, as messages name it. */
  readonly engine: string;
  /** `text` as an SQL string literal: `'it''s'`. */
  literal(text: string): string;
  /** A name of one or more parts (`schema`, `table`), each part quoted: `"a"."b"`. */
  identifier(parts: readonly string[]): string;
}

/** How `formatTemplate` fills a template. */
export interface FormatOptions {
  /** Keywords whose fields are left in place (see `formatTemplate`). */
  keep?: ReadonlySet<string>;
  /** The template is SQL text for this engine: `{kw!q}` / `{kw!i}` quote, and a plain `{kw}` is checked. */
  sql?: SqlQuoting;
}

const cache = new Map<string, Part[]>();

/** Parses a template once; throws FormatError for bad syntax. */
function parse(template: string): Part[] {
  let parts = cache.get(template);
  if (!parts) {
    parts = parseAt(template, 0, template.length, 0);
    if (cache.size > 1000) cache.clear();
    cache.set(template, parts);
  }
  return parts;
}

function parseAt(text: string, start: number, end: number, depth: number): Part[] {
  const parts: Part[] = [];
  let literal = '';
  let i = start;
  while (i < end) {
    const ch = text[i];
    if (ch === '{') {
      if (text[i + 1] === '{' && i + 1 < end) {
        literal += '{';
        i += 2;
        continue;
      }
      const close = matchingBrace(text, i, end);
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      parts.push(parseField(text, i + 1, close, depth));
      i = close + 1;
    } else if (ch === '}') {
      if (text[i + 1] === '}' && i + 1 < end) {
        literal += '}';
        i += 2;
        continue;
      }
      throw new FormatError(`Single '}' encountered in format string ${quote(text)}; write '}}' for a literal brace`);
    } else {
      literal += ch;
      i += 1;
    }
  }
  if (literal) parts.push({ kind: 'literal', text: literal });
  return parts;
}

function matchingBrace(text: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new FormatError(`Single '{' encountered in format string ${quote(text)}; write '{{' for a literal brace`);
}

function parseField(text: string, start: number, end: number, depth: number): Field {
  const source = text.slice(start - 1, end + 1);
  if (depth > 1) throw new FormatError(`Max string recursion exceeded in ${quote(text)}`);
  // The field name ends at the first '!' or ':' outside brackets.
  let i = start;
  let inBracket = false;
  while (i < end) {
    const ch = text[i];
    if (ch === '[') inBracket = true;
    else if (ch === ']') inBracket = false;
    else if (!inBracket && (ch === '!' || ch === ':')) break;
    i += 1;
  }
  const fieldName = text.slice(start, i);
  let conversion: Field['conversion'];
  if (text[i] === '!') {
    const c = text.startsWith('sql', i + 1) && (i + 4 === end || text[i + 4] === ':') ? 'sql' : text[i + 1];
    if (c !== 's' && c !== 'r' && c !== 'a' && c !== 'q' && c !== 'i' && c !== 'sql') {
      throw new FormatError(
        `Unknown conversion specifier ${c ?? ''} in ${quote(source)}; use !s or !r (in SQL: !q for a string literal, !i for a name, !sql for a trusted SQL fragment)`,
      );
    }
    conversion = c;
    i += 1 + c.length;
    if (i < end && text[i] !== ':') throw new FormatError(`Expected ':' after conversion specifier in ${quote(source)}`);
  }
  const spec = text[i] === ':' ? parseAt(text, i + 1, end, depth + 1) : [];
  const { name, path } = parseFieldName(fieldName, source);
  return { kind: 'field', name, path, conversion, spec, source };
}

function parseFieldName(fieldName: string, source: string): { name: string; path: Array<string | number> } {
  const match = /^[^.[]*/.exec(fieldName);
  const name = match ? match[0] : '';
  if (name === '' || /^\d+$/.test(name)) {
    throw new FormatError(
      `Positional field ${quote(source)} is not supported: name the keyword, as in {day}`,
    );
  }
  const path: Array<string | number> = [];
  let rest = fieldName.slice(name.length);
  while (rest.length > 0) {
    const attr = /^\.([^.[]+)/.exec(rest);
    if (attr) {
      path.push(attr[1]);
      rest = rest.slice(attr[0].length);
      continue;
    }
    const index = /^\[([^\]]+)\]/.exec(rest);
    if (index) {
      path.push(/^\d+$/.test(index[1]) ? Number(index[1]) : index[1]);
      rest = rest.slice(index[0].length);
      continue;
    }
    throw new FormatError(`Bad field name in ${quote(source)}`);
  }
  return { name, path };
}

function quote(text: string): string {
  const short = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return `\`${short}\``;
}

/** The keyword names a template uses (throws FormatError for bad syntax). */
export function templateKeywords(template: string): string[] {
  const names = new Set<string>();
  const walk = (parts: Part[]): void => {
    for (const part of parts) {
      if (part.kind === 'field') {
        names.add(part.name);
        walk(part.spec);
      }
    }
  };
  walk(parse(template));
  return [...names];
}

/**
 * Fills a template from `kws` (Python `str.format` rules). A keyword not in `kws`, or set
 * to `undefined`, is a FormatError naming it.
 *
 * Fields whose keyword is in `keep` are left as they are (`{part:05d}` stays), and the rest of
 * the text is escaped (`{` as `{{`), so the result is itself a template, filled later with
 * the kept keywords alone: ToS3 fills `{part}` once per object it writes.
 *
 * With `sql`, the template is SQL text: `{kw!q}` renders an SQL string literal, `{kw!i}` a
 * quoted name (each dot-separated part quoted), `{kw!sql}` the value as it is (a trusted
 * fragment), and a plain `{kw}` whose value is not a number or a single word is an
 * `UnsafeKeywordError`. Without it, `!q`, `!i` and `!sql` are errors.
 */
export function formatTemplate(template: string, kws: FormatKws, options?: ReadonlySet<string> | FormatOptions): string {
  const { keep, sql } = options instanceof Set ? { keep: options as ReadonlySet<string>, sql: undefined } : ((options ?? {}) as FormatOptions);
  const parts = parse(template);
  if (!sql && (keep === undefined || keep.size === 0)) return render(parts, kws);
  const kept = (part: Part): boolean => part.kind === 'field' && keep?.has(part.name) === true;
  const pieces = parts.map((part, index) => {
    if (part.kind === 'literal') return part.text;
    return kept(part) ? part.source : renderField(parts, index, kws, sql);
  });
  if (sql) checkJoins(parts, pieces, (part) => !kept(part) && isPlain(part));
  if (keep === undefined || keep.size === 0) return pieces.join('');
  return pieces.map((piece, index) => (kept(parts[index]) ? piece : escapeBraces(piece))).join('');
}

/** A field that fills SQL text with its value as it is, checked (no `!q`, `!i` or `!sql`). */
function isPlain(part: Part): part is Field {
  return part.kind === 'field' && part.conversion !== 'q' && part.conversion !== 'i' && part.conversion !== 'sql';
}

/**
 * Each checked field's value against the text on either side of it: a value that passes alone
 * may still finish a comment marker the template starts or ends (`10-{n}` with `-1` makes
 * `10--1`, the rest of the line a comment; `{a}{b}` with `x-` and `-y`; `{col}*2` with `p/`).
 */
function checkJoins(parts: Part[], pieces: string[], checked: (part: Part) => boolean): void {
  const sql = pieces.join('');
  let at = 0;
  pieces.forEach((piece, index) => {
    const start = at;
    at += piece.length;
    const part = parts[index];
    if (!checked(part)) return;
    const field = part as Field;
    const joins = (where: number, how: 'before' | 'after' | 'around', edge: string): void => {
      const marker = commentMarkerAt(sql, where);
      if (marker !== undefined) {
        throw new UnsafeKeywordError(field.name, marker, field.source, quotedWith(parts, index), { joins: how, edge });
      }
    };
    if (piece === '') return joins(start - 1, 'around', '');
    joins(start - 1, 'before', piece[0]);
    joins(at - 1, 'after', piece[piece.length - 1]);
  });
}

function escapeBraces(text: string): string {
  return text.replace(/[{}]/g, (brace) => brace + brace);
}

function render(parts: Part[], kws: FormatKws): string {
  let out = '';
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index];
    out += part.kind === 'literal' ? part.text : renderField(parts, index, kws);
  }
  return out;
}

/** The value of field `part`: its keyword, then each `.attr` / `[index]` step. */
function fieldValue(part: Field, kws: FormatKws): unknown {
  if (!Object.prototype.hasOwnProperty.call(kws, part.name) || kws[part.name] === undefined) {
    throw new FormatError(`missing format keyword \`${part.name}\``, part.name, 'missing');
  }
  let value: unknown = kws[part.name];
  let reached = part.name;
  for (const step of part.path) {
    if (value instanceof OutputRef) throw value.notReady();
    if (value === PENDING_OUTPUT) return value;
    if (value === null || value === undefined) {
      throw new FormatError(`cannot read ${JSON.stringify(step)} of ${reached} (it is ${String(value)})`, part.name);
    }
    value = (value as Record<string | number, unknown>)[step];
    reached += typeof step === 'number' ? `[${step}]` : `.${step}`;
    if (value === undefined) throw new FormatError(`${reached} is undefined in ${quote(part.source)}`, part.name);
  }
  return value;
}

/** The quote the template writes right around field `index` (`'{day}'`), if any. */
function quotedWith(parts: Part[], index: number): string | undefined {
  const before = parts[index - 1];
  const after = parts[index + 1];
  if (before?.kind !== 'literal' || after?.kind !== 'literal') return undefined;
  const quote = before.text.slice(-1);
  return (quote === "'" || quote === '"') && after.text.startsWith(quote) ? quote : undefined;
}

/** Field `parts[index]` as text: converted, formatted, and in SQL text quoted or checked. */
function renderField(parts: Part[], index: number, kws: FormatKws, sql?: SqlQuoting): string {
  const part = parts[index] as Field;
  let value = fieldValue(part, kws);
  // A task output pre-flight cannot know yet: `0` stands in (an SQL conversion outside SQL text is still refused).
  if (value === PENDING_OUTPUT && (sql || isPlain(part))) return '0';
  const spec = render(part.spec, kws);
  if (part.conversion === 'q' || part.conversion === 'i' || part.conversion === 'sql') {
    if (!sql) {
      throw new FormatError(
        `${quote(part.source)} ${part.conversion === 'sql' ? 'inserts SQL' : 'quotes SQL'}, and this text is not SQL: !q, !i and !sql work in the SQL text of SQL tasks (query, statement, tablename); write {${part.name}} here`,
        part.name,
        'not-sql',
      );
    }
    if (part.conversion === 'sql') return trustedSql(value, spec, part);
    if (quotedWith(parts, index) !== undefined) {
      throw new FormatError(
        `${quote(part.source)} makes its own quotes: remove the quotes the template puts around it`,
        part.name,
      );
    }
    return part.conversion === 'q' ? sqlLiteral(value, spec, part, sql) : sqlName(value, spec, part, sql);
  }
  const raw = value;
  if (part.conversion === 'r' || part.conversion === 'a') value = repr(value);
  else if (part.conversion === 's') value = str(value);
  const text = applySpec(value, spec, part.source);
  if (sql) {
    const found = shapeChanger(text);
    if (found !== undefined) throw unsafe(part, found, raw, spec, quotedWith(parts, index));
  }
  return text;
}

/** The refusal of a plain `{kw}` whose text holds `found`: said of the value, or of what its spec or conversion made of it. */
function unsafe(part: Field, found: string, raw: unknown, spec: string, quoted: string | undefined): UnsafeKeywordError {
  const alone = shapeChanger(str(raw));
  if (alone !== undefined) return new UnsafeKeywordError(part.name, alone, part.source, quoted);
  const converted = part.conversion === 'r' || part.conversion === 'a';
  const byConversion = converted && shapeChanger(repr(raw)) !== undefined;
  const formattedBy = byConversion ? `the conversion \`!${part.conversion}\`` : `the spec \`:${spec}\``;
  return new UnsafeKeywordError(part.name, found, part.source, quoted, { formattedBy });
}

/** `{kw!sql}`: the value (after its format spec) as SQL, unchecked: the job vouches for it. */
function trustedSql(value: unknown, spec: string, part: Field): string {
  const text = applySpec(value, spec, part.source);
  checkNul(text, part, 'SQL text');
  return text;
}

/** No NUL byte: SQL text cannot carry one (PostgreSQL refuses it, others cut the text there). */
function checkNul(text: string, part: Field, what: string): void {
  if (text.includes('\0')) {
    throw new FormatError(`the keyword \`${part.name}\` holds a NUL byte (\\0), which ${what} cannot carry; bind it with params instead`, part.name, 'unsafe');
  }
}

/** `{kw!q}`: the value (after its format spec) as an SQL string literal; null is NULL. */
function sqlLiteral(value: unknown, spec: string, part: Field, sql: SqlQuoting): string {
  if (value === null) return 'NULL';
  const text = applySpec(value, spec, part.source);
  checkNul(text, part, 'an SQL string literal');
  return sql.literal(text);
}

/** `{kw!i}`: a name, each dot-separated part quoted; an array gives the parts as they are. */
function sqlName(value: unknown, spec: string, part: Field, sql: SqlQuoting): string {
  if (value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new FormatError(`${quote(part.source)} needs a name, and the keyword \`${part.name}\` is ${value === null ? 'null' : 'empty'}`, part.name);
  }
  const names = Array.isArray(value) ? value.map((v) => applySpec(v, spec, part.source)) : applySpec(value, spec, part.source).split('.');
  for (const name of names) {
    if (name === '') {
      throw new FormatError(
        `${quote(part.source)} needs a name like \`table\` or \`schema.table\`; the keyword \`${part.name}\` has an empty part`,
        part.name,
      );
    }
    checkNul(name, part, 'an SQL name');
  }
  return sql.identifier(names);
}

function repr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'bigint') return value.toString();
  return str(value);
}

/** A value as text, the way a template shows it with no spec. */
function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value === null) return 'null';
  if (typeof value === 'object') {
    const own = (value as { toString?: unknown }).toString;
    if (own !== Object.prototype.toString && typeof own === 'function') return String(value);
    try {
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } catch {
      return String(value);
    }
  }
  return String(value);
}

// [[fill]align][sign][z][#][0][width][grouping][.precision][type]
const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([a-zA-Z%])?$/s;

function applySpec(value: unknown, spec: string, source: string): string {
  if (spec === '') return str(value);
  if (value instanceof Date && spec.includes('%')) return strftime(value, spec);
  const m = SPEC.exec(spec);
  if (!m) throw new FormatError(`Invalid format specifier \`${spec}\` in ${quote(source)}`);
  const [, fillChar, alignChar, sign = '-', , alt, zero, widthText, grouping, precisionText, type] = m;
  let fill = fillChar ?? (zero && !alignChar ? '0' : ' ');
  let align = alignChar ?? (zero ? '=' : undefined);
  const width = widthText ? Number(widthText) : 0;
  const precision = precisionText === undefined ? undefined : Number(precisionText);

  const numeric = typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
  if (!numeric) {
    if (type && type !== 's') {
      throw new FormatError(`Format code '${type}' needs a number, got ${typeof value} in ${quote(source)}`);
    }
    let text = str(value);
    if (precision !== undefined) text = text.slice(0, precision);
    return pad(text, '', width, fill, align ?? '<');
  }

  const num = typeof value === 'boolean' ? Number(value) : value;
  let body: string;
  let negative: boolean;
  const t = type ?? (typeof num === 'bigint' || Number.isInteger(num) ? 'd' : 'g');
  if (typeof num === 'bigint') {
    negative = num < 0n;
    const abs = negative ? -num : num;
    if (t === 'd' || t === 'n') body = group(abs.toString(), grouping);
    else if (t === 'x' || t === 'X' || t === 'o' || t === 'b') body = radix(abs, t, alt);
    else return applySpec(Number(num), spec, source);
  } else {
    negative = num < 0 || Object.is(num, -0);
    const abs = Math.abs(num);
    switch (t) {
      case 'd':
      case 'n':
        if (!Number.isInteger(num)) throw new FormatError(`Format code 'd' needs an integer, got ${num} in ${quote(source)}`);
        body = group(abs.toFixed(0), grouping);
        break;
      case 'x':
      case 'X':
      case 'o':
      case 'b':
        if (!Number.isInteger(num)) throw new FormatError(`Format code '${t}' needs an integer, got ${num} in ${quote(source)}`);
        body = radix(BigInt(abs), t, alt);
        break;
      case 'f':
      case 'F':
        body = fixed(abs, precision ?? 6, grouping);
        break;
      case '%':
        body = `${fixed(abs * 100, precision ?? 6, grouping)}%`;
        break;
      case 'e':
      case 'E': {
        const [mant, exp] = abs.toExponential(precision ?? 6).split('e');
        const e = Number(exp);
        body = `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
        if (t === 'E') body = body.toUpperCase();
        break;
      }
      case 'g':
      case 'G':
        body = precision === undefined ? String(abs) : String(Number(abs.toPrecision(Math.max(precision, 1))));
        if (grouping) body = groupDecimal(body, grouping);
        break;
      case 's':
        body = String(abs);
        break;
      default:
        throw new FormatError(`Unknown format code '${t}' for a number in ${quote(source)}`);
    }
  }
  const signText = negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  if (fill === undefined) fill = ' ';
  return pad(body, signText, width, fill, align ?? '>');
}

function fixed(abs: number, precision: number, grouping?: string): string {
  return groupDecimal(abs.toFixed(precision), grouping);
}

function groupDecimal(text: string, grouping?: string): string {
  if (!grouping) return text;
  const [int, frac] = text.split('.');
  return frac === undefined ? group(int, grouping) : `${group(int, grouping)}.${frac}`;
}

function group(digits: string, grouping?: string): string {
  if (!grouping) return digits;
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, grouping);
}

function radix(abs: bigint, t: string, alt?: string): string {
  const base = t === 'o' ? 8 : t === 'b' ? 2 : 16;
  let text = abs.toString(base);
  if (t === 'X') text = text.toUpperCase();
  if (alt) text = `0${t === 'X' ? 'X' : t}${text}`;
  return text;
}

function pad(body: string, sign: string, width: number, fill: string, align: string): string {
  const length = body.length + sign.length;
  if (length >= width) return sign + body;
  const room = width - length;
  switch (align) {
    case '<':
      return sign + body + fill.repeat(room);
    case '^': {
      const left = Math.floor(room / 2);
      return fill.repeat(left) + sign + body + fill.repeat(room - left);
    }
    case '=':
      return sign + fill.repeat(room) + body;
    default:
      return fill.repeat(room) + sign + body;
  }
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** Python-style strftime for a Date, in UTC. */
function strftime(date: Date, spec: string): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return spec.replace(/%([a-zA-Z%])/g, (whole, code: string) => {
    switch (code) {
      case 'Y': return String(date.getUTCFullYear()).padStart(4, '0');
      case 'y': return two(date.getUTCFullYear() % 100);
      case 'm': return two(date.getUTCMonth() + 1);
      case 'd': return two(date.getUTCDate());
      case 'H': return two(date.getUTCHours());
      case 'I': return two(date.getUTCHours() % 12 || 12);
      case 'p': return date.getUTCHours() < 12 ? 'AM' : 'PM';
      case 'M': return two(date.getUTCMinutes());
      case 'S': return two(date.getUTCSeconds());
      case 'f': return String(date.getUTCMilliseconds() * 1000).padStart(6, '0');
      case 'j': {
        const start = Date.UTC(date.getUTCFullYear(), 0, 1);
        return String(Math.floor((date.getTime() - start) / 86_400_000) + 1).padStart(3, '0');
      }
      case 'a': return DAYS[date.getUTCDay()].slice(0, 3);
      case 'A': return DAYS[date.getUTCDay()];
      case 'b': return MONTHS[date.getUTCMonth()].slice(0, 3);
      case 'B': return MONTHS[date.getUTCMonth()];
      case 'w': return String(date.getUTCDay());
      case 'z': return '+0000';
      case 'Z': return 'UTC';
      case '%': return '%';
      default: return whole;
    }
  });
}

// ---------------------------------------------------------------------------
// Global keywords: kept by a runtime's keyword store (the public functions: the default runtime's)

/** Merges `kws` into the global format keywords (later calls win). */
export function updateFormatKws(kws: FormatKws): void {
  defaultRuntime.keywords.update(kws);
}

/** The keywords a task with these `formatKws` sees: global, then the task's, then the command's `--set` (task outputs resolved while it runs). */
export function keywordsFor(formatKws?: FormatKws | null, runtime: Runtime = defaultRuntime): FormatKws {
  return resolveKeywordRefs(runtime.keywords.for(formatKws), runtime);
}

/** A copy of the global format keywords, with the command's `--set` ones over them. */
export function getFormatKws(): FormatKws {
  const store = defaultRuntime.keywords;
  return store.watched(store.all());
}

/** The keywords a task's own code reads (`this.keywords`): like `keywordsFor`, noting which `--set` ones it reads. */
export function taskKeywords(formatKws?: FormatKws | null, runtime: Runtime = defaultRuntime): FormatKws {
  const store = runtime.keywords;
  return store.watched(resolveKeywordRefs(store.for(formatKws), runtime));
}

/** Notes the keywords a template uses, and a task's `formatKws`: a `--set` key none of them has is pointed out. */
export function noteKeywordsUsed(names: Iterable<string>, formatKws?: FormatKws | null, runtime: Runtime = defaultRuntime): void {
  runtime.keywords.noteUsed(names, formatKws);
}

/** Forgets every global format keyword (keywords set by the command's --set stay). */
export function clearFormatKws(): void {
  defaultRuntime.keywords.clear();
}
