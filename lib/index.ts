/**
 * bigrays: write ETL jobs as a script of task classes.
 * This file is the package's only public surface.
 */
export { BigraysError, ConfigurationError, LockedError, ResourceError, TaskError, TaskInterfaceError } from './errors';
export { BigraysConfig, KNOWN_CONFIG, resetConfig, type ConfigValues, type ConfigKeyInfo } from './config';
export { updateFormatKws, getFormatKws, clearFormatKws, formatTemplate, type FormatKws, type FormatOptions, type SqlQuoting } from './format';
export { BaseTask, Task, TEMPLATED_ATTRIBUTES, type TaskClass, type TaskMetrics } from './task';
export type { TaskInput } from './tasks/task-input';
export { outputOf, OutputRef } from './output';
export { register, clearRegistry, registeredTasks } from './registry';
export { bigraysRun } from './run';
export type { RunReport, TaskReport, TaskStatus } from './report';
export { StateConflictError } from './state/store';
export type { StateDocument, StateReport } from './state/state-document';
export type { TaskStatePart } from './state/task-state';
export { Resource, type LocalForm } from './resources/resource';

// SQL
export type { DataFrame, DataFrameTypes, FrameShape } from './data/danfo';
export type { Row } from './data/frame';
export { SQLSession, SqlSession, sqlSession, type SqlCallOptions, type SqlParams } from './resources/sql/session';
export type { TableStream } from './resources/sql/dialect';
export type { IfExists } from './resources/sql/write';
export { SQLTask } from './tasks/sql-task';
export { SQLQuery } from './tasks/sql-query';
export { SQLExecute } from './tasks/sql-execute';
export { SQLWrite, type StreamedRows } from './tasks/sql-write';
export { SQLStream } from './tasks/sql-stream';
export { SqlRows, type OpenRows } from './data/sql-rows';

// Functional interface
export { wrapTask, type AttributesOf, type DataAttributes, type TaskAttributes, type TaskFunction, type OutputOfClass } from './functional';
export {
  sqlQuery, sqlExecute, sqlWrite, toS3, fromS3, listS3Objects, snsPublish, snsPublishEmail, slackPost, toCSV,
  type CommonAttributes, type SQLQueryAttributes, type SQLExecuteAttributes, type SQLWriteAttributes,
  type ToS3Attributes, type FromS3Attributes, type ListS3ObjectsAttributes, type SNSPublishAttributes,
  type SNSPublishEmailAttributes, type SlackPostAttributes, type ToCSVAttributes, type FromS3Function,
} from './functions';

// S3, SNS and CSV
export { csvStream, toCsv, CSV_CONTENT_TYPE, type CsvInput, type CsvRow, type CsvStream, type RowSource } from './data/csv';
export { AwsResource, type AwsClientSettings } from './resources/aws';
export { S3Resource, s3Client } from './resources/s3';
export { SNSResource, snsClient } from './resources/sns';
export { S3Task } from './tasks/s3-task';
export { ToS3, S3Upload, type ToS3Output, type ServerSideEncryptionSetting } from './tasks/to-s3';
export { FromS3, type FromS3Format, type CsvRows, type TextEncoding } from './tasks/from-s3';
export { ListS3Objects } from './tasks/list-s3-objects';
export { SNSTask } from './tasks/sns-task';
export { SNSPublish, SNS_MAX_MESSAGE_BYTES } from './tasks/sns-publish';
export { SNSPublishEmail, SNS_MAX_SUBJECT_LENGTH } from './tasks/sns-publish-email';
export { ToCSV, type ToCSVOutput } from './tasks/to-csv';

// Slack
export { SlackWebhookResource, slackWebhook, type SlackWebhook } from './resources/slack-webhook';
export { SlackPost } from './tasks/slack-post';

export type { WriteIfExists } from './stores/if-exists';
