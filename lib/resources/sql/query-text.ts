/**
 * SQL text a dialect's `INSERT … SELECT` load reads and writes: whether a query only reads
 * rows, and the INSERT around it.
 */

/** `sql` without what may come before its first keyword: blanks, comments, opening parentheses and (`semicolons`) `;`. */
function firstKeyword(sql: string, semicolons = false): string {
  const skip = semicolons ? /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\(|;)/ : /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()/;
  let rest = sql;
  for (let m = skip.exec(rest); m && m[0] !== ''; m = skip.exec(rest)) rest = rest.slice(m[0].length);
  return /^[a-z_]+/i.exec(rest)?.[0].toLowerCase() ?? '';
}

/** A word that writes (or that makes a SELECT write: `SELECT … INTO`, `FOR UPDATE`): such a query is loaded as rows, not on the server. */
const WRITES = /\b(?:insert|update|delete|merge|into|call|exec|execute)\b/i;

/**
 * Whether `sql` only reads rows, so that it can be the SELECT of an `INSERT … SELECT` without
 * changing what it does: its first keyword (after blanks, comments and parentheses) is one of
 * `starts`, and no word in it writes. Conservative: a query this refuses is loaded as rows read
 * (a failure inside the INSERT's transaction could not fall back on that).
 */
export function onlyReads(sql: string, starts: readonly string[], semicolons = false): boolean {
  return starts.includes(firstKeyword(sql, semicolons)) && !WRITES.test(sql);
}

/** `INSERT INTO table (columns) sql`, names already quoted; the line break ends a trailing `-- comment` of `sql`. */
export function insertSelectSql(table: string, columns: readonly string[], sql: string): string {
  return `INSERT INTO ${table} (${columns.join(', ')})\n${sql}\n`;
}
