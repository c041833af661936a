/** The engines every SQL behaviour spec runs against (kysely-style loop). */
import { freshMysqlDsn } from '../support/mariadb';
import { freshMssqlDsn, freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';

export interface DialectUnderTest {
  name: 'postgres' | 'sqlite' | 'mssql' | 'mysql';
  /** A DSN for an empty database, or undefined when the engine is not available here. */
  freshDsn(): Promise<string | undefined>;
  /** The type of a text column that can take NOT NULL and a key, used by constraint specs. */
  textType: string;
}

export const DIALECTS: DialectUnderTest[] = [
  { name: 'postgres', freshDsn: freshPostgresDsn, textType: 'text' },
  { name: 'sqlite', freshDsn: async () => freshSqliteDsn(), textType: 'text' },
  { name: 'mssql', freshDsn: freshMssqlDsn, textType: 'nvarchar(400)' },
  { name: 'mysql', freshDsn: freshMysqlDsn, textType: 'varchar(400)' },
];
