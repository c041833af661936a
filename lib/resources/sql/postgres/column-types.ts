/**
 * PostgreSQL's result columns as `SqlColumn`s: the kind of each from its type OID (pg's
 * `dataTypeID`), the precision and scale of a numeric from its type modifier. A type this table
 * does not know (an enum, a domain, a range, a user's type) is `other`: its values are
 * PostgreSQL's text of them.
 */
import type { SqlColumn, SqlColumnKind } from '../../../data/sql-columns';

/** Type OID → [kind, PostgreSQL's name] (pg_type.oid, stable across versions). */
const SCALARS: Record<number, [SqlColumnKind, string]> = {
  16: ['boolean', 'bool'],
  17: ['bytes', 'bytea'],
  18: ['text', 'char'],
  19: ['text', 'name'],
  20: ['int64', 'int8'],
  21: ['int16', 'int2'],
  23: ['int32', 'int4'],
  25: ['text', 'text'],
  26: ['int64', 'oid'],
  114: ['json', 'json'],
  700: ['float32', 'float4'],
  701: ['float64', 'float8'],
  1042: ['text', 'bpchar'],
  1043: ['text', 'varchar'],
  1082: ['date', 'date'],
  1083: ['time', 'time'],
  1114: ['timestamp', 'timestamp'],
  1184: ['timestamptz', 'timestamptz'],
  1186: ['interval', 'interval'],
  1266: ['time', 'timetz'],
  1700: ['decimal', 'numeric'],
  2950: ['uuid', 'uuid'],
  3802: ['json', 'jsonb'],
};

/** Array type OID → its element's OID. */
const ARRAYS: Record<number, number> = {
  1000: 16, 1001: 17, 1002: 18, 1003: 19, 1016: 20, 1005: 21, 1007: 23, 1009: 25, 1028: 26, 199: 114,
  1021: 700, 1022: 701, 1014: 1042, 1015: 1043, 1182: 1082, 1183: 1083, 1115: 1114, 1185: 1184,
  1187: 1186, 1270: 1266, 1231: 1700, 2951: 2950, 3807: 3802,
};

/** pg's description of a result column. */
export interface PgFieldType {
  name: string;
  dataTypeID?: number;
  dataTypeModifier?: number;
}

/** The column as an `SqlColumn`. */
export function pgColumn(field: PgFieldType): SqlColumn {
  const oid = field.dataTypeID ?? 0;
  const scalar = SCALARS[oid];
  if (scalar) {
    const [kind, dbType] = scalar;
    const modifier = field.dataTypeModifier ?? -1;
    if (kind === 'decimal' && modifier >= 4) {
      // numeric(p, s): ((p << 16) | (s & 0x7ff)) + 4, the scale a signed 11-bit field (PostgreSQL 15
      // allows a negative scale, and one larger than the precision).
      const declared = ((modifier - 4) >> 16) & 0xffff;
      const declaredScale = ((((modifier - 4) & 0x7ff) ^ 1024) - 1024);
      const dbType = `numeric(${declared},${declaredScale})`;
      // What the values need: numeric(5,-2) holds up to 7 integer digits, numeric(2,5) 5 decimals.
      if (declaredScale < 0) return { name: field.name, kind, dbType, precision: declared - declaredScale, scale: 0 };
      return { name: field.name, kind, dbType, precision: Math.max(declared, declaredScale), scale: declaredScale };
    }
    return { name: field.name, kind, dbType };
  }
  const element = ARRAYS[oid];
  if (element !== undefined) {
    const [kind, name] = SCALARS[element];
    return { name: field.name, kind: 'array', dbType: `_${name}`, element: kind };
  }
  return { name: field.name, kind: 'other', dbType: `oid ${oid}` };
}

/** The columns of a result as `SqlColumn`s. */
export function pgColumns(fields: readonly PgFieldType[]): SqlColumn[] {
  return fields.map(pgColumn);
}
