/**
 * When the rows a session reads can be loaded on a second session of the same config. The second
 * session is another connection: it shares the database's tables, not the first session's state
 * (its temp tables, its SET …), and an in-memory SQLite database is not shared at all.
 */
import { isSqlRows } from '../data/sql-rows';
import type { SessionSettings } from '../resources/sql/dialect';
import { dialectNamed } from '../resources/sql/dialects';
import type { SqlSession } from '../resources/sql/session';
import { splitName } from '../resources/sql/write';

/** Why `tablename` cannot be written on a second session of `settings`, judged from the names alone; undefined when it can. */
export function secondSessionBar(settings: SessionSettings, tablename: string): string | undefined {
  const checks = dialectNamed(settings.dialect)?.secondSession;
  const unshared = checks?.privateDatabase?.(settings);
  if (unshared !== undefined) return unshared;
  const { schema, name } = splitName(tablename);
  if (checks?.isTempTable(schema, name)) return `${tablename} is a temp table, which only the session that made it sees`;
  return undefined;
}

/**
 * Why `tablename` cannot be written on the `second` session: a temp table of that name exists
 * in another session (maybe the job's own, which the second session cannot see), on an engine
 * that can tell (PostgreSQL). Undefined when it can.
 */
export async function otherSessionTemp(second: SqlSession, tablename: string): Promise<string | undefined> {
  const { schema, name } = splitName(tablename);
  const sql = second.dialect.secondSession.otherSessionTempSql;
  if (sql === undefined || schema !== undefined) return undefined;
  const found = await second.query(sql, [name]);
  return found.rows.length > 0 ? `a temp table named ${tablename} exists, which only the session that made it sees` : undefined;
}

/**
 * Why `tablename` cannot be replaced on the `second` session: the `first` session (busy reading
 * the rows) holds a lock on it, so the DROP would wait for a read that waits for it, on an
 * engine that can tell (PostgreSQL). Undefined when it can.
 */
export async function lockedByReader(first: SqlSession, second: SqlSession, tablename: string): Promise<string | undefined> {
  const lock = second.dialect.secondSession.readerLock;
  const id = lock?.sessionId(first.link?.connection);
  if (lock === undefined || id === undefined) return undefined;
  const held = await second.query(lock.sql, [id, tablename]);
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
