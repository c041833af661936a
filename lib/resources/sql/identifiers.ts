/**
 * Names in SQL text: quoting a name as the engines take it, and reading a quoted
 * `schema.table` back into its parts.
 */

/** `"name"` with inner quotes doubled (PostgreSQL, SQLite). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"` of a table (`"name"` without a schema), quoted as PostgreSQL and SQLite take it. */
export function quotedTable(target: { schema?: string; name: string }): string {
  return target.schema ? `${quoteIdentifier(target.schema)}.${quoteIdentifier(target.name)}` : quoteIdentifier(target.name);
}

/** `[name]` with inner closing brackets doubled (SQL Server). */
export function bracketIdentifier(name: string): string {
  return `[${name.replace(/]/g, ']]')}]`;
}

/**
 * A table name as `SQLWrite.tablename` holds it → its parts: `schema.table`, or parts quoted
 * as `{kw!i}` renders them (`"my schema"."it""s"`, `[a].[b]]c]`, `` `a`.`b``c` ``), quotes removed. Undefined
 * for a name that is not made of such parts (a stray quote).
 */
export function nameParts(text: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    const open = text[i];
    const close = open === '"' ? '"' : open === '[' ? ']' : open === '`' ? '`' : undefined;
    if (close === undefined) {
      const end = text.indexOf('.', i);
      const part = text.slice(i, end < 0 ? undefined : end);
      if (/["[\]`]/.test(part)) return undefined;
      parts.push(part);
      if (end < 0) return parts;
      i = end + 1;
      continue;
    }
    let part = '';
    let j = i + 1;
    for (;;) {
      const k = text.indexOf(close, j);
      if (k < 0) return undefined;
      part += text.slice(j, k);
      if (text[k + 1] === close) {
        part += close;
        j = k + 2;
        continue;
      }
      j = k + 1;
      break;
    }
    parts.push(part);
    if (j === text.length) return parts;
    if (text[j] !== '.') return undefined;
    i = j + 1;
  }
}

/** `'text'` with inner quotes doubled: standard SQL's string literal, a backslash a plain character. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
