/**
 * A merge on MySQL and MariaDB: the rows go into a TEMPORARY table (its CREATE and DROP do not
 * commit, unlike a table's), then `INSERT … SELECT … ON DUPLICATE KEY UPDATE` when the table
 * has a unique key on exactly the keys, else an `UPDATE … JOIN` and an `INSERT … WHERE NOT
 * EXISTS`. A temporary table cannot be named twice in one statement here: the last row of
 * each key is found through a second one. The temporary table outlives a rollback: it is
 * dropped whatever happens.
 */
import type { Knex } from 'knex';
import { rawRows, type MergePlan, type MergeSql } from '../merge-sql';
import { backtickIdentifier, backtickTable } from './quoting';

function keysEqual(plan: MergePlan, t: string, s: string): string {
  return plan.keys.map((k) => `${t}.${k} = ${s}.${k}`).join(' AND ');
}

/** SHOW … FROM `schema`.`name`. */
async function shown(trx: Knex.Transaction, what: string, schema: string | undefined, name: string): Promise<Array<Record<string, unknown>>> {
  return rawRows(await trx.raw(`SHOW ${what} FROM ${backtickTable({ schema, name })}`));
}

export const mysqlMerge: MergeSql = {
  staging: {
    target: (name) => ({ name }),
    create: (table, columns) => `CREATE TEMPORARY TABLE ${table} (${columns})`,
    drop: (table) => `DROP TEMPORARY TABLE IF EXISTS ${table}`,
    dropOnFailure: true,
  },
  limit: (sql, count) => `${sql} LIMIT ${count}`,
  ordinalType: 'BIGINT AUTO_INCREMENT PRIMARY KEY',
  // A key cannot be a LONGTEXT: text keys of a new table are VARCHAR(255).
  keyType: (type) => (/^longtext\b/i.test(type) ? type.replace(/^longtext/i, 'VARCHAR(255)') : type),

  async columns(trx, schema, name) {
    return (await shown(trx, 'FULL COLUMNS', schema, name)).map((row) => ({
      name: String(row.Field),
      type: `${String(row.Type)}${row.Collation ? ` CHARACTER SET ${String(row.Collation).split('_')[0]} COLLATE ${String(row.Collation)}` : ''}`,
    }));
  },

  async hasUniqueKey(trx, schema, name, keys) {
    const indexes = new Map<string, string[]>();
    for (const row of await shown(trx, 'INDEX', schema, name)) {
      if (Number(row.Non_unique) !== 0) continue;
      const key = String(row.Key_name);
      indexes.set(key, [...(indexes.get(key) ?? []), String(row.Column_name)]);
    }
    return [...indexes.values()].some((columns) => columns.length === keys.length && keys.every((k) => columns.includes(k)));
  },

  dedupeLast(plan) {
    const last = backtickIdentifier('bigrays_last');
    return [
      `CREATE TEMPORARY TABLE ${last} (PRIMARY KEY (${plan.ordinal})) AS SELECT MAX(${plan.ordinal}) AS ${plan.ordinal} FROM ${plan.staging} GROUP BY ${plan.keys.join(', ')}`,
      `DELETE bigrays_s FROM ${plan.staging} AS bigrays_s LEFT JOIN ${last} AS bigrays_l ON bigrays_s.${plan.ordinal} = bigrays_l.${plan.ordinal} WHERE bigrays_l.${plan.ordinal} IS NULL`,
      `DROP TEMPORARY TABLE ${last}`,
    ];
  },

  upsert(plan) {
    const columns = plan.columns.join(', ');
    if (plan.unique) {
      const set = (plan.updates.length > 0 ? plan.updates : plan.keys.slice(0, 1)).map((c) => `${c} = VALUES(${c})`).join(', ');
      return [`INSERT INTO ${plan.table} (${columns}) SELECT ${columns} FROM ${plan.staging} ORDER BY ${plan.ordinal} ON DUPLICATE KEY UPDATE ${set}`];
    }
    const update =
      plan.updates.length === 0
        ? []
        : [
            `UPDATE ${plan.table} AS bigrays_t JOIN ${plan.staging} AS bigrays_s ON ${keysEqual(plan, 'bigrays_t', 'bigrays_s')} ` +
              `SET ${plan.updates.map((c) => `bigrays_t.${c} = bigrays_s.${c}`).join(', ')}`,
          ];
    const picked = plan.columns.map((c) => `bigrays_s.${c}`).join(', ');
    return [
      ...update,
      `INSERT INTO ${plan.table} (${columns}) SELECT ${picked} FROM ${plan.staging} AS bigrays_s ` +
        `WHERE NOT EXISTS (SELECT 1 FROM ${plan.table} AS bigrays_t WHERE ${keysEqual(plan, 'bigrays_t', 'bigrays_s')})`,
    ];
  },
};
