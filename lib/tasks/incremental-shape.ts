/**
 * What a wrapped incremental query may not hold at its top level (outside parentheses, quotes
 * and comments): a limit on its rows (LIMIT, TOP, FETCH FIRST/NEXT, OFFSET), which would stop
 * the cursor short of the rows left out; and, on SQL Server, shapes it cannot wrap (a leading
 * WITH, an ORDER BY without TOP or OFFSET).
 */

/** The words of `sql` at its top level, lower-cased, in order. */
export function topLevelWords(sql: string): string[] {
  const words: string[] = [];
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let end = sql.indexOf(close, i + 1);
      // A doubled quote is one quote inside the quoted text.
      while (end >= 0 && sql[end + 1] === close) end = sql.indexOf(close, end + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '(') {
      depth++;
      i++;
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))![0];
      if (depth === 0) words.push(word.toLowerCase());
      i += word.length;
    } else {
      i++;
    }
  }
  return words;
}

/** The clause of `words` that limits the rows (`LIMIT`, `TOP`, `FETCH FIRST`, `OFFSET`), if any. */
function limitClause(words: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === 'limit' || word === 'offset') return word.toUpperCase();
    if (word === 'fetch' && (words[i + 1] === 'first' || words[i + 1] === 'next')) return `FETCH ${words[i + 1].toUpperCase()}`;
    if (word === 'top' && (words[i - 1] === 'select' || words[i - 1] === 'distinct' || words[i - 1] === 'all')) return 'TOP';
  }
  return undefined;
}

/** What is wrong with wrapping `sql` (a task's query without `{since}`) on `engine`, each problem starting with `query`. */
export function wrapProblems(sql: string, engine: string | undefined): string[] {
  const words = topLevelWords(sql);
  const limit = limitClause(words);
  if (limit !== undefined) {
    return [`query holds ${limit}: a wrapped incremental query cannot limit its rows (the cursor would pass the rows left out): write {since} in the query (… where id > {since} order by id …) to read past the cursor in steps`];
  }
  if (engine !== 'SQL Server') return [];
  if (words[0] === 'with') {
    return ['query starts with WITH, which SQL Server cannot run inside the query bigrays wraps around it: write {since} in the query (where id > {since}) instead'];
  }
  if (words.some((word, i) => word === 'order' && words[i + 1] === 'by')) {
    return ['query holds ORDER BY, which SQL Server refuses inside the query bigrays wraps around it (the wrapped query is ordered by incremental.column already): remove it, or write {since} in the query instead'];
  }
  return [];
}
