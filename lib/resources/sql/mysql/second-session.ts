/**
 * What `SQLWrite` can know on MySQL before it loads, on a second session, rows the job's session
 * is reading. A TEMPORARY table has an ordinary name and no catalog another session reads lists
 * it (MariaDB and MySQL alike): a temp table of the reading session cannot be told from a
 * table, and the second session writes the table of that name (README, "MySQL and MariaDB").
 * A replace of the table being read would wait on the reader's metadata lock (for
 * `lock_wait_timeout`, a day or a year by default) while the reader waits for the writer: it is
 * refused when the reading session's running statement names the table.
 */
import type { SecondSessionChecks } from '../dialect';
import type { MysqlConnection } from './connection';

export const MYSQL_SECOND_SESSION: SecondSessionChecks = {
  isTempTable: () => false,
  readerLock: {
    sessionId: (connection) => {
      const id = (connection as MysqlConnection | undefined)?.threadId;
      return typeof id === 'number' ? id : undefined;
    },
    // The table's own name (`db.t`, `` `db`.`t` `` → t) in the text of the statement the reading connection runs.
    sql:
      'SELECT 1 FROM information_schema.processlist WHERE id = ? AND info IS NOT NULL ' +
      "AND LOCATE(LOWER(REPLACE(SUBSTRING_INDEX(?, '.', -1), '`', '')), LOWER(info)) > 0 LIMIT 1",
  },
};
