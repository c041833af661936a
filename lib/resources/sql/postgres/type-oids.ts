/** The type OIDs (pg_type.oid) bigrays reads values of by their type: one list for the row path's parsers and the CSV path's. */
export const BOOL = 16;
export const BYTEA = 17;
export const INT8 = 20;
export const INT2 = 21;
export const INT4 = 23;
export const TEXT = 25;
export const OID = 26;
export const FLOAT4 = 700;
export const FLOAT8 = 701;
export const TIMESTAMP = 1114;
export const TIMESTAMPTZ = 1184;
