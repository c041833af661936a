/**
 * `S3Task`: a custom task with the open S3 client. The S3 tasks build on it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Resource } from '../resources/resource';
import { s3Client } from '../resources/s3';
import { Task } from '../task';

/** `s3://bucket/key`, as messages name an object. */
export function s3Uri(bucket: string, key?: string): string {
  return key === undefined ? `s3://${bucket}` : `s3://${bucket}/${key}`;
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
