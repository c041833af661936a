/**
 * The built-in tasks as functions: `await sqlQuery({ query: '…' })` runs one SQLQuery right
 * away (opening and closing its own resource) and resolves to its output.
 */
import type { ConfigValues } from './config';
import type { DataFrame } from './data/danfo';
import type { Row } from './data/frame';
import type { FormatKws } from './format';
import { wrapTask } from './functional';
import type { SqlParams } from './resources/sql/session';
import type { IfExists } from './resources/sql/write';
import { SQLExecute } from './tasks/sql-execute';
import { SQLQuery } from './tasks/sql-query';
import { SQLWrite } from './tasks/sql-write';

/** Attributes every task function takes. */
export interface CommonAttributes {
  /** Config merged over `BigraysConfig` for this call's resource. */
  resourceConfig?: ConfigValues;
  /** Format keywords for this call, over the global ones. */
  formatKws?: FormatKws;
}

export interface SQLQueryAttributes extends CommonAttributes {
  query: string;
  params?: SqlParams;
}

export interface SQLExecuteAttributes extends CommonAttributes {
  statement: string;
  params?: SqlParams;
}

export interface SQLWriteAttributes extends CommonAttributes {
  tablename: string;
  input: DataFrame | Row[];
  ifExists?: IfExists;
}

/** Runs a query; resolves to a DataFrame. */
export const sqlQuery = wrapTask<typeof SQLQuery, SQLQueryAttributes>('sqlQuery', SQLQuery);
/** Runs a statement in a transaction; resolves to the rows affected, when known. */
export const sqlExecute = wrapTask<typeof SQLExecute, SQLExecuteAttributes>('sqlExecute', SQLExecute);
/** Writes rows to a table in one transaction; resolves to the rows written. */
export const sqlWrite = wrapTask<typeof SQLWrite, SQLWriteAttributes>('sqlWrite', SQLWrite);
