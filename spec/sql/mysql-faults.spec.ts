/**
 * MySQL and MariaDB when work stops early, against the specs' own MariaDB server: a stream given
 * up or aborted, a query aborted or past DB_STATEMENT_TIMEOUT_MS (stopped on the server with
 * KILL QUERY or by the server itself), a connection the server kills, and a refused login.
 */
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { bigraysRun, BigraysConfig, register, ResourceError, SQLExecute, SQLQuery, SQLSession, SQLStream, SQLWrite, type SqlSession } from '../../lib';
import { MYSQL_PASSWORD, MYSQL_USER, useMysql, whileServerHangs, type AdminConnection } from '../support/mariadb';
import { failureOf, select } from '../support/sql-probe';

/** The ids and statements of the server's connections whose statement holds `marker`, but for the asking one. */
async function running(admin: AdminConnection, marker: string): Promise<Array<{ id: number; info: string }>> {
  const [rows] = await admin.query(
    'SELECT id, info FROM information_schema.processlist WHERE info LIKE ? AND id <> CONNECTION_ID()',
    [`%${marker}%`],
  );
  return rows as Array<{ id: number; info: string }>;
}

/** Waits until a statement holding `marker` runs on the server; its connection's id. */
async function threadRunning(admin: AdminConnection, marker: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = await running(admin, marker);
    if (found.length > 0) return found[0].id;
    if (Date.now() > deadline) throw new Error(`no statement with ${marker} started`);
    await sleep(50);
  }
}

describe('MySQL work stopped early (on a MariaDB server of its own)', function () {
  this.timeout(120_000);
  const mysql = useMysql();

  describe('SQLStream given up early', () => {
    const resource = new SQLSession();

    it('should stop the query on the server when released before the end, and free the session', async () => {
      const session = await resource.open({ DB_DSN: mysql.dsn });
      try {
        const stream = await session.stream("select seq, repeat('x', 100) from seq_1_to_100000000 /* release-me */", undefined, { batchSize: 1000 });
        const rows = stream.rows[Symbol.asyncIterator]();
        await rows.next();
        const started = Date.now();
        await stream.release();
        expect(Date.now() - started).to.be.below(10_000);
        expect(await running(mysql.admin, 'release-me')).to.deep.equal([]);
        expect((await session.query('select 1 as one')).rows).to.deep.equal([[1]]);
      } finally {
        await resource.close(session);
      }
    });

    it('should cut the connection of a stream released early whose KILL QUERY is refused, rather than reuse it', async () => {
      // One connection for the specs' user: the session's; the second one KILL QUERY needs is refused.
      await mysql.admin.query(`ALTER USER '${MYSQL_USER}'@'%' WITH MAX_USER_CONNECTIONS 1`);
      try {
        const session = await resource.open({ DB_DSN: mysql.dsn });
        try {
          const stream = await session.stream("select seq, repeat('x', 100) from seq_1_to_100000000 /* unkillable */", undefined, { batchSize: 1000 });
          await stream.rows[Symbol.asyncIterator]().next();
          await stream.release();
          const deadline = Date.now() + 20_000;
          while ((await running(mysql.admin, 'unkillable')).length > 0 && Date.now() < deadline) await sleep(50);
          expect(await running(mysql.admin, 'unkillable')).to.deep.equal([]);
          const next = await session.query('select 1 as one').catch((e: Error) => e);
          expect((next as Error).message).to.contain('was lost earlier');
        } finally {
          await resource.close(session);
        }
      } finally {
        await mysql.admin.query(`ALTER USER '${MYSQL_USER}'@'%' WITH MAX_USER_CONNECTIONS 0`);
      }
    });

    it('should fail a stream being read promptly when its signal aborts, and end the query on the server', async () => {
      const session = await resource.open({ DB_DSN: mysql.dsn });
      try {
        const controller = new AbortController();
        const stream = await session.stream("select seq, repeat('x', 100) from seq_1_to_100000000 /* abort-stream */", undefined, {
          batchSize: 1000,
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(new Error('stop reading')), 200);
        const started = Date.now();
        let error: unknown;
        try {
          for await (const row of stream.rows) void row;
        } catch (e) {
          error = e;
        }
        expect((error as Error).message).to.equal('stop reading');
        expect(Date.now() - started).to.be.below(10_000);
        await sleep(300);
        expect(await running(mysql.admin, 'abort-stream')).to.deep.equal([]);
        expect((await session.query('select 1 as one')).rows).to.deep.equal([[1]]);
      } finally {
        await resource.close(session);
      }
    });
  });

  describe('cancelling and losing the connection', () => {
    const resource = new SQLSession();
    let session: SqlSession;

    beforeEach(async () => {
      session = await resource.open({ DB_DSN: mysql.dsn });
    });

    afterEach(async () => {
      await resource.close(session);
    });

    it('should reject a query promptly when its signal aborts, and stop it on the server (KILL QUERY)', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('stop: the job was interrupted')), 300);
      const started = Date.now();
      const error = await session.query('select sleep(20) /* abort-me */', undefined, { signal: controller.signal }).catch((e: Error) => e);
      expect((error as Error).message).to.equal('stop: the job was interrupted');
      expect(Date.now() - started).to.be.below(10_000);
      await sleep(300);
      expect(await running(mysql.admin, 'abort-me')).to.deep.equal([]);
      // The session lives on: the next query waits for the cancelled one, then runs.
      expect((await session.query('select 1 as one')).rows).to.deep.equal([[1]]);
    });

    it('should stop a statement on the server at DB_STATEMENT_TIMEOUT_MS, naming the setting', async () => {
      const timed = await resource.open({ DB_DSN: mysql.dsn, DB_STATEMENT_TIMEOUT_MS: 500 });
      try {
        const started = Date.now();
        const error = await timed.query('select sum(a.seq * b.seq) from seq_1_to_100000 a, seq_1_to_100000 b /* slow-me */').catch((e: Error) => e);
        expect(Date.now() - started).to.be.below(10_000);
        expect((error as Error).message).to.contain('(the statement ran longer than 500 ms, set by BIGRAYS_DB_STATEMENT_TIMEOUT_MS)');
        // The server ends the statement as it answers; on a busy machine its thread may take a moment to leave the list.
        let left = await running(mysql.admin, 'slow-me');
        for (let waited = 0; left.length > 0 && waited < 5_000; waited += 100) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          left = await running(mysql.admin, 'slow-me');
        }
        expect(left).to.deep.equal([]);
      } finally {
        await resource.close(timed);
      }
    });

    it('should drop the connection of a hung server after DB_IDLE_TIMEOUT_MS of silence, naming the setting', async () => {
      const idle = await resource.open({ DB_DSN: mysql.dsn, DB_IDLE_TIMEOUT_MS: 1_000 });
      try {
        const stream = await idle.stream("select seq, repeat('x', 100) from seq_1_to_10000000", undefined, { batchSize: 1000 });
        const rows = stream.rows[Symbol.asyncIterator]();
        await rows.next();
        const { error, ms } = await whileServerHangs(async () => {
          const started = Date.now();
          try {
            while (!(await rows.next()).done);
          } catch (e) {
            return { error: e as Error, ms: Date.now() - started };
          }
          throw new Error('expected the read to fail');
        });
        expect(error).to.be.instanceOf(ResourceError);
        expect(error.message).to.match(/the connection to 127\.0\.0\.1:\d+\/\w+ was lost \(no answer from the server\)/);
        expect(error.message).to.contain('BIGRAYS_DB_IDLE_TIMEOUT_MS');
        // 1 s of silence after the buffered rows are read; generous for a loaded machine.
        expect(ms).to.be.below(20_000);
      } finally {
        await resource.close(idle);
      }
    });

    it('should fail a query at once, naming host and port, when the server kills its connection', async () => {
      const query = session.query('select sleep(30) /* kill-me */').catch((e: Error) => e);
      const id = await threadRunning(mysql.admin, 'kill-me');
      const started = Date.now();
      await mysql.admin.query(`KILL ${id}`);
      const error = (await query) as Error;
      expect(Date.now() - started).to.be.below(10_000);
      expect(error).to.be.instanceOf(ResourceError);
      expect(error.message).to.match(/^the connection to 127\.0\.0\.1:\d+\/bigrays_\w+ was lost/);
      // No reconnect behind the job's back.
      const next = await session.query('select 1').catch((e: Error) => e);
      expect((next as Error).message).to.contain('was lost earlier');
    });
  });

  describe('SQLStream of a batch of statements', () => {
    const resource = new SQLSession();

    /** Every row `sql` streams on a session of its own. */
    async function streamed(sql: string): Promise<unknown[][]> {
      const session = await resource.open({ DB_DSN: mysql.dsn });
      try {
        const stream = await session.stream(sql, undefined, { batchSize: 10 });
        const rows: unknown[][] = [];
        for await (const row of stream.rows) rows.push(row as unknown[]);
        return rows;
      } finally {
        await resource.close(session);
      }
    }

    it('should stream the rows of its one SELECT, with no row for a statement that returns none', async () => {
      expect(await streamed('set @x := 5; select @x as x, seq from seq_1_to_3')).to.deep.equal([[5, 1], [5, 2], [5, 3]]);
    });

    it('should refuse a batch of more than one result set, saying what to do, and leave the session usable', async () => {
      const error = await streamed('select seq from seq_1_to_30; select 2 as b').catch((e: Error) => e);
      expect((error as Error).message).to.match(/^SQLStream reads one result set: .*stream one SELECT/);
      expect(await streamed('select 1 as one')).to.deep.equal([[1]]);
    });
  });

  describe('a replace whose swap fails', () => {
    /**
     * Waits until the swap (a `RENAME TABLE` of the specs' user) waits on the metadata lock the
     * admin holds, and kills that statement: the swap, not any other statement that may wait a
     * moment on the same lock.
     */
    async function killLockWaiter(admin: AdminConnection): Promise<void> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [rows] = await admin.query(
          "SELECT id, info FROM information_schema.processlist WHERE user = 'bigrays' AND state LIKE '%metadata lock%'",
        );
        const found = (rows as Array<{ id: number; info: string | null }>).filter((row) => /^\s*RENAME TABLE/i.test(row.info ?? ''));
        if (found.length > 0) return void (await admin.query(`KILL QUERY ${Number(found[0].id)}`));
        if (Date.now() > deadline) throw new Error(`no swap waited on the lock; waiting: ${JSON.stringify(rows)}`);
        await sleep(50);
      }
    }

    it('should keep the old table whole and leave no staging table, for rows and for a query', async () => {
      const database = new URL(mysql.dsn).pathname.slice(1);
      @register class Setup extends SQLExecute { statement = 'create table kept (n bigint); insert into kept values (1), (2)'; }
      await bigraysRun(Setup);
      class Rows extends SQLWrite { tablename = 'kept'; input = [{ n: 7 }]; ifExists = 'replace' as const; }
      class Query extends SQLStream { query = 'select n * 10 as n from kept'; }
      class FromQuery extends SQLWrite { tablename = 'kept'; input = Query.output; ifExists = 'replace' as const; }
      for (const tasks of [[Rows], [Query, FromQuery]]) {
        await mysql.admin.query(`LOCK TABLES \`${database}\`.kept READ`);
        const run = failureOf(bigraysRun(...tasks));
        try {
          await killLockWaiter(mysql.admin);
        } finally {
          await mysql.admin.query('UNLOCK TABLES');
        }
        const error = await run;
        expect((error.errors[0] as Error).message).to.match(/^(Rows|FromQuery)\b/);
        expect((await select('select n from kept order by n')).values).to.deep.equal([[1], [2]]);
        const [tables] = await mysql.admin.query('select table_name from information_schema.tables where table_schema = ? and table_name <> ?', [database, 'kept']);
        expect(tables).to.deep.equal([]);
      }
    });
  });

  describe('connecting', () => {
    it('should name user@host:port of a refused login and never show the password', async () => {
      const wrong = mysql.dsn!.replace(encodeURIComponent(MYSQL_PASSWORD), 'Wrong-Secret-9z');
      const port = /:(\d+)\//.exec(mysql.dsn!)![1];
      BigraysConfig.DB_DSN = wrong;
      @register class Read extends SQLQuery { query = 'select 1'; }
      const error = await failureOf(bigraysRun());
      const message = (error.errors[0] as Error).message;
      expect(message).to.contain(`could not connect to 127.0.0.1:${port}/`);
      expect(message).to.contain("Access denied for user 'bigrays'@");
      expect(message).not.to.contain('Wrong-Secret-9z');
      expect(message).not.to.contain(MYSQL_PASSWORD);
      expect(Read).to.be.a('function');
    });
  });
});
