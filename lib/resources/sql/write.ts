/**
 * Writing a table: infer column types from the data, create the table when missing, and
 * insert in chunks inside ONE transaction, so a bad row leaves the table as it was.
 */
import type { Knex } from 'knex';
import type { Table } from '../../data/frame';
import { TaskError } from '../../errors';
import type { SqlDialect, ValueKind } from './dialect';

/** What to do when the table exists: refuse (default), add rows, or replace the table. */
export type IfExists = 'fail' | 'append' | 'replace';

export const IF_EXISTS: readonly IfExists[] = ['fail', 'append', 'replace'];

const DATE = /^\d{4}-\d\d-\d\d$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?$/;
const TIMESTAMPTZ = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d(:?\d\d)?)$/;

function kindOf(value: unknown): ValueKind {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'integer';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'float';
    case 'string':
      if (DATE.test(value)) return 'date';
      if (TIMESTAMP.test(value)) return 'timestamp';
      if (TIMESTAMPTZ.test(value)) return 'timestamptz';
      return 'text';
    default:
      if (value instanceof Date) return 'timestamptz';
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) return 'binary';
      return 'json';
  }
}

function merge(a: ValueKind, b: ValueKind): ValueKind {
  if (a === b) return a;
  const pair = new Set([a, b]);
  const numbers: ValueKind[] = ['integer', 'float', 'numeric'];
  if ([...pair].every((k) => numbers.includes(k))) return pair.has('numeric') ? 'numeric' : 'float';
  if (pair.has('timestamp') && (pair.has('date') || pair.has('timestamptz'))) return pair.has('timestamptz') ? 'timestamptz' : 'timestamp';
  if (pair.has('date') && pair.has('timestamptz')) return 'timestamptz';
  return 'text';
}

/** The kind of each column, from its non-null values (a column of NULLs is text). */
export function inferKinds(table: Table): ValueKind[] {
  return table.columns.map((_, i) => {
    let kind: ValueKind | undefined;
    let bigIntegers = false;
    for (const row of table.rows) {
      const value = row[i];
      if (value === null || value === undefined) continue;
      if (typeof value === 'bigint' || (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value))) bigIntegers = true;
      const k = kindOf(value);
      kind = kind === undefined ? k : merge(kind, k);
      if (kind === 'text') break;
    }
    // Integers beyond 2^53 mixed with fractions need exact decimals, not doubles.
    if (kind === 'float' && bigIntegers) return 'numeric';
    return kind ?? 'text';
  });
}

/** `schema.table` → `{ schema, name }`. */
function splitName(tablename: string): { schema?: string; name: string } {
  const dot = tablename.lastIndexOf('.');
  return dot > 0 ? { schema: tablename.slice(0, dot), name: tablename.slice(dot + 1) } : { name: tablename };
}

function schemaBuilder(trx: Knex | Knex.Transaction, schema?: string): Knex.SchemaBuilder {
  return schema ? trx.schema.withSchema(schema) : trx.schema;
}

/** The CREATE TABLE for `table` in `dialect` (knex schema builder, not yet run). */
export function createTableBuilder(
  trx: Knex | Knex.Transaction,
  dialect: SqlDialect,
  tablename: string,
  table: Table,
): Knex.SchemaBuilder {
  const { schema, name } = splitName(tablename);
  const kinds = inferKinds(table);
  return schemaBuilder(trx, schema).createTable(name, (builder) => {
    table.columns.forEach((column, i) => builder.specificType(column, dialect.columnType(kinds[i])));
  });
}

/** The rows of `table` in chunks that keep each INSERT under the dialect's limits. */
export function insertChunks(dialect: SqlDialect, table: Table): Array<Array<Record<string, unknown>>> {
  const width = Math.max(table.columns.length, 1);
  // SQL Server takes at most 1000 rows per VALUES list; knex writes SQLite's multi-row insert as a
  // compound SELECT, which SQLite caps at 500 terms.
  const maxRows = dialect.name === 'mssql' ? 1000 : dialect.name === 'sqlite' ? 500 : 5000;
  const size = Math.max(1, Math.min(maxRows, Math.floor(dialect.maxBindings / width)));
  const chunks: Array<Array<Record<string, unknown>>> = [];
  for (let start = 0; start < table.rows.length; start += size) {
    chunks.push(
      table.rows.slice(start, start + size).map((values) => {
        const row: Record<string, unknown> = {};
        table.columns.forEach((column, i) => {
          row[column] = dialect.toDbValue(values[i]);
        });
        return row;
      }),
    );
  }
  return chunks;
}

/** Checks the table's shape before anything is sent. */
export function validateTable(taskName: string, tablename: string, table: Table): void {
  if (table.columns.length === 0) {
    throw new TaskError(`${taskName}: the input has no columns to write to ${tablename}`, { taskName });
  }
  const seen = new Set<string>();
  for (const column of table.columns) {
    if (column === '') throw new TaskError(`${taskName}: the input has a column with an empty name`, { taskName });
    if (seen.has(column)) throw new TaskError(`${taskName}: the input has the column \`${column}\` twice`, { taskName });
    seen.add(column);
  }
}

/**
 * Writes `table` to `tablename` in ONE transaction: checks for the table, drops it
 * (`replace`) or refuses (`fail`), creates it when missing, inserts every row.
 * Resolves to the number of rows written.
 */
export async function writeTable(
  knex: Knex,
  dialect: SqlDialect,
  taskName: string,
  tablename: string,
  table: Table,
  ifExists: IfExists,
): Promise<number> {
  if (!IF_EXISTS.includes(ifExists)) {
    throw new TaskError(`${taskName}: ifExists must be 'fail', 'append' or 'replace', got \`${String(ifExists)}\``, { taskName });
  }
  validateTable(taskName, tablename, table);
  const { schema, name } = splitName(tablename);
  await knex.transaction(async (trx) => {
    let exists = await schemaBuilder(trx, schema).hasTable(name);
    if (exists && ifExists === 'fail') {
      throw new TaskError(
        `${taskName}: the table ${tablename} exists already; set ifExists = 'append' to add rows or 'replace' to replace it`,
        { taskName },
      );
    }
    if (exists && ifExists === 'replace') {
      await schemaBuilder(trx, schema).dropTable(name);
      exists = false;
    }
    if (!exists) await createTableBuilder(trx, dialect, tablename, table);
    let written = 0;
    for (const chunk of insertChunks(dialect, table)) {
      try {
        await (schema ? trx(name).withSchema(schema) : trx(name)).insert(chunk);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new TaskError(
          `${taskName}: writing rows ${written + 1} to ${written + chunk.length} of ${table.rows.length} to ${tablename} failed, ` +
            `so none was written: ${reason}`,
          { taskName, cause: error },
        );
      }
      written += chunk.length;
    }
  });
  return table.rows.length;
}
