/** The engines every SQL behaviour spec runs against (kysely-style loop). */
import { freshPostgresDsn, freshSqliteDsn, mssqlDsn } from '../support/sql-hooks';

export interface DialectUnderTest {
  name: 'postgres' | 'sqlite' | 'mssql';
  /** A DSN for an empty database, or undefined when the engine is not available here. */
  freshDsn(): Promise<string | undefined>;
  /** SQL for an integer column with NOT NULL text, used by constraint specs. */
  textType: string;
}

export const DIALECTS: DialectUnderTest[] = [
  { name: 'postgres', freshDsn: freshPostgresDsn, textType: 'text' },
  { name: 'sqlite', freshDsn: async () => freshSqliteDsn(), textType: 'text' },
  { name: 'mssql', freshDsn: async () => mssqlDsn(), textType: 'nvarchar(400)' },
];
