/**
 * A bucket of S3 (or of an S3-compatible store) as an `ObjectStore`, over the open S3 client.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../lazy';
import type { Logger } from '../log';
import { awsErrorCode, checkFailure, describeAwsError, httpStatus, invalidBucketName, isNotFound } from '../resources/aws-errors';
import { s3Uri } from '../resources/s3';
import { ObjectStoreError, type CheckAdvice, type ObjectHead, type ObjectStore, type ObjectUpload, type PutRequest } from './object-store';
import { s3Upload, type S3UploadSettings } from './s3-upload';

/** The most keys one DeleteObjects request takes. */
const DELETE_BATCH = 1000;

/** How long one DeleteObjects request may take. */
const DELETE_MS = 10_000;

export class S3Store implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    /** Where the store tells what it could not clean up. */
    private readonly log: Logger,
    private readonly settings: S3UploadSettings = {},
  ) {}

  uri(key?: string): string {
    return s3Uri(this.bucket, key);
  }

  where(key: string): string {
    return `bucket \`${this.bucket}\`, key \`${key}\``;
  }

  upload(request: PutRequest): ObjectUpload {
    return s3Upload(this.client, this.bucket, request, this.settings, this.log);
  }

  async find(key: string, signal: AbortSignal, advice: CheckAdvice): Promise<ObjectHead | undefined> {
    try {
      const head = await this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      return { etag: head.ETag, lastModified: head.LastModified, size: head.ContentLength, metadata: head.Metadata ?? {} };
    } catch (error) {
      // Stopped by the caller's signal: the caller reports why; no advice about the check.
      if (signal.aborted) throw error;
      if (isNotFound(error)) return undefined;
      const badName = invalidBucketName(error, this.bucket);
      if (badName) throw new ObjectStoreError(badName, { cause: error, attribute: 'bucket' });
      throw new ObjectStoreError(checkFailure(advice.checked, error, 'Allow s3:GetObject and s3:ListBucket', advice.skip), { cause: error });
    }
  }

  async head(key: string, ms: number): Promise<ObjectHead | undefined> {
    try {
      const head = await this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: key }), {
        abortSignal: AbortSignal.timeout(ms),
      });
      return { etag: head.ETag, lastModified: head.LastModified, metadata: head.Metadata ?? {} };
    } catch (error) {
      // A 403 may hide an object the credentials may not see: not taken as none.
      if (isNotFound(error) && httpStatus(error) !== 403) return undefined;
      throw error;
    }
  }

  /** A DeleteObjects request per 1000 keys, all at once. */
  async delete(keys: readonly string[]): Promise<boolean> {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += DELETE_BATCH) batches.push(keys.slice(i, i + DELETE_BATCH));
    const results = await Promise.all(batches.map((batch) => this.deleteBatch(batch)));
    return results.every(Boolean);
  }

  /** One DeleteObjects request; whether every key went. */
  private async deleteBatch(keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return true;
    const log = this.log;
    try {
      const answer = await this.client.send(
        new (s3Sdk().DeleteObjectsCommand)({ Bucket: this.bucket, Delete: { Objects: keys.map((key) => ({ Key: key })), Quiet: true } }),
        { abortSignal: AbortSignal.timeout(DELETE_MS) },
      );
      for (const failed of answer.Errors ?? []) log('could not delete %s: %s: %s', this.uri(failed.Key ?? ''), failed.Code, failed.Message);
      return (answer.Errors ?? []).length === 0;
    } catch (error) {
      log('could not delete %s: %s', keys.map((key) => this.uri(key)).join(', '), describeAwsError(error));
      return false;
    }
  }

  /** ListObjectsV2, following continuation tokens through every page. */
  async *list(prefix: string | undefined, signal: AbortSignal): AsyncGenerator<string[]> {
    const paginator = s3Sdk().paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix });
    for await (const page of paginator) {
      signal.throwIfAborted();
      yield (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
    }
  }

  describeError(error: unknown): string {
    return describeAwsError(error);
  }

  /**
   * 412 PreconditionFailed, the object exists; 409 ConditionalRequestConflict, another
   * conditional write of it is under way.
   */
  isConditionFailure(error: unknown): boolean {
    const code = awsErrorCode(error);
    return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || httpStatus(error) === 412;
  }

  /**
   * No answer (a dropped connection, a timeout), a 5xx, or any answer to a retry (an earlier try
   * may have landed: the retry then hears NoSuchUpload or 412). A 4xx at the first try was a refusal.
   */
  mayHaveWritten(error: unknown): boolean {
    const status = httpStatus(error);
    if (status === undefined || status >= 500) return true;
    const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    return attempts > 1;
  }
}
