/** DuckDB, in memory, for the specs that read back the files bigrays writes (Parquet above all). */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Runs `use` on a fresh in-memory DuckDB connection, closed after it whatever happens. */
export async function withDuckDb<T>(use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await use(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The rows `sql` gives on a fresh in-memory DuckDB. */
export function duckDbRows(sql: string): Promise<unknown[][]> {
  return withDuckDb(async (connection) => (await connection.runAndReadAll(sql)).getRows() as unknown[][]);
}
