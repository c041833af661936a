/**
 * A merge on SQL Server: the rows go into a `#temp` table (gone with a rollback, dropped once
 * merged), then one `MERGE … WITH (HOLDLOCK)`: matched rows updated, the others inserted,
 * whatever the table's indexes.
 */
import { bracketIdentifier } from '../identifiers';
import { rawRows, standardDedupeLast, type MergePlan, type MergeSql } from '../merge-sql';

function bracketTable(schema: string | undefined, name: string): string {
  return schema ? `${bracketIdentifier(schema)}.${bracketIdentifier(name)}` : bracketIdentifier(name);
}

/** The MERGE of the staged rows into the table. */
export function mssqlMergeSql(plan: MergePlan): string {
  const columns = plan.columns.join(', ');
  const on = plan.keys.map((k) => `bigrays_t.${k} = bigrays_s.${k}`).join(' AND ');
  const matched = plan.updates.length === 0 ? '' : ` WHEN MATCHED THEN UPDATE SET ${plan.updates.map((c) => `bigrays_t.${c} = bigrays_s.${c}`).join(', ')}`;
  return (
    `MERGE INTO ${plan.table} WITH (HOLDLOCK) AS bigrays_t USING (SELECT ${columns} FROM ${plan.staging}) AS bigrays_s ON ${on}` +
    `${matched} WHEN NOT MATCHED BY TARGET THEN INSERT (${columns}) VALUES (${plan.columns.map((c) => `bigrays_s.${c}`).join(', ')});`
  );
}

export const mssqlMerge: MergeSql = {
  staging: {
    target: (name) => ({ name: `#${name}` }),
    create: (table, columns) => `CREATE TABLE ${table} (${columns})`,
    drop: (table) => `DROP TABLE ${table}`,
    dropOnFailure: false,
  },
  limit: (sql, count) => `${sql} OFFSET 0 ROWS FETCH NEXT ${count} ROWS ONLY`,
  ordinalType: 'BIGINT IDENTITY(1, 1)',
  // A key cannot be an NVARCHAR(MAX).
  keyType: (type) => (/^nvarchar\(max\)$/i.test(type) ? 'NVARCHAR(450)' : type),

  async columns(trx, schema, name) {
    const rows = rawRows(
      await trx.raw(
        'SELECT c.name AS name, TYPE_NAME(c.user_type_id) + CASE WHEN TYPE_NAME(c.user_type_id) IN (\'varchar\', \'nvarchar\', \'varbinary\', \'char\', \'nchar\', \'binary\') ' +
          "THEN '(' + CASE WHEN c.max_length = -1 THEN 'max' WHEN TYPE_NAME(c.user_type_id) IN ('nvarchar', 'nchar') THEN CAST(c.max_length / 2 AS varchar(10)) ELSE CAST(c.max_length AS varchar(10)) END + ')' " +
          "WHEN TYPE_NAME(c.user_type_id) IN ('decimal', 'numeric') THEN '(' + CAST(c.precision AS varchar(10)) + ', ' + CAST(c.scale AS varchar(10)) + ')' ELSE '' END AS type " +
          'FROM sys.columns c WHERE c.object_id = OBJECT_ID(?) ORDER BY c.column_id',
        [bracketTable(schema, name)],
      ),
    );
    return rows.map((row) => ({ name: String(row.name), type: String(row.type) }));
  },

  // MERGE matches on the keys whatever the indexes.
  hasUniqueKey: async () => false,

  dedupeLast: standardDedupeLast,
  upsert: (plan) => [mssqlMergeSql(plan)],
};
