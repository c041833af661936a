/**
 * `ListS3Objects`: every key in a bucket, optionally under a prefix and with a suffix.
 */
import { TaskError } from '../errors';
import { taskMessage } from '../messages';
import { checkAttributes, optionalTextAttribute, textAttribute, textProblems } from './attributes';
import { awsErrorCode, describeAwsError } from '../resources/aws-errors';
import { S3Store } from '../stores/s3-store';
import { s3Uri } from '../resources/s3';
import { bucketProblems, keyProblems, S3Task } from './s3-task';

/**
 * Lists the keys in `bucket` that start with `prefix` and end with `suffix`, following
 * continuation tokens through every page (not only the first 1000 keys). The output is the
 * keys, in S3's order (UTF-8 binary order).
 */
export abstract class ListS3Objects extends S3Task<string[]> {
  static override requiredAttributes: readonly string[] = ['bucket'];

  /** The bucket; `{keyword}` placeholders are filled. */
  abstract bucket: string;

  /** Only keys starting with this; `{keyword}` placeholders are filled. @default undefined (every key) */
  prefix?: string;

  /** Only keys ending with this, e.g. `'.csv'`; `{keyword}` placeholders are filled. @default undefined (every key) */
  suffix?: string;

  /** Checked before the run (and again when it starts): the bucket name, the prefix's length once filled. */
  override attributeProblems(): string[] {
    return [...bucketProblems(this), ...keyProblems(this, 'prefix', false), ...textProblems(this, 'suffix', false)];
  }

  async run(): Promise<string[]> {
    const bucket = textAttribute(this, 'bucket');
    checkAttributes(this);
    const prefix = optionalTextAttribute(this, 'prefix');
    const suffix = optionalTextAttribute(this, 'suffix');
    const keys: string[] = [];
    let pages = 0;
    try {
      for await (const page of new S3Store(this.client, bucket, this.log).list(prefix, this.signal)) {
        pages += 1;
        for (const key of page) if (suffix === undefined || key.endsWith(suffix)) keys.push(key);
      }
    } catch (error) {
      const where = s3Uri(bucket, prefix);
      const reason = awsErrorCode(error) === 'NoSuchBucket'
        ? `bucket \`${bucket}\` does not exist`
        : `listing ${where} failed: ${describeAwsError(error)}`;
      throw new TaskError(taskMessage(this, reason), { cause: error, taskName: this.taskName });
    }
    this.log('listed %d keys in %s (%d pages)', keys.length, s3Uri(bucket, prefix), pages);
    return keys;
  }
}
