/**
 * `SQLWrite` on MySQL: rows go through `LOAD DATA LOCAL INFILE`, fed from a stream made as the
 * server takes it (mysql2's `infileStreamFactory`), when the server allows local infile; else
 * through multi-row INSERTs of a bounded size. Either way on the write's transaction, and a
 * value the server would only warn about (LOAD DATA LOCAL turns refusals into warnings) fails
 * the load, naming the row, so the caller rolls back.
 */
import type { Knex } from 'knex';
import { Readable } from 'node:stream';
import { readBatches } from '../../../data/row-batches';
import { transactionConnection } from '../connection';
import type { Guard } from '../limits';
import { LoadError, type LoadTarget } from '../load';
import { run, type MysqlConnection, type ResultHeader } from './connection';
import { loadText } from './load-text';
import { backtickIdentifier, backtickTable } from './quoting';
import { toMysql, utcDatetime } from './values';

/**
 * Server errors of a LOAD DATA LOCAL the server (or its settings) refuses: the rows go as
 * INSERTs. 1148: not allowed (MySQL 5.7, MariaDB); 3948: local data disabled (MySQL 8);
 * 4166: local infile capability disabled (MariaDB 10.6+).
 */
const LOCAL_INFILE_REFUSED = new Set([1148, 3948, 4166]);

/** How many rows, and about how many bytes of values, one INSERT carries. */
export const INSERT_ROWS = 1000;
const INSERT_BYTES = 2 * 1024 * 1024;

/** Whether each target column holds date-times (an offset timestamp is written to it in UTC). */
async function datetimeColumns(connection: MysqlConnection, target: LoadTarget): Promise<boolean[]> {
  const { rows } = await run(connection, { sql: `SHOW COLUMNS FROM ${backtickTable(target)}` });
  const types = new Map((rows as Array<{ Field: string; Type: string }>).map((c) => [c.Field, c.Type.toLowerCase()]));
  return target.columns.map((name) => {
    const type = types.get(name);
    if (type === undefined) throw new LoadError(`the table ${target.tablename} has no column \`${name}\``, undefined, undefined);
    return /^(datetime|timestamp)/.test(type);
  });
}

/** The row a server message is about (`… at row 3`), counted from `offset`. */
function rowOf(error: unknown, offset = 0): number | undefined {
  const match = /\bat row (\d+)/.exec((error as Error)?.message ?? '');
  return match ? offset + Number(match[1]) : undefined;
}

/** Fails on the first warning (not a note) the last statement left: a value the server changed or dropped. */
export async function failOnWarnings(connection: MysqlConnection, header: ResultHeader, offset = 0): Promise<void> {
  if (!header.warningStatus) return;
  const { rows } = await run(connection, { sql: 'SHOW WARNINGS' });
  const warning = (rows as Array<{ Level: string; Code: number; Message: string }>).find((w) => w.Level !== 'Note');
  if (!warning) return;
  const error = Object.assign(new Error(warning.Message), { errno: warning.Code });
  throw new LoadError(warning.Message, rowOf(error, offset), error);
}

/** `LOAD DATA LOCAL INFILE` of the rows' text; resolves to the rows loaded, or to undefined when the server refuses local infile before reading a row. */
async function loadData(
  connection: MysqlConnection,
  target: LoadTarget,
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
  datetime: boolean[],
  guard?: Guard,
): Promise<number | undefined> {
  const sql =
    `LOAD DATA LOCAL INFILE 'bigrays-rows' INTO TABLE ${backtickTable(target)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${target.columns.map(backtickIdentifier).join(', ')})`;
  const counted = { rows: 0 };
  let opened = false;
  const infileStreamFactory = (): Readable => {
    opened = true;
    return Readable.from(loadText(rows, datetime, counted, guard ? () => guard.check() : undefined), { objectMode: false });
  };
  let header: ResultHeader;
  try {
    header = (await run(connection, { sql, infileStreamFactory })).rows as ResultHeader;
  } catch (error) {
    if (!opened && LOCAL_INFILE_REFUSED.has(Number((error as { errno?: unknown }).errno))) return undefined;
    if (error instanceof LoadError) throw error;
    throw new LoadError((error as Error).message, rowOf(error), error);
  }
  await failOnWarnings(connection, header);
  return header.affectedRows ?? counted.rows;
}

/** One multi-row INSERT of `batch`. */
async function insertBatch(connection: MysqlConnection, target: LoadTarget, batch: unknown[][], offset: number): Promise<number> {
  const row = `(${target.columns.map(() => '?').join(', ')})`;
  const sql = `INSERT INTO ${backtickTable(target)} (${target.columns.map(backtickIdentifier).join(', ')}) VALUES ${batch.map(() => row).join(', ')}`;
  let header: ResultHeader;
  try {
    header = (await run(connection, { sql, values: batch.flat() })).rows as ResultHeader;
  } catch (error) {
    throw new LoadError((error as Error).message, rowOf(error, offset), error);
  }
  await failOnWarnings(connection, header, offset);
  return header.affectedRows ?? batch.length;
}

/** The rows as multi-row INSERTs of at most INSERT_ROWS rows and about INSERT_BYTES of values each. */
async function insertRows(
  connection: MysqlConnection,
  target: LoadTarget,
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
  datetime: boolean[],
  guard?: Guard,
): Promise<number> {
  let pending: unknown[][] = [];
  let bytes = 0;
  let sent = 0;
  let loaded = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    guard?.check();
    loaded += await insertBatch(connection, target, pending, sent);
    sent += pending.length;
    pending = [];
    bytes = 0;
  };
  for await (const batch of readBatches(rows)) {
    for (const values of batch) {
      const row = values.map((value, i) => (datetime[i] && typeof value === 'string' ? utcDatetime(value) : toMysql(value)));
      pending.push(row);
      for (const value of row) bytes += typeof value === 'string' || Buffer.isBuffer(value) ? value.length : 8;
      if (pending.length >= INSERT_ROWS || bytes >= INSERT_BYTES) await flush();
    }
  }
  await flush();
  return loaded;
}

/** Loads `rows` into `target` on the transaction's connection (see the file's comment); resolves to the rows loaded. */
export async function loadRows(
  trx: Knex.Transaction,
  target: LoadTarget,
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
  guard?: Guard,
): Promise<number> {
  const connection = (await transactionConnection(trx)) as MysqlConnection;
  const datetime = await datetimeColumns(connection, target);
  const loaded = await loadData(connection, target, rows, datetime, guard);
  return loaded ?? insertRows(connection, target, rows, datetime, guard);
}
