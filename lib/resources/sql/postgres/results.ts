/** The parts of pg's results and connection that the PostgreSQL dialect reads. */

export interface PgField {
  name: string;
  dataTypeID?: number;
  dataTypeModifier?: number;
}

export interface PgResult {
  fields?: PgField[];
  rows?: unknown[][];
  rowCount?: number | null;
  command?: string;
}

export interface PgConnection {
  query(config: { text: string; values?: unknown[]; rowMode?: 'array' } | string): Promise<PgResult | PgResult[]>;
}

/** The last result of a statement (or of a batch) that has columns; the last one when none has. */
export function lastWithFields(result: PgResult | PgResult[]): PgResult {
  if (!Array.isArray(result)) return result;
  for (let i = result.length - 1; i >= 0; i--) if (result[i].fields && result[i].fields!.length > 0) return result[i];
  return result[result.length - 1] ?? {};
}
