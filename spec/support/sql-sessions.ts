/** SQL sessions as specs use them: a statement run on a database of its own session, and a session that records its opens and closes. */
import { SQLSession, type SqlSession } from '../../lib';

/** Runs `sql` on the database `dsn` names, on a session of its own. */
export async function execute(dsn: string, sql: string): Promise<void> {
  const resource = new SQLSession();
  const session = await resource.open({ DB_DSN: dsn });
  try {
    await session.execute(sql);
  } finally {
    await resource.close(session);
  }
}

/** An SQL session that records when it opens and closes. */
export class WatchedSession extends SQLSession {
  events: string[] = [];
  override async open(config: Parameters<SQLSession['open']>[0]): Promise<SqlSession> {
    this.events.push('open');
    return super.open(config);
  }
  override async close(session: SqlSession): Promise<void> {
    await super.close(session);
    this.events.push('close');
  }
}
