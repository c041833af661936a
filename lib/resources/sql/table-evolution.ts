/**
 * An existing table against the input a write brings (a merge, an append with `addColumns`):
 * columns the input has and the table lacks are added (`addColumns`) or refused, and a column
 * whose type the input no longer fits is refused, before any row is written.
 */
import type { Knex } from 'knex';
import { TaskError } from '../../errors';
import type { Dialect } from './dialect';
import { splitName } from './table-ddl';
import { firstMisfit } from './type-fit';

/** What the check needs of the write. */
export interface EvolvingInput {
  taskName: string;
  tablename: string;
  columns: readonly string[];
  /** The type each input column takes when it is added. */
  types: readonly string[];
  declared: Readonly<Record<string, string>>;
  sample: readonly unknown[][];
}

function schemaBuilder(trx: Knex | Knex.Transaction, schema?: string): Knex.SchemaBuilder {
  return schema ? trx.schema.withSchema(schema) : trx.schema;
}

/** Whether `schema.name` does not exist. */
export async function missingTable(trx: Knex | Knex.Transaction, schema: string | undefined, name: string): Promise<boolean> {
  return !(await schemaBuilder(trx, schema).hasTable(name));
}

/** `a`, `` `a` and `b` ``… */
function listed(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/**
 * The table's own spelling of each input column (the input's when the table lacks it): a column
 * the table names in another case is the same column, as the check takes it, and a load names
 * it as the table does. Refused when two of the table's columns differ from it only in case, or
 * two of the input's are the same column of the table.
 */
export async function spelledAsTable(trx: Knex.Transaction, dialect: Dialect, input: EvolvingInput): Promise<string[]> {
  const { schema, name } = splitName(input.tablename);
  const names = dialect.merge ? (await dialect.merge.columns(trx, schema, name)).map((c) => c.name) : [];
  const spelled = input.columns.map((column) => {
    if (names.includes(column)) return column;
    const same = names.filter((n) => n.toLowerCase() === column.toLowerCase());
    if (same.length < 2) return same[0] ?? column;
    throw new TaskError(
      `${input.taskName}: the input's column \`${column}\` could be any of ${listed(same)} of ${input.tablename}, which differ only in case; ` +
        'name it in the input exactly as the table does',
      { taskName: input.taskName },
    );
  });
  const twice = spelled.findIndex((column, i) => spelled.indexOf(column) !== i);
  if (twice < 0) return spelled;
  throw new TaskError(
    `${input.taskName}: the input's columns \`${input.columns[spelled.indexOf(spelled[twice])]}\` and \`${input.columns[twice]}\` are both the column ` +
      `\`${spelled[twice]}\` of ${input.tablename}, their names differing only in case; rename one of them in the input`,
    { taskName: input.taskName },
  );
}

/**
 * In the write's transaction: adds the input's columns the table lacks (with `addColumns`;
 * refused otherwise, and where ALTER TABLE commits at once), then refuses a column the input no
 * longer fits. Resolves to the table's column types by column name (the added ones included).
 */
export async function evolveTable(trx: Knex.Transaction, dialect: Dialect, input: EvolvingInput, addColumns: boolean): Promise<Map<string, string>> {
  const { taskName, tablename } = input;
  const sql = dialect.merge;
  if (!sql) throw new TaskError(`${taskName}: addColumns is not available on ${dialect.engine}`, { taskName });
  const { schema, name } = splitName(tablename);
  const types = new Map((await sql.columns(trx, schema, name)).map((c) => [c.name, c.type]));
  const lower = new Map([...types.keys()].map((c) => [c.toLowerCase(), c]));
  // A column the engine names in another case is the same column.
  for (const column of input.columns) {
    const same = lower.get(column.toLowerCase());
    if (!types.has(column) && same !== undefined) types.set(column, types.get(same)!);
  }
  const missing = input.columns.filter((c) => !types.has(c));
  if (missing.length > 0) {
    const them = missing.length === 1 ? 'it' : 'them';
    if (!addColumns) {
      throw new TaskError(
        `${taskName}: the table ${tablename} has no column ${listed(missing)}, which the input has; set addColumns = true to add ${them}, or leave ${them} out of the input`,
        { taskName },
      );
    }
    if (dialect.capabilities.ddlCommits) {
      throw new TaskError(
        `${taskName}: addColumns cannot add ${listed(missing)} to ${tablename} on ${dialect.engine}: ALTER TABLE commits at once there, so a load that failed ` +
          `after it could not take ${them} back; add ${them} first (an SQLExecute with ALTER TABLE … ADD) and run again`,
        { taskName },
      );
    }
    const added = missing.map((c) => [c, input.types[input.columns.indexOf(c)]] as const);
    await schemaBuilder(trx, schema).alterTable(name, (builder) => added.forEach(([c, type]) => builder.specificType(c, type)));
    added.forEach(([c, type]) => types.set(c, type));
  }
  const misfit = firstMisfit(input.columns, types, input.declared, input.sample);
  if (misfit) {
    throw new TaskError(
      `${taskName}: the column \`${misfit.column}\` of ${tablename} is ${misfit.table}, and the input's is ${misfit.input}` +
        `${misfit.row === undefined ? '' : ` (row ${misfit.row})`}, which it does not take, so nothing was written; ` +
        "change the column's type (ALTER TABLE) or the input's",
      { taskName },
    );
  }
  return types;
}
