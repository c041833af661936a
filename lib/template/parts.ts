/**
 * A template parsed into its parts (Python `str.format` syntax): literal text and `{fields}`,
 * each with its keyword, its `.attr` / `[index]` path, conversion and format spec.
 */
import { FormatError } from './format-error';

export interface Literal {
  kind: 'literal';
  text: string;
}

export interface Field {
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

export type Part = Literal | Field;

/**
 * Templates parsed so far: a memo, not state. Parsing is pure (the same template always gives
 * the same parts, which no reader changes), nothing behaves differently whether a template is
 * in it or not, and it holds at most about a thousand templates: every runtime in the process
 * shares it as it would share the cache of any pure function.
 */
const parsed = new Map<string, Part[]>();

/** Parses a template once; throws FormatError for bad syntax. */
export function parse(template: string): Part[] {
  let parts = parsed.get(template);
  if (!parts) {
    parts = parseAt(template, 0, template.length, 0);
    if (parsed.size > 1000) parsed.clear();
    parsed.set(template, parts);
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

/** A template or a field as messages quote it: in backquotes, cut at 120 characters. */
export function quote(text: string): string {
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
