/**
 * The merge cases: the changes CSV (half of them rows of the bench table changed, half new)
 * merged into a copy of the bench table with a primary key on id, made before the case's process starts:
 * through psql (the limit) and through FromS3 → SQLWrite ifExists 'merge'.
 */
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as Lib from '../lib';
import { LOAD_COLUMNS, LOAD_TYPES } from './bench-table';
import type { BenchCase, BenchEnv } from './bench-types';
import { bigrays, pgClient, prepareBigrays, prepareLimit, psql } from './clients';

/** The bench table with a primary key on id, as `table`: what a merge case merges into (made before the clock). */
async function prepareMergeTarget(env: BenchEnv): Promise<void> {
  const client = pgClient(env);
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${env.table}`);
  await client.query(`CREATE TABLE ${env.table} (${LOAD_COLUMNS.map((c) => `${c} ${LOAD_TYPES[c]}`).join(', ')}, PRIMARY KEY (id))`);
  await client.query(`INSERT INTO ${env.table} SELECT * FROM bench`);
  await client.query(`VACUUM ANALYZE ${env.table}`);
  await client.end();
}

/**
 * What a merge costs without bigrays: the changes CSV by COPY into a temp table, then one
 * INSERT … ON CONFLICT (id) DO UPDATE, in one transaction (psql when on PATH, else pg).
 */
async function mergeLimit(env: BenchEnv): Promise<void> {
  const columns = LOAD_COLUMNS.join(', ');
  const create = `CREATE TEMP TABLE changes (LIKE ${env.table}) ON COMMIT DROP`;
  const upsert =
    `INSERT INTO ${env.table} (${columns}) SELECT ${columns} FROM changes ON CONFLICT (id) DO UPDATE SET ` +
    LOAD_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  if (process.env.BENCH_PSQL) {
    const file = `\\copy changes (${columns}) from '${env.changesFile}' with (format csv, header)`;
    await psql(env, ['-1', '-c', create, '-c', file, '-c', upsert], 'ignore').exited;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { from } = require('pg-copy-streams') as { from(text: string): Writable };
  const client = pgClient(env);
  await client.connect();
  await client.query('BEGIN');
  await client.query(create);
  await pipeline(createReadStream(env.changesFile), client.query(from(`COPY changes (${columns}) FROM STDIN WITH (FORMAT csv, HEADER)`)));
  await client.query(upsert);
  await client.query('COMMIT');
  await client.end();
}

export const MERGE_CASES: BenchCase[] = [
  {
    name: 'merge-psql',
    title: 'COPY of the changes CSV into a temp table + INSERT … ON CONFLICT DO UPDATE (psql, else pg), one transaction',
    kind: 'merge',
    limit: true,
    setup: prepareMergeTarget,
    prepare: prepareLimit,
    run: mergeLimit,
  },
  {
    name: 'merge',
    title: "FromS3 (format 'csv') of the changes → SQLWrite ifExists 'merge' on id",
    kind: 'merge',
    setup: prepareMergeTarget,
    prepare: prepareBigrays,
    async run(env) {
      const { FromS3, SQLWrite, bigraysRun } = bigrays(env);
      class Fetch extends FromS3<Lib.CsvRows> { bucket = env.bucket; key = env.changesKey; format = 'csv' as const; }
      class Merge extends SQLWrite { tablename = env.table; ifExists = 'merge' as const; mergeKeys = ['id']; input = Fetch.output; }
      await bigraysRun(Fetch, Merge);
    },
  },
];
