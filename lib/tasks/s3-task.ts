/**
 * `S3Task`: a custom task with the open S3 client. The S3 tasks build on it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Resource } from '../resources/resource';
import { s3Client } from '../resources/s3';
import { Task, type BaseTask } from '../task';
import { filledAttribute, filledFrom, textProblems } from './attributes';

/** The longest key (and prefix) S3 takes, in bytes of UTF-8. */
export const S3_MAX_KEY_BYTES = 1024;

/**
 * What breaks S3's bucket naming rules in `name`, or an empty list: 3 to 63 characters,
 * lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no
 * two dots in a row, not an IP address. An ARN (an access point's) is taken as it is.
 */
export function bucketNameProblems(name: string): string[] {
  if (name.startsWith('arn:')) return [];
  const problems: string[] = [];
  const length = [...name].length;
  if (length < 3 || length > 63) problems.push(`it has ${length} characters`);
  const wrong = [...new Set(name.replace(/[a-z0-9.-]/g, ''))];
  if (wrong.length > 0) problems.push(`it holds ${wrong.map((c) => JSON.stringify(c)).join(', ')}`);
  if (length > 0 && (!/^[a-zA-Z0-9]/.test(name) || !/[a-zA-Z0-9]$/.test(name))) problems.push('it does not start and end with a letter or digit');
  if (name.includes('..')) problems.push('it holds ".."');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push('it is formatted as an IP address');
  return problems;
}

/** The problems of a task's `bucket` (filled with the keywords known now) with S3's naming rules. */
export function bucketProblems(task: BaseTask<unknown>): string[] {
  const wrong = textProblems(task, 'bucket');
  if (wrong.length > 0) return wrong;
  const bucket = filledAttribute(task, 'bucket');
  if (bucket === undefined) return [];
  const problems = bucketNameProblems(bucket);
  if (problems.length === 0) return [];
  return [
    `bucket ${filledFrom(task, 'bucket', bucket)} is not a valid S3 bucket name (${problems.join('; ')}): ` +
      'use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
  ];
}

/**
 * The problems of a task's key-like attribute (`key`, `prefix`) once filled: empty when
 * `required`, or longer than S3's 1024 bytes of UTF-8.
 */
export function keyProblems(task: BaseTask<unknown>, name: 'key' | 'prefix', required: boolean): string[] {
  const wrong = textProblems(task, name, required);
  if (wrong.length > 0) return wrong;
  const value = filledAttribute(task, name);
  if (value === undefined) return [];
  if (value === '' && required) {
    const template = (task as unknown as Record<string, unknown>)[name];
    return [`${name} is empty once its keywords are filled (${JSON.stringify(template)}): an object needs a key; check the keywords it uses`];
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes <= S3_MAX_KEY_BYTES) return [];
  return [`${name} is ${bytes} bytes of UTF-8 once filled, over S3's limit of ${S3_MAX_KEY_BYTES}: shorten it (it begins ${JSON.stringify(value.slice(0, 40))}…)`];
}

/**
 * A custom S3 task: implement `run()` and use `this.client`, the open S3 client. Consecutive
 * S3 tasks share one client.
 *
 * @example
 * class CopyReport extends S3Task<void> {
 *   async run() {
 *     await this.client.send(new CopyObjectCommand({ Bucket: 'b', CopySource: 'b/today.csv', Key: 'archive/today.csv' }));
 *   }
 * }
 */
export abstract class S3Task<O = unknown> extends Task<O> {
  /** The S3 client resource. @default s3Client (shared by consecutive S3 tasks) */
  override requiredResource: Resource<S3Client> = s3Client;

  /** The open S3 client, while the task runs. */
  protected get client(): S3Client {
    return this.requiredResource.handle;
  }
}
