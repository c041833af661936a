/**
 * Fields in SQL text: `{kw!q}` (a string literal), `{kw!i}` (a quoted name), `{kw!sql}` (a
 * trusted fragment, as it is), and the checks on a plain `{kw}`: its value must not change the
 * statement's shape, alone or joined with the text around it (see sql-keyword-shape.ts).
 */
import { commentMarkerAt, shapeChanger } from '../sql-keyword-shape';
import { FormatError, UnsafeKeywordError } from './format-error';
import { applySpec, repr, str } from './format-spec';
import { quote, type Field, type Part } from './parts';

/** How SQL text is quoted for one database engine: `{kw!q}` and `{kw!i}`. */
export interface SqlQuoting {
  /** The engine, as messages name it. */
  readonly engine: string;
  /** `text` as an SQL string literal: `'it''s'`. */
  literal(text: string): string;
  /** A name of one or more parts (`schema`, `table`), each part quoted: `"a"."b"`. */
  identifier(parts: readonly string[]): string;
}

/** A field that fills SQL text with its value as it is, checked (no `!q`, `!i` or `!sql`). */
export function isPlain(part: Part): part is Field {
  return part.kind === 'field' && part.conversion !== 'q' && part.conversion !== 'i' && part.conversion !== 'sql';
}

/**
 * Each checked field's value against the text on either side of it: a value that passes alone
 * may still finish a comment marker the template starts or ends (`10-{n}` with `-1` makes
 * `10--1`, the rest of the line a comment; `{a}{b}` with `x-` and `-y`; `{col}*2` with `p/`).
 */
export function checkJoins(parts: Part[], pieces: string[], checked: (part: Part) => boolean): void {
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

/** The quote the template writes right around field `index` (`'{day}'`), if any. */
export function quotedWith(parts: Part[], index: number): string | undefined {
  const before = parts[index - 1];
  const after = parts[index + 1];
  if (before?.kind !== 'literal' || after?.kind !== 'literal') return undefined;
  const quote = before.text.slice(-1);
  return (quote === "'" || quote === '"') && after.text.startsWith(quote) ? quote : undefined;
}

/** The refusal of a plain `{kw}` whose text holds `found`: said of the value, or of what its spec or conversion made of it. */
export function unsafe(part: Field, found: string, raw: unknown, spec: string, quoted: string | undefined): UnsafeKeywordError {
  const alone = shapeChanger(str(raw));
  if (alone !== undefined) return new UnsafeKeywordError(part.name, alone, part.source, quoted);
  const converted = part.conversion === 'r' || part.conversion === 'a';
  const byConversion = converted && shapeChanger(repr(raw)) !== undefined;
  const formattedBy = byConversion ? `the conversion \`!${part.conversion}\`` : `the spec \`:${spec}\``;
  return new UnsafeKeywordError(part.name, found, part.source, quoted, { formattedBy });
}

/** `{kw!sql}`: the value (after its format spec) as SQL, unchecked: the job vouches for it. */
export function trustedSql(value: unknown, spec: string, part: Field): string {
  const text = applySpec(value, spec, part.source);
  checkNul(text, part, 'SQL text');
  return text;
}

/** No NUL byte: SQL text cannot carry one (PostgreSQL refuses it, others cut the text there). */
export function checkNul(text: string, part: Field, what: string): void {
  if (text.includes('\0')) {
    throw new FormatError(`the keyword \`${part.name}\` holds a NUL byte (\\0), which ${what} cannot carry; bind it with params instead`, part.name, 'unsafe');
  }
}

/** `{kw!q}`: the value (after its format spec) as an SQL string literal; null is NULL. */
export function sqlLiteral(value: unknown, spec: string, part: Field, sql: SqlQuoting): string {
  if (value === null) return 'NULL';
  const text = applySpec(value, spec, part.source);
  checkNul(text, part, 'an SQL string literal');
  return sql.literal(text);
}

/** `{kw!i}`: a name, each dot-separated part quoted; an array gives the parts as they are. */
export function sqlName(value: unknown, spec: string, part: Field, sql: SqlQuoting): string {
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

