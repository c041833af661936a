/** A spec's own look at the database while a job runs: queries on a session of the spec's own. */
import { setTimeout as sleep } from 'node:timers/promises';
import { SQLSession } from '../../lib';

/** Runs `sql` (a statement, or a query: its rows as objects) on a session of the spec's own. */
export async function admin<T = Record<string, unknown>>(dsn: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const resource = new SQLSession();
  const session = await resource.open({ DB_DSN: dsn });
  try {
    if (!/^\s*select/i.test(sql)) {
      await session.execute(sql);
      return [];
    }
    const table = await session.query(sql, values);
    return table.rows.map((row) => Object.fromEntries(table.columns.map((column, i) => [column, row[i]])) as T);
  } finally {
    await resource.close(session);
  }
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}
