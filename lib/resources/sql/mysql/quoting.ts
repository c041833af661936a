/**
 * `{kw!q}` and `{kw!i}` on MySQL. A literal is `'…'` with `'` doubled and `\` doubled: it reads
 * the same with and without NO_BACKSLASH_ESCAPES in the server's sql_mode (and every session
 * bigrays opens turns that mode off, so bound values, which mysql2 escapes with `\`, read right
 * too). A name is `` `…` `` with inner backticks doubled.
 */
import type { SqlQuoting } from '../../../format';

/** `` `name` `` with inner backticks doubled. */
export function backtickIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `` `schema`.`name` `` of a table (`` `name` `` without a schema). */
export function backtickTable(target: { schema?: string; name: string }): string {
  return target.schema ? `${backtickIdentifier(target.schema)}.${backtickIdentifier(target.name)}` : backtickIdentifier(target.name);
}

/** `'…'` with `'` and `\` doubled. */
export function mysqlLiteral(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export const MYSQL_QUOTING: SqlQuoting = {
  engine: 'MySQL',
  literal: mysqlLiteral,
  identifier: (parts) => parts.map(backtickIdentifier).join('.'),
};
