/**
 * MySQL and MariaDB: rows the job's session is busy reading, loaded by SQLWrite on a second
 * session of the same config, against the specs' own MariaDB server. A replace of the very table
 * the session reads would wait on the reader's metadata lock while the reader waits for the
 * writer: it is refused at once.
 */
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, register, SQLExecute, SQLStream, sqlWrite, Task, type SqlRows } from '../../lib';
import { freshMysqlDsn, mysqlAdmin, type AdminConnection } from '../support/mariadb';
import { failureOf, select } from '../support/sql-probe';

/** A task that reads the first batch of `rows`, then hands the rest to `sqlWrite` for `tablename`. */
function readSomeThenWrite(rows: () => unknown, tablename: string, ifExists: 'append' | 'replace') {
  return class ReadSome extends Task {
    async run() {
      const opened = await (rows() as SqlRows).open();
      const iterator = opened.rows[Symbol.asyncIterator]();
      await iterator.next();
      return sqlWrite({ tablename, ifExists, input: { columns: opened.columns, rows: { [Symbol.asyncIterator]: () => iterator } } });
    }
  };
}

describe('MySQL SQLWrite on a second session (on a MariaDB server of its own)', function () {
  this.timeout(120_000);
  let dsn: string | undefined;
  let admin: AdminConnection;

  before(async function () {
    dsn = await freshMysqlDsn();
    if (!dsn) return this.skip(); // MariaDB is not installed here (apt-get install mariadb-server)
    admin = (await mysqlAdmin())!;
  });

  after(async () => {
    await admin?.end();
  });

  beforeEach(() => {
    BigraysConfig.DB_DSN = dsn;
    // A wait on a lock would end here rather than hang the spec.
    BigraysConfig.DB_STATEMENT_TIMEOUT_MS = '10000';
  });

  it('should replace another table with the rest of the rows a custom task began to read, through a staging table', async () => {
    @register class Setup extends SQLExecute {
      statement = 'drop table if exists wide, copied; create table wide as select seq as id from seq_1_to_100000; create table copied (old int)';
    }
    @register class Events extends SQLStream { query = "select id, repeat('x', 200) as pad from wide"; }
    register(readSomeThenWrite(() => Events.output, 'copied', 'replace'));
    await bigraysRun();
    // Every row but the one the task read, in the table's place.
    const copied = await select('select count(*) as n, count(distinct id) as ids, max(length(pad)) as pad from copied');
    expect((copied.values[0] as unknown[]).map(Number)).to.deep.equal([99_999, 99_999, 200]);
    const [staging] = await admin.query("select table_name from information_schema.tables where table_name like 'bigrays_staging%'");
    expect(staging).to.deep.equal([]);
    expect(Setup).to.be.a('function');
  });

  it('should refuse, not wait on its lock, to replace on a second session the table the session is reading', async () => {
    @register class Setup extends SQLExecute { statement = 'drop table if exists relocked; create table relocked as select seq as id from seq_1_to_100000'; }
    @register class Events extends SQLStream { query = "select id, repeat('x', 200) as pad from relocked"; }
    register(readSomeThenWrite(() => Events.output, '`relocked`', 'replace'));
    const error = await failureOf(bigraysRun());
    expect((error.errors[0] as Error).message).to.match(
      /^sqlWrite: the SQL session is busy with a stream that was not read to the end, and its rows cannot be loaded on a second session: `relocked` is read by the session's open stream, and replacing it on another session would wait for that read to end\. /,
    );
    expect(((await select('select count(*) as n from relocked')).values[0] as unknown[]).map(Number)).to.deep.equal([100_000]);
    const [staging] = await admin.query("select table_name from information_schema.tables where table_name like 'bigrays_staging%'");
    expect(staging).to.deep.equal([]);
    expect(Setup).to.be.a('function');
  });
});
