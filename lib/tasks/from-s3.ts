/**
 * `FromS3`: an object's bytes.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { TaskError } from '../errors';
import { textAttribute } from './attributes';
import { awsErrorCode, describeAwsError } from './aws-errors';
import { S3Task, s3Uri } from './s3-task';

/**
 * Reads `s3://bucket/key`; the output is its bytes as a Buffer. A missing object or bucket is
 * a TaskError naming the bucket and the key.
 */
export abstract class FromS3 extends S3Task<Buffer> {
  static override requiredAttributes: readonly string[] = ['bucket', 'key'];

  /** The bucket; `{keyword}` placeholders are filled. */
  abstract bucket: string;

  /** The object key; `{keyword}` placeholders are filled. */
  abstract key: string;

  async run(): Promise<Buffer> {
    const bucket = textAttribute(this, 'bucket');
    const key = textAttribute(this, 'key');
    const uri = s3Uri(bucket, key);
    let bytes: Uint8Array;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: this.signal });
      bytes = response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      throw new TaskError(`${this.taskName}: ${this.problem(error, bucket, key, uri)}`, { cause: error, taskName: this.taskName });
    }
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.recordMetrics({ bytes: buffer.length });
    this.log('read %d bytes from %s', buffer.length, uri);
    return buffer;
  }

  private problem(error: unknown, bucket: string, key: string, uri: string): string {
    switch (awsErrorCode(error)) {
      case 'NoSuchKey':
        return `${uri} does not exist: bucket \`${bucket}\` has no object with key \`${key}\``;
      case 'NoSuchBucket':
        return `bucket \`${bucket}\` does not exist (reading key \`${key}\`)`;
      case 'AccessDenied':
        return `reading ${uri} was denied (${describeAwsError(error)}); S3 also answers so for a missing key when the credentials may not list bucket \`${bucket}\``;
      default:
        return `reading ${uri} failed: ${describeAwsError(error)}`;
    }
  }
}
