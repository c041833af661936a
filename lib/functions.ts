/**
 * The built-in tasks as functions: `await sqlQuery({ query: '…' })` runs one SQLQuery right
 * away (opening and closing its own resource) and resolves to its output.
 */
import { wrapTask, type AttributesOf } from './functional';
import { Task } from './task';
import { SQLExecute } from './tasks/sql-execute';
import { SQLQuery } from './tasks/sql-query';
import { SQLWrite } from './tasks/sql-write';
import { FromS3, type CsvRows } from './tasks/from-s3';
import { ListS3Objects } from './tasks/list-s3-objects';
import { SNSPublish } from './tasks/sns-publish';
import { SNSPublishEmail } from './tasks/sns-publish-email';
import { SlackPost } from './tasks/slack-post';
import { ToCSV } from './tasks/to-csv';
import { ToS3 } from './tasks/to-s3';

/** Attributes every task function takes, as `BaseTask` types them (`resourceConfig`, `formatKws`, `timeoutMs`, `retries`, …). */
export type CommonAttributes = AttributesOf<typeof Task>;

// Each function's attributes are its task class's, typed from the class; required: those the class declares `abstract`
// (its requiredAttributes without a default; spec/job-types.spec.ts holds each list to the class's).
export type SQLQueryAttributes = AttributesOf<typeof SQLQuery, 'query'>;
export type SQLExecuteAttributes = AttributesOf<typeof SQLExecute, 'statement'>;
export type SQLWriteAttributes = AttributesOf<typeof SQLWrite, 'tablename' | 'input'>;
export type ToS3Attributes = AttributesOf<typeof ToS3, 'input' | 'bucket' | 'key'>;
export type FromS3Attributes = AttributesOf<typeof FromS3, 'bucket' | 'key'>;
export type ListS3ObjectsAttributes = AttributesOf<typeof ListS3Objects, 'bucket'>;
export type SNSPublishAttributes = AttributesOf<typeof SNSPublish, 'input' | 'topic'>;
/** `input` and `subject` default to the run's alert text and subject. */
export type SNSPublishEmailAttributes = AttributesOf<typeof SNSPublishEmail, 'topic'>;
/** `input` defaults to the run's alert text. */
export type SlackPostAttributes = AttributesOf<typeof SlackPost>;
export type ToCSVAttributes = AttributesOf<typeof ToCSV, 'input' | 'filename'>;

/** `fromS3()`: its output follows `format`, the object's bytes or (`'csv'`) its rows. */
export interface FromS3Function {
  (attributes: FromS3Attributes & { format: 'csv' }): Promise<CsvRows>;
  (attributes: FromS3Attributes & { format?: 'bytes' }): Promise<Buffer>;
  (attributes: FromS3Attributes): Promise<Buffer | CsvRows>;
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
export const fromS3: FromS3Function = wrapTask<typeof FromS3, FromS3Attributes>('fromS3', FromS3) as FromS3Function;
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
