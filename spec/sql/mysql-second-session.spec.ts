/**
 * MySQL and MariaDB: rows the job's session is busy reading, loaded by SQLWrite on a second
 * session of the same config, against the specs' own MariaDB server. A replace fills a new table
 * first, so the old one is dropped only once the read (and its metadata lock) has ended: even the
 * table being read can be replaced without waiting on the reader.
 */
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, register, SQLExecute, SQLStream, sqlWrite, Task, type SqlRows } from '../../lib';
import { useMysql } from '../support/mariadb';
import { select } from '../support/sql-probe';

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
  const mysql = useMysql();

  beforeEach(() => {
    // A wait on a lock would end here rather than hang the spec.
    BigraysConfig.DB_STATEMENT_TIMEOUT_MS = '10000';
  });

  it('should replace on a second session the very table the session is reading, dropping it once the read has ended', async () => {
    @register class Setup extends SQLExecute { statement = 'drop table if exists relocked; create table relocked as select seq as id from seq_1_to_100000'; }
    @register class Events extends SQLStream { query = "select id, repeat('x', 200) as pad from relocked"; }
    register(readSomeThenWrite(() => Events.output, '`relocked`', 'replace'));
    await bigraysRun();
    // Every row but the one the task read, in the table's place.
    const replaced = await select('select count(*) as n, count(distinct id) as ids, max(length(pad)) as pad from relocked');
    expect((replaced.values[0] as unknown[]).map(Number)).to.deep.equal([99_999, 99_999, 200]);
    const [staging] = await mysql.admin.query("select table_name from information_schema.tables where table_name like 'bigrays_staging%'");
    expect(staging).to.deep.equal([]);
    expect(Setup).to.be.a('function');
  });
});
