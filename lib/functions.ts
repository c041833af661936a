/**
 * The built-in tasks as functions: `await sqlQuery({ query: '…' })` runs one SQLQuery right
 * away (opening and closing its own resource) and resolves to its output.
 */
import type { ConfigValues } from './config';
import type { DataFrame } from './data/danfo';
import type { Row } from './data/frame';
import type { Compression, DataFormat } from './data/payload';
import type { FormatKws } from './format';
import { wrapTask } from './functional';
import type { SqlParams } from './resources/sql/session';
import type { IfExists } from './resources/sql/write';
import type { WriteIfExists } from './stores/if-exists';
import { SQLExecute } from './tasks/sql-execute';
import { SQLQuery } from './tasks/sql-query';
import { SQLWrite, type StreamedRows } from './tasks/sql-write';
import { FromS3, type FromS3Format, type TextEncoding } from './tasks/from-s3';
import { ListS3Objects } from './tasks/list-s3-objects';
import { SNSPublish } from './tasks/sns-publish';
import { SNSPublishEmail } from './tasks/sns-publish-email';
import { SlackPost } from './tasks/slack-post';
import { ToCSV } from './tasks/to-csv';
import { ToS3, type ServerSideEncryptionSetting } from './tasks/to-s3';

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
  input: DataFrame | Row[] | StreamedRows;
  ifExists?: IfExists;
  columnTypes?: Record<string, string>;
  mergeKeys?: string[];
  dedupe?: 'error' | 'last';
  addColumns?: boolean;
}

export interface ToS3Attributes extends CommonAttributes {
  input: unknown;
  bucket: string;
  key: string;
  overwriteIfExists?: boolean;
  ifExists?: WriteIfExists;
  serverSideEncryption?: ServerSideEncryptionSetting;
  kmsKeyId?: string;
  contentType?: string;
  partSize?: number;
  queueSize?: number;
  format?: DataFormat;
  compression?: Compression;
  maxRowsPerObject?: number;
  writeEmpty?: boolean;
}

export interface FromS3Attributes extends CommonAttributes {
  bucket: string;
  key: string;
  format?: FromS3Format;
  encoding?: TextEncoding;
}

export interface ListS3ObjectsAttributes extends CommonAttributes {
  bucket: string;
  prefix?: string;
  suffix?: string;
}

export interface SNSPublishAttributes extends CommonAttributes {
  input: unknown;
  topic: string;
}

export interface SNSPublishEmailAttributes extends Omit<SNSPublishAttributes, 'input'> {
  /** Default: the run's alert text. */
  input?: unknown;
  /** Default: the run's alert subject. */
  subject?: string;
}

export interface SlackPostAttributes extends CommonAttributes {
  /** The message text, `{keyword}` placeholders filled. Default: the run's alert text. */
  input?: string;
  requestTimeoutMs?: number;
}

export interface ToCSVAttributes extends CommonAttributes {
  input: unknown;
  filename: string;
  overwriteIfExists?: boolean;
  writeEmpty?: boolean;
  ifExists?: WriteIfExists;
}

/** Runs a query; resolves to a DataFrame. */
export const sqlQuery = wrapTask<typeof SQLQuery, SQLQueryAttributes>('sqlQuery', SQLQuery);
/** Runs a statement in a transaction; resolves to the rows affected, when known. */
export const sqlExecute = wrapTask<typeof SQLExecute, SQLExecuteAttributes>('sqlExecute', SQLExecute);
/** Writes rows to a table in one transaction; resolves to the rows written. */
export const sqlWrite = wrapTask<typeof SQLWrite, SQLWriteAttributes>('sqlWrite', SQLWrite);
/** Uploads to S3 (CSV for tabular input); resolves to `{ bucket, key, uri, bytes, rows?, etag? }`. */
export const toS3 = wrapTask<typeof ToS3, ToS3Attributes>('toS3', ToS3);
/** Downloads an object; resolves to its bytes, or with `format: 'csv'` to its rows, streamed. */
export const fromS3 = wrapTask<typeof FromS3, FromS3Attributes>('fromS3', FromS3);
/** Lists every key in a bucket (past 1000), filtered by prefix and suffix. */
export const listS3Objects = wrapTask<typeof ListS3Objects, ListS3ObjectsAttributes>('listS3Objects', ListS3Objects);
/** Publishes a message (objects as JSON); resolves to the message id. */
export const snsPublish = wrapTask<typeof SNSPublish, SNSPublishAttributes>('snsPublish', SNSPublish);
/** Publishes a message with a subject (an e-mail, to e-mail subscribers); resolves to the message id. */
export const snsPublishEmail = wrapTask<typeof SNSPublishEmail, SNSPublishEmailAttributes>('snsPublishEmail', SNSPublishEmail);
/** Posts a message to Slack through the webhook in config SLACK_WEBHOOK_URL; resolves to the text posted. */
export const slackPost = wrapTask<typeof SlackPost, SlackPostAttributes>('slackPost', SlackPost);
/** Writes CSV to a file, atomically; resolves to `{ path, bytes, rows? }`. */
export const toCSV = wrapTask<typeof ToCSV, ToCSVAttributes>('toCSV', ToCSV);
