/**
 * MySQL and MariaDB as a SQL engine of bigrays: what it is called, the DSN schemes it answers,
 * its knex client and driver package, how `{kw!q}`/`{kw!i}` quote for it, and what it can do.
 */
import { mysqlDialect } from './dialect';
import { mysqlSettings } from './dsn';
import { MYSQL_QUOTING } from './quoting';

export { mysqlDialect, mysqlSettings, MYSQL_QUOTING };

/** The engine, as it describes itself. */
export const mysqlEngine = {
  name: 'mysql',
  title: 'MySQL',
  schemes: ['mysql', 'mariadb'],
  knexClient: 'mysql2',
  driver: 'mysql2',
  install: 'npm install mysql2',
  dialect: mysqlDialect,
  settings: mysqlSettings,
  quoting: MYSQL_QUOTING,
  capabilities: {
    /** `SQLStream` reads as it goes (mysql2's stream, back-pressured). */
    streams: true,
    /** `SQLWrite` loads by LOAD DATA LOCAL INFILE, else by multi-row INSERTs. */
    bulkLoad: 'LOAD DATA LOCAL INFILE',
    /** `SQLWrite` of an `SQLStream` on the same session: INSERT … SELECT on the server. */
    loadQuery: true,
    /** `COPY … TO STDOUT` CSV: PostgreSQL only. */
    copyCsv: false,
    /** CREATE / DROP commit at once: a failed write cannot roll them back. */
    transactionalDdl: false,
  },
} as const;
