/** The bench table: its columns, the SQL that makes it (and the changes a merge merges), and its rows made here as a job would stream them. */

/** The columns of the bench table, as a load creates them. */
export const LOAD_COLUMNS = ['id', 'n', 'memo', 'amount', 'at', 'flag'];
export const LOAD_TYPES: Record<string, string> = {
  id: 'bigint', n: 'integer', memo: 'text', amount: 'numeric(12,2)', at: 'timestamptz', flag: 'boolean',
};

/**
 * The bench table, made by PostgreSQL: text with commas, quotes, NULL and '' among it, exact
 * decimals, timestamps with microseconds.
 */
export function benchTableSql(rows: number): string {
  return `create table bench as select
      g::bigint * 1000003 as id,
      (g % 100000)::int as n,
      case when g % 10 = 0 then null when g % 10 = 1 then '' else 'memo, "quoted" ' || g end as memo,
      (g % 1000000 * 1.01)::numeric(12,2) as amount,
      timestamptz '2026-01-01 00:00:00+00' + g * interval '1.000001 second' as at,
      g % 3 = 0 as flag
    from generate_series(1, ${rows}) g`;
}

/**
 * The changes a merge case merges, made by PostgreSQL as the bench table is: the last half of
 * the bench table's rows with another memo and amount, and as many new rows after them.
 */
export function benchChangesSql(rows: number): string {
  return benchTableSql(rows)
    .replace('create table bench as', 'create table bench_changes as')
    .replace("'memo, \"quoted\" ' || g", "'changed, \"quoted\" ' || g")
    .replace('* 1.01)::numeric(12,2)', '* 1.02)::numeric(12,2)')
    .replace(`generate_series(1, ${rows})`, `generate_series(${Math.floor(rows / 2) + 1}, ${Math.floor(rows / 2) + rows})`);
}

const BASE_MS = Date.UTC(2026, 0, 1);
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * The rows of the bench table, made here, as an SQLStream reads them (integers as numbers,
 * numeric and timestamps as text, NULL as null), streamed: what a job hands SQLWrite. Made
 * cheaply (the hour's text once an hour), so that what is timed is the load.
 */
export async function* benchRows(rows: number): AsyncGenerator<unknown[]> {
  let hour = -1;
  let prefix = '';
  for (let g = 1; g <= rows; g++) {
    // g × 1.000001 s after the base: g + ⌊g / 10⁶⌋ seconds and (g mod 10⁶) µs.
    const seconds = g + Math.floor(g / 1e6);
    if (Math.floor(seconds / 3600) !== hour) {
      hour = Math.floor(seconds / 3600);
      prefix = new Date(BASE_MS + hour * 3_600_000).toISOString().slice(0, 14);
    }
    const within = seconds % 3600;
    const at = `${prefix}${TWO[Math.floor(within / 60)]}:${TWO[within % 60]}.${String(1e6 + (g % 1e6)).slice(1)}Z`;
    const cents = (g % 1000000) * 101;
    const memo = g % 10 === 0 ? null : g % 10 === 1 ? '' : `memo, "quoted" ${g}`;
    yield [g * 1000003, g % 100000, memo, `${Math.floor(cents / 100)}.${TWO[cents % 100]}`, at, g % 3 === 0];
  }
}
