/**
 * SQL Server's bulk load (tedious' `newBulkLoad`): rows streamed into an existing table in the
 * caller's transaction, each column typed as the table declares it.
 */
import type { Knex } from 'knex';
import { jsonText } from '../../../data/json';
import { transactionConnection } from '../connection';
import { bracketIdentifier } from '../identifiers';
import type { Guard } from '../limits';
import { LoadError, type LoadTarget } from '../load';
import { isJsonValue } from '../values';

/** A column of the target table, as `sys.columns` describes it. */
export interface MssqlColumn {
  name: string;
  /** `sys.types.name`: `bigint`, `nvarchar`, `datetime2`, … */
  type: string;
  /** Bytes (`-1`: MAX). */
  maxLength: number;
  precision: number;
  scale: number;
  nullable: boolean;
}

/** A column of a tedious bulk load: the tedious type's name and its options. */
export interface BulkColumn {
  name: string;
  type: string;
  options: { nullable: boolean; length?: number; precision?: number; scale?: number };
}

/** tedious' type for each SQL Server type a table may have (others load as NVarChar text). */
const BULK_TYPES: Record<string, string> = {
  bit: 'Bit', tinyint: 'TinyInt', smallint: 'SmallInt', int: 'Int', bigint: 'BigInt',
  real: 'Real', float: 'Float', decimal: 'Decimal', numeric: 'Numeric', money: 'Money', smallmoney: 'SmallMoney',
  date: 'Date', time: 'Time', datetime: 'DateTime', smalldatetime: 'SmallDateTime', datetime2: 'DateTime2',
  datetimeoffset: 'DateTimeOffset', char: 'Char', varchar: 'VarChar', nchar: 'NChar', nvarchar: 'NVarChar',
  text: 'Text', ntext: 'NText', binary: 'Binary', varbinary: 'VarBinary', image: 'Image', uniqueidentifier: 'UniqueIdentifier',
  xml: 'NVarChar',
};

/** The bulk-load column for a table column: its tedious type, length (characters for n-types), precision and scale. */
export function bulkColumn(column: MssqlColumn): BulkColumn {
  const sqlType = column.type.toLowerCase();
  const type = BULK_TYPES[sqlType] ?? 'NVarChar';
  const options: BulkColumn['options'] = { nullable: column.nullable };
  if (['Char', 'VarChar', 'Binary', 'VarBinary', 'NChar', 'NVarChar'].includes(type)) {
    const unicode = type.startsWith('N') && sqlType !== 'xml';
    options.length = column.maxLength === -1 || sqlType === 'xml' ? 0xffff : unicode ? column.maxLength / 2 : column.maxLength;
  } else if (type === 'Decimal' || type === 'Numeric') {
    options.precision = column.precision;
    options.scale = column.scale;
  } else if (type === 'DateTime2' || type === 'DateTimeOffset' || type === 'Time') {
    options.scale = column.scale;
  }
  return { name: column.name, type, options };
}

/**
 * The options of every bulk load: NULL stays NULL (no column default in its place), constraints
 * are checked and triggers fire as for an INSERT, and the table is locked while it loads.
 */
export const BULK_LOAD_OPTIONS = { keepNulls: true, checkConstraints: true, fireTriggers: true, lockTable: true } as const;

/** A value as tedious' bulk load takes it for a column of tedious type `type`. */
export function toBulkValue(value: unknown, type: string): unknown {
  if (value === undefined || value === null) return null;
  if (type === 'BigInt' && (typeof value === 'bigint' || typeof value === 'number')) return value.toString();
  if ((type === 'DateTime2' || type === 'DateTime' || type === 'SmallDateTime') && typeof value === 'string') {
    // A timestamp without an offset is UTC, as the session reads it back; not the machine's zone.
    return new Date(/(Z|[+-]\d\d(:?\d\d)?)$/.test(value) || !/\d[T ]\d/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  }
  if (type === 'DateTimeOffset' && typeof value === 'string') return new Date(value);
  if (type === 'Bit' && typeof value === 'string') return value === 'true' || value === 't' || value === '1';
  if ((type === 'VarBinary' || type === 'Binary' || type === 'Image') && value instanceof Uint8Array) return Buffer.from(value);
  if (isJsonValue(value)) return jsonText(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** `[schema].[name]` with inner brackets doubled. */
export function bracketed(target: LoadTarget): string {
  return target.schema ? `${bracketIdentifier(target.schema)}.${bracketIdentifier(target.name)}` : bracketIdentifier(target.name);
}

interface TediousBulkConnection {
  newBulkLoad(table: string, options: object, callback: (error: Error | null | undefined, rowCount?: number) => void): {
    addColumn(name: string, type: unknown, options: object): void;
  };
  execBulkLoad(bulkLoad: unknown, rows: AsyncIterable<unknown[]> | Iterable<unknown[]>): void;
}

/** tedious' bulk load of `rows` into `target`, in the caller's transaction; column types from the table itself. */
export async function bulkLoad(trx: Knex.Transaction, target: LoadTarget, rows: Iterable<unknown[]> | AsyncIterable<unknown[]>, guard?: Guard): Promise<number> {
  const table = bracketed(target);
  const described = (await trx.raw(
    'select c.name, t.name as type, c.max_length as maxLength, c.precision, c.scale, c.is_nullable as nullable ' +
      'from sys.columns c join sys.types t on c.user_type_id = t.user_type_id where c.object_id = object_id(?)',
    [table],
  )) as MssqlColumn[];
  const columns = target.columns.map((name) => {
    const column = described.find((c) => c.name === name);
    if (!column) throw new LoadError(`the table ${target.tablename} has no column \`${name}\``, undefined, undefined);
    return bulkColumn({ ...column, nullable: Boolean(column.nullable) });
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TYPES: TEDIOUS_TYPES } = require('tedious') as { TYPES: Record<string, unknown> };
  const connection = (await transactionConnection(trx)) as TediousBulkConnection;
  let count = 0;
  async function* values(): AsyncGenerator<unknown[]> {
    for await (const row of rows as AsyncIterable<unknown[]>) {
      count += 1;
      if (count % 1000 === 0) guard?.check();
      yield columns.map((column, i) => toBulkValue(row[i], column.type));
    }
  }
  return new Promise<number>((resolve, reject) => {
    const load = connection.newBulkLoad(table, BULK_LOAD_OPTIONS, (error, rowCount) => {
      if (error) reject(new LoadError(error.message, undefined, error));
      else resolve(rowCount ?? count);
    });
    for (const column of columns) load.addColumn(column.name, TEDIOUS_TYPES[column.type], column.options);
    connection.execBulkLoad(load, values());
  });
}
