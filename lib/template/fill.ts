/**
 * Filling a parsed template from keywords: each field's value reached, converted and
 * formatted; in SQL text quoted or checked (./sql-fields.ts); fields of kept keywords left in place.
 */
import type { FormatKws } from '../keywords';
import { OutputRef, PENDING_OUTPUT } from '../output';
import { shapeChanger } from '../sql-keyword-shape';
import { FormatError } from './format-error';
import { applySpec, repr, str } from './format-spec';
import { parse, quote, type Field, type Part } from './parts';
import { checkJoins, isPlain, quotedWith, sqlLiteral, sqlName, trustedSql, unsafe, type SqlQuoting } from './sql-fields';

/** How `formatTemplate` fills a template. */
export interface FormatOptions {
  /** Keywords whose fields are left in place (see `formatTemplate`). */
  keep?: ReadonlySet<string>;
  /** The template is SQL text for this engine: `{kw!q}` / `{kw!i}` quote, and a plain `{kw}` is checked. */
  sql?: SqlQuoting;
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

/** Text as a template gives it back: each brace doubled. */
function escapeBraces(text: string): string {
  return text.replace(/[{}]/g, (brace) => brace + brace);
}

/** The parts filled, no SQL, no kept keywords (the common case, kept fast). */
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
