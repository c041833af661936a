/**
 * The columns of a MySQL or MariaDB result as `SqlColumn`s, from the column definitions the
 * server sends before the rows: what a Parquet export types its columns by, so that a column
 * keeps its declared type whatever its first rows hold (NULLs only, whole numbers in a
 * DECIMAL). Each kind is one whose values, as the session reads them (./values.ts), the Parquet
 * writer takes: DECIMAL text, DATETIME and TIMESTAMP as ISO text, DATE as `YYYY-MM-DD`,
 * `tinyint(1)` as booleans, binary strings and BIT as bytes, GEOMETRY as mysql2's objects
 * (JSON). An integer computed by the query (no table behind it) is INT64 whatever it is
 * declared as: the server may declare `ord('😀')`, 4036991104, a signed INT. A result with a column of any
 * other type (TIME, whose hours go past 24; VECTOR; a type of a newer server) declares none:
 * its types are inferred from its values, as before.
 */
import type { SqlColumn, SqlColumnKind } from '../../../data/sql-columns';

/** The part of mysql2's column definition read here. */
export interface MysqlColumnDefinition {
  name: string;
  /** The table the column is read from; empty for a value the query computes. */
  orgTable?: string;
  columnType?: number;
  flags?: number;
  decimals?: number;
  columnLength?: number;
  characterSet?: number;
}

const UNSIGNED = 32;
/** The character set of binary strings (BINARY, VARBINARY, BLOB). */
const BINARY_CHARSET = 63;

/** The kind and the engine's name of a column; undefined for a type read as nothing the writer knows. */
function kindOf(field: MysqlColumnDefinition): { kind: SqlColumnKind; dbType: string; precision?: number; scale?: number } | undefined {
  const unsigned = ((field.flags ?? 0) & UNSIGNED) !== 0;
  const sign = unsigned ? ' unsigned' : '';
  const binary = field.characterSet === BINARY_CHARSET;
  const computed = !field.orgTable;
  switch ((field.columnType ?? -1) & 0xff) {
    case 0x01: // TINYINT; tinyint(1) is read as a boolean
      if (field.columnLength === 1) return { kind: 'boolean', dbType: 'tinyint(1)' };
      return { kind: computed ? 'int64' : 'int16', dbType: `tinyint${sign}` };
    case 0x02: // SMALLINT
      return { kind: computed ? 'int64' : unsigned ? 'int32' : 'int16', dbType: `smallint${sign}` };
    case 0x09: // MEDIUMINT
      return { kind: computed ? 'int64' : 'int32', dbType: `mediumint${sign}` };
    case 0x03: // INT
      return { kind: computed || unsigned ? 'int64' : 'int32', dbType: `int${sign}` };
    case 0x08: // BIGINT: beyond 2^63 - 1 (unsigned), a value no INT64 holds is refused naming it
      return { kind: 'int64', dbType: `bigint${sign}` };
    case 0x0d: // YEAR
      return { kind: computed ? 'int64' : 'int16', dbType: 'year' };
    case 0x04:
      return { kind: 'float32', dbType: 'float' };
    case 0x05:
      return { kind: 'float64', dbType: 'double' };
    case 0x00:
    case 0xf6: { // DECIMAL: its length counts the digits, the point and the sign
      const scale = field.decimals ?? 0;
      const precision = (field.columnLength ?? 0) - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1);
      if (precision < 1) return undefined;
      return { kind: 'decimal', dbType: `decimal(${precision},${scale})${sign}`, precision, scale };
    }
    case 0x0a:
    case 0x0e:
      return { kind: 'date', dbType: 'date' };
    case 0x0c:
      return { kind: 'timestamp', dbType: 'datetime' };
    case 0x07: // TIMESTAMP: read in UTC, with its `Z`
      return { kind: 'timestamptz', dbType: 'timestamp' };
    case 0xf5: // MySQL's JSON, read as its text
      return { kind: 'json', dbType: 'json' };
    case 0x0f:
    case 0xfd:
    case 0xfe:
    case 0xf7:
    case 0xf8:
    case 0xf9:
    case 0xfa:
    case 0xfb:
    case 0xfc:
      return binary ? { kind: 'bytes', dbType: 'binary' } : { kind: 'text', dbType: 'text' };
    case 0x10:
      return { kind: 'bytes', dbType: 'bit' };
    case 0xff: // read by mysql2 as objects and arrays of points
      return { kind: 'json', dbType: 'geometry' };
    case 0x06: // the type of a bare NULL: no value to read
      return { kind: 'text', dbType: 'null' };
    default:
      return undefined;
  }
}

/** The result's columns, or undefined when one has a type whose values the writer does not know. */
export function mysqlColumns(fields: readonly MysqlColumnDefinition[]): SqlColumn[] | undefined {
  const columns: SqlColumn[] = [];
  for (const field of fields) {
    const kind = kindOf(field);
    if (kind === undefined) return undefined;
    columns.push({ name: field.name, ...kind });
  }
  return columns;
}
