/**
 * When the rows a session reads can be loaded on a second session of the same config. The second
 * session is another connection: it shares the database's tables, not the first session's state
 * (its temp tables, its SET …), and an in-memory SQLite database is not shared at all.
 */
import { isSqlRows } from '../data/sql-rows';
import type { SessionSettings } from '../resources/sql/dsn';
import type { SqlSession } from '../resources/sql/session';
import { splitName } from '../resources/sql/write';

/** Why `tablename` cannot be written on a second session of `settings`, judged from the names alone; undefined when it can. */
export function secondSessionBar(settings: SessionSettings, tablename: string): string | undefined {
  if (settings.dialect === 'sqlite' && settings.connection.filename === ':memory:') {
    return 'the database is in memory (sqlite::memory:), and a second session would open a new, empty one';
  }
  const { schema, name } = splitName(tablename);
  const temp =
    (settings.dialect === 'postgres' && schema !== undefined && /^pg_temp(_\d+)?$/i.test(schema)) ||
    (settings.dialect === 'mssql' && name.startsWith('#'));
  if (temp) return `${tablename} is a temp table, which only the session that made it sees`;
  return undefined;
}

/**
 * Why `tablename` cannot be written on the `second` session: on PostgreSQL, a temp table of that
 * name exists in another session (maybe the job's own, which the second session cannot see).
 * Undefined when it can.
 */
export async function otherSessionTemp(second: SqlSession, tablename: string): Promise<string | undefined> {
  const { schema, name } = splitName(tablename);
  if (second.dialect.name !== 'postgres' || schema !== undefined) return undefined;
  const found = await second.query(
    "select 1 from pg_class where relname = ? and relpersistence = 't' and relnamespace <> coalesce(pg_my_temp_schema(), 0) limit 1",
    [name],
  );
  return found.rows.length > 0 ? `a temp table named ${tablename} exists, which only the session that made it sees` : undefined;
}

/**
 * Why `tablename` cannot be replaced on the `second` session: on PostgreSQL, the `first` session
 * (busy reading the rows) holds a lock on it, so the DROP would wait for a read that waits for
 * it. Undefined when it can.
 */
export async function lockedByReader(first: SqlSession, second: SqlSession, tablename: string): Promise<string | undefined> {
  const pid = (first.link?.connection as { processID?: unknown } | undefined)?.processID;
  if (second.dialect.name !== 'postgres' || typeof pid !== 'number') return undefined;
  const held = await second.query('select 1 from pg_locks where pid = ? and granted and relation = to_regclass(?) limit 1', [pid, tablename]);
  return held.rows.length > 0
    ? `${tablename} is read by the session's open stream, and replacing it on another session would wait for that read to end`
    : undefined;
}

/** Lets go of rows not read to the end: an `SqlRows` releases its session, a stream of rows is closed. */
export async function releaseInput(input: unknown): Promise<void> {
  if (isSqlRows(input)) return input.release();
  const rows = (input as { rows?: AsyncIterable<unknown> }).rows;
  await rows?.[Symbol.asyncIterator]().return?.();
}
