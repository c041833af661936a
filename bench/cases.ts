/**
 * The cases `npm run bench` measures. Each runs in a child process of its own (so its peak RSS
 * is its own). Export cases move the bench table to `s3://<bucket>/<key>`; their limit is
 * `limit`. Load cases fill `env.table` with the same rows; their limit is `copy-from`.
 * Existing-table loads append the same rows to `env.table`, made empty (as a load creates it)
 * before the case's process starts; their limit is `copy-from-existing`. Merge cases merge the
 * changes CSV into `env.table`, a copy of the bench table with a primary key made before the
 * case's process starts; their limit is `merge-psql`. Every case is timed as a whole process,
 * from spawn to exit, with bigrays' defaults (server-side encryption on). To add one, append to CASES.
 */
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as Lib from '../lib';
import type { BenchCase, BenchEnv, BenchKind } from './bench-types';
import { bigrays, pgClient, prepareBigrays, prepareLimit, psql, upload } from './clients';
import { gzipLimit } from './gzip-limit';
import { benchChangesSql, benchRows, benchTableSql, LOAD_COLUMNS, LOAD_TYPES } from './bench-table';
import { MERGE_CASES } from './merge-cases';

export { benchChangesSql, benchRows, benchTableSql, LOAD_COLUMNS, LOAD_TYPES };

export { isExport, type BenchCase, type BenchEnv, type BenchKind } from './bench-types';

/** The COPY bytes from psql when it is on PATH, else from pg-copy-streams, into a multipart upload. */
async function exportLimit(env: BenchEnv): Promise<void> {
  const copy = `COPY (${env.query}) TO STDOUT WITH (FORMAT csv, HEADER)`;
  if (process.env.BENCH_PSQL) {
    const { stdout, exited } = psql(env, ['-c', copy], 'pipe');
    await Promise.all([upload(env, stdout!), exited]);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { to } = require('pg-copy-streams') as { to(text: string): Readable };
  const client = pgClient(env);
  await client.connect();
  await upload(env, client.query(to(copy)));
  await client.end();
}

/**
 * The CSV file into the table by COPY FROM STDIN (psql's `\copy` when on PATH, else
 * pg-copy-streams), the table replaced in the same transaction, as SQLWrite does.
 */
async function loadLimit(env: BenchEnv): Promise<void> {
  const create = `DROP TABLE IF EXISTS ${env.table}; CREATE TABLE ${env.table} (${LOAD_COLUMNS.map((c) => `${c} ${LOAD_TYPES[c]}`).join(', ')})`;
  const copy = `COPY ${env.table} (${LOAD_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER)`;
  if (process.env.BENCH_PSQL) {
    const file = `\\copy ${env.table} (${LOAD_COLUMNS.join(', ')}) from '${env.csvFile}' with (format csv, header)`;
    await psql(env, ['-1', '-c', create, '-c', file], 'ignore').exited;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { from } = require('pg-copy-streams') as { from(text: string): Writable };
  const client = pgClient(env);
  await client.connect();
  await client.query('BEGIN');
  await client.query(create);
  await pipeline(createReadStream(env.csvFile), client.query(from(copy)));
  await client.query('COMMIT');
  await client.end();
}

/** The empty table an existing-table load appends to, made (committed) before the case's process starts, columns as a load creates them. */
async function existingTable(env: BenchEnv): Promise<void> {
  const client = pgClient(env);
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${env.table}; CREATE TABLE ${env.table} (${LOAD_COLUMNS.map((c) => `${c} ${LOAD_TYPES[c]}`).join(', ')})`);
  await client.end();
}

/** The CSV file into the existing empty table by COPY FROM STDIN, one transaction (psql's `\copy` when on PATH, else pg-copy-streams). */
async function loadExistingLimit(env: BenchEnv): Promise<void> {
  const copy = `COPY ${env.table} (${LOAD_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER)`;
  if (process.env.BENCH_PSQL) {
    const file = `\\copy ${env.table} (${LOAD_COLUMNS.join(', ')}) from '${env.csvFile}' with (format csv, header)`;
    await psql(env, ['-1', '-c', file], 'ignore').exited;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { from } = require('pg-copy-streams') as { from(text: string): Writable };
  const client = pgClient(env);
  await client.connect();
  await client.query('BEGIN');
  await pipeline(createReadStream(env.csvFile), client.query(from(copy)));
  await client.query('COMMIT');
  await client.end();
}

/** `INSERT INTO … SELECT` of the bench table into a table made like it, in one transaction (psql when on PATH, else pg). */
async function tableLimit(env: BenchEnv): Promise<void> {
  const create = `DROP TABLE IF EXISTS ${env.table}; CREATE TABLE ${env.table} AS ${env.query} WITH NO DATA`;
  const insert = `INSERT INTO ${env.table} ${env.query}`;
  if (process.env.BENCH_PSQL) {
    await psql(env, ['-1', '-c', create, '-c', insert], 'ignore').exited;
    return;
  }
  const client = pgClient(env);
  await client.connect();
  await client.query('BEGIN');
  await client.query(create);
  await client.query(insert);
  await client.query('COMMIT');
  await client.end();
}

/** An export through bigrays: `reader`'s rows of the bench query → ToS3 at the case's key, in `format` (csv unless said). */
function exportCase(
  name: string, title: string, kind: BenchKind, ext: string, reader: 'SQLStream' | 'SQLQuery', format?: 'jsonl' | 'parquet',
): BenchCase {
  return {
    name, title, kind, ext,
    prepare: prepareBigrays,
    async run(env) {
      const lib = bigrays(env);
      const Events = reader === 'SQLStream'
        ? class Events extends lib.SQLStream { query = env.query; }
        : class Events extends lib.SQLQuery { query = env.query; };
      class Upload extends lib.ToS3 { input = Events.output; bucket = env.bucket; key = env.key; format = format ?? ('csv' as const); }
      await lib.bigraysRun(Events, Upload);
    },
  };
}

/** A load through bigrays: FromS3 (format 'csv') of the CSV object → SQLWrite `ifExists` into the case's table (made first by `setup`, if given). */
function loadCase(name: string, title: string, kind: BenchKind, ifExists: 'append' | 'replace', setup?: BenchCase['setup']): BenchCase {
  return {
    name, title, kind, setup,
    prepare: prepareBigrays,
    async run(env) {
      const { FromS3, SQLWrite, bigraysRun } = bigrays(env);
      class Fetch extends FromS3<Lib.CsvRows> { bucket = env.bucket; key = env.csvKey; format = 'csv' as const; }
      // Appending takes the existing table's types; a load that makes the table is told them.
      class Load extends SQLWrite {
        tablename = env.table; ifExists = ifExists; input = Fetch.output;
        columnTypes = ifExists === 'append' ? {} : LOAD_TYPES;
      }
      await bigraysRun(Fetch, Load);
    },
  };
}

export const CASES: BenchCase[] = [
  {
    name: 'limit',
    title: 'COPY … TO STDOUT CSV HEADER (psql, else pg-copy-streams) → lib-storage upload',
    kind: 'export',
    limit: true,
    ext: '.csv',
    prepare: prepareLimit,
    run: exportLimit,
  },
  exportCase('stream-csv', 'SQLStream → ToS3, csv', 'export', '.csv', 'SQLStream'),
  exportCase('stream-csv-gz', 'SQLStream → ToS3, csv, key .csv.gz (gzip)', 'export-gz', '.csv.gz', 'SQLStream'),
  exportCase('stream-parquet', "SQLStream → ToS3, format 'parquet'", 'export', '.parquet', 'SQLStream', 'parquet'),
  exportCase('dataframe', 'SQLQuery → ToS3 (DataFrame), csv', 'export', '.csv', 'SQLQuery'),
  {
    name: 'copy-from',
    title: 'COPY … FROM STDIN of the CSV file (psql \\copy, else pg-copy-streams)',
    kind: 'load',
    limit: true,
    prepare: prepareLimit,
    run: loadLimit,
  },
  {
    name: 'bulk-load',
    title: 'SQLWrite of streamed rows (an async generator of the same rows)',
    kind: 'load',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLWrite, bigraysRun } = bigrays(env);
      class Load extends SQLWrite {
        tablename = env.table; ifExists = 'replace' as const; columnTypes = LOAD_TYPES;
        input = { columns: LOAD_COLUMNS, rows: benchRows(env.rows) };
      }
      await bigraysRun(Load);
    },
  },
  loadCase('from-s3-csv', "FromS3 (format 'csv') of the CSV object → SQLWrite", 'load', 'replace'),
  {
    name: 'insert-select',
    title: 'INSERT INTO … SELECT of the bench table (psql, else pg), one transaction',
    kind: 'table',
    limit: true,
    prepare: prepareLimit,
    run: tableLimit,
  },
  {
    name: 'stream-to-table',
    title: 'SQLStream → SQLWrite, same database (INSERT … SELECT on the server)',
    kind: 'table',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLStream, SQLWrite, bigraysRun } = bigrays(env);
      class Events extends SQLStream { query = env.query; }
      class Load extends SQLWrite { tablename = env.table; ifExists = 'replace' as const; input = Events.output; }
      await bigraysRun(Events, Load);
    },
  },
  {
    name: 'stream-to-table-2',
    title: 'SQLStream → SQLWrite, read on a second session (another config), loaded by COPY as read',
    kind: 'table',
    prepare: prepareBigrays,
    async run(env) {
      const { SQLStream, SQLWrite, bigraysRun } = bigrays(env);
      class Events extends SQLStream { query = env.query; override resourceConfig = { DB_DSN: `${env.dsn}?application_name=bench-reader` }; }
      class Load extends SQLWrite { tablename = env.table; ifExists = 'replace' as const; columnTypes = LOAD_TYPES; input = Events.output; }
      await bigraysRun(Events, Load);
    },
  },
  {
    name: 'copy-from-existing',
    title: 'COPY … FROM STDIN of the CSV file into the existing empty table (psql \\copy, else pg-copy-streams), one transaction',
    kind: 'load-existing',
    limit: true,
    setup: existingTable,
    prepare: prepareLimit,
    run: loadExistingLimit,
  },
  loadCase('from-s3-csv-existing', "FromS3 (format 'csv') of the CSV object → SQLWrite, ifExists 'append' into the existing empty table", 'load-existing', 'append', existingTable),
  loadCase('from-s3-csv-replace', "FromS3 (format 'csv') of the CSV object → SQLWrite, ifExists 'replace' of the existing table", 'load-existing', 'replace', existingTable),
  exportCase('dataframe-parquet', "SQLQuery → ToS3 (DataFrame), format 'parquet' (types from values)", 'export', '.parquet', 'SQLQuery', 'parquet'),
  exportCase('stream-jsonl', "SQLStream → ToS3, format 'jsonl'", 'export', '.jsonl', 'SQLStream', 'jsonl'),
  {
    name: 'gzip-limit',
    title: 'COPY … TO STDOUT CSV HEADER (psql, else pg-copy-streams) piped through gzip -6 (else zlib at level 6) → lib-storage upload',
    kind: 'export-gz',
    limit: true,
    ext: '.csv.gz',
    prepare: prepareLimit,
    run: gzipLimit,
  },
  ...MERGE_CASES,
];
