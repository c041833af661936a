/**
 * `ToS3` (alias `S3Upload`): uploads the task's `input` to S3, streaming through a multipart
 * upload, so a large input never sits whole in memory.
 */
import { AbortMultipartUploadCommand, HeadObjectCommand, type ServerSideEncryption } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { countingStream, isOneShot } from '../data/payload';
import { TaskError, TaskInterfaceError } from '../errors';
import { inputPayload, optionalTextAttribute, textAttribute } from './attributes';
import { describeAwsError, isNotFound } from './aws-errors';
import { S3Task, s3Uri } from './s3-task';
import { within } from '../timing';

/** Server-side encryption for `ToS3.serverSideEncryption`; `'none'` sends no encryption header. */
export type ServerSideEncryptionSetting = 'AES256' | 'aws:kms' | 'aws:kms:dsse' | 'none';

const ENCRYPTIONS: readonly ServerSideEncryptionSetting[] = ['AES256', 'aws:kms', 'aws:kms:dsse', 'none'];

/** The smallest part S3 accepts (all parts but the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;

/** How long a failed upload waits for its parts in flight before it sends the abort anyway. */
const SETTLE_MS = 2000;

/** What of lib-storage's `Upload` a failed upload needs to clean up after itself. */
interface UploadState {
  uploadId?: string;
  /** Set once the multipart upload exists; null again once lib-storage aborted (or completed) it. */
  abortMultipartUploadCommand?: unknown;
  createMultiPartPromise?: Promise<{ UploadId?: string }>;
  concurrentUploaders?: Array<Promise<unknown>>;
}

/** What `ToS3` returns. */
export interface ToS3Output {
  bucket: string;
  key: string;
  /** `s3://bucket/key` */
  uri: string;
  /** Bytes uploaded. */
  bytes: number;
  /** Rows written, when the input was tabular (CSV). */
  rows?: number;
  /** The object's ETag, as S3 returned it. */
  etag?: string;
}

/**
 * Uploads `input` to `s3://bucket/key`. A DataFrame, an array of row objects, `{ columns, rows }`
 * or a stream of row objects is written as CSV (header, no index; see the CSV writer); a string
 * as UTF-8; a Buffer/Uint8Array or a stream of bytes as it is. The upload streams through
 * `@aws-sdk/lib-storage` in parts; a failed upload is aborted, leaving no object and no parts.
 * Refuses to replace an existing object unless `overwriteIfExists`. Output: `ToS3Output`.
 */
export abstract class ToS3 extends S3Task<ToS3Output> {
  static override requiredAttributes: readonly string[] = ['input', 'bucket', 'key'];

  /** What to upload: a DataFrame, row objects, `{ columns, rows }`, a string, a Buffer/Uint8Array or a readable stream. */
  abstract input: unknown;

  /** The bucket; `{keyword}` placeholders are filled. */
  abstract bucket: string;

  /** The object key; `{keyword}` placeholders are filled. */
  abstract key: string;

  /** Server-side encryption: `'AES256'`, `'aws:kms'`, `'aws:kms:dsse'`, or `'none'` for stores without it. @default 'AES256' */
  serverSideEncryption: ServerSideEncryptionSetting = 'AES256';

  /** The KMS key (id or ARN) for `'aws:kms'` / `'aws:kms:dsse'`. @default undefined (the AWS-managed key) */
  kmsKeyId?: string;

  /** The object's Content-Type. @default 'text/csv; charset=utf-8' for rows, 'text/plain; charset=utf-8' for a string, S3's default otherwise */
  contentType?: string;

  /** Bytes per part of the multipart upload, at least 5 MiB. Memory use is about `partSize × (queueSize + 2)`. @default 5 MiB */
  partSize = MIN_PART_SIZE;

  /** Parts uploaded at the same time. @default 4 */
  queueSize = 4;

  async run(): Promise<ToS3Output> {
    const bucket = textAttribute(this, 'bucket');
    const key = textAttribute(this, 'key');
    const uri = s3Uri(bucket, key);
    const encryption = this.encryptionParams();
    const contentType = optionalTextAttribute(this, 'contentType');
    this.checkPartOptions();

    const signal = this.signal;
    if (!this.overwriteIfExists && (await this.exists(bucket, key))) {
      if (this.input instanceof Readable) this.input.destroy();
      throw new TaskError(
        `${this.taskName}: ${uri} exists already (bucket \`${bucket}\`, key \`${key}\`). ` +
          'Set overwriteIfExists = true to replace it.',
        { taskName: this.taskName },
      );
    }

    const payload = await inputPayload(this);
    const counted = payload.body instanceof Readable ? countingStream(payload.body) : undefined;
    const body = counted?.stream ?? (payload.body as Buffer);
    const upload = new Upload({
      client: this.client,
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: contentType ?? payload.contentType,
        ...encryption,
      },
    });
    if (this.log.enabled) {
      upload.on('httpUploadProgress', (progress) => this.log('%s: part %s, %d bytes so far', uri, progress.part, progress.loaded));
    }

    // Stopped (deadline, signal): the input stops being read and the upload is aborted.
    const stop = (): void => {
      if (body instanceof Readable) body.destroy(signal.reason instanceof Error ? signal.reason : undefined);
      void upload.abort();
    };
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    let etag: string | undefined;
    try {
      const result = await upload.done();
      etag = result.ETag;
    } catch (error) {
      if (body instanceof Readable) body.destroy();
      const aborted = await this.abandon(upload, bucket, key);
      const reason = signal.aborted ? `stopped (${(signal.reason as Error)?.message ?? String(signal.reason)})` : `failed: ${describeAwsError(error)}`;
      throw new TaskError(`${this.taskName}: uploading to ${uri} ${reason}${aborted ? '; its multipart upload was aborted' : ''}`, {
        cause: error,
        taskName: this.taskName,
      });
    } finally {
      signal.removeEventListener('abort', stop);
    }

    const bytes = counted ? counted.bytes() : (payload.body as Buffer).length;
    const rows = payload.rows();
    this.recordMetrics(rows === undefined ? { bytes } : { bytes, rows });
    this.log('uploaded %d bytes to %s', bytes, uri);
    return { bucket, key, uri, bytes, ...(rows === undefined ? {} : { rows }), ...(etag === undefined ? {} : { etag }) };
  }

  /** The encryption parameters of the upload, checked. */
  private encryptionParams(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    const setting = this.serverSideEncryption;
    if (!ENCRYPTIONS.includes(setting)) {
      throw new TaskInterfaceError(
        `${this.taskName}.serverSideEncryption must be one of ${ENCRYPTIONS.map((e) => `'${e}'`).join(', ')}, got ${JSON.stringify(setting)}`,
        { taskName: this.taskName, attributes: { [this.taskName]: ['serverSideEncryption'] } },
      );
    }
    const kmsKeyId = optionalTextAttribute(this, 'kmsKeyId');
    if (kmsKeyId !== undefined && !setting.startsWith('aws:kms')) {
      throw new TaskInterfaceError(
        `${this.taskName}.kmsKeyId is set, but serverSideEncryption is '${setting}': set serverSideEncryption = 'aws:kms' to use a KMS key`,
        { taskName: this.taskName, attributes: { [this.taskName]: ['kmsKeyId'] } },
      );
    }
    if (setting === 'none') return {};
    return { ServerSideEncryption: setting, ...(kmsKeyId === undefined ? {} : { SSEKMSKeyId: kmsKeyId }) };
  }

  private checkPartOptions(): void {
    const wrong: string[] = [];
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      wrong.push(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes (5 MiB), got ${String(this.partSize)}`);
    }
    if (!Number.isInteger(this.queueSize) || this.queueSize < 1) {
      wrong.push(`queueSize must be a positive integer, got ${String(this.queueSize)}`);
    }
    if (wrong.length > 0) {
      throw new TaskInterfaceError(`${this.taskName}: ${wrong.join('; ')}`, { taskName: this.taskName });
    }
  }

  /**
   * After a failed upload: lets the parts in flight settle (a short while at most), then makes
   * sure S3 was told to abort the multipart upload, so no parts are left behind.
   */
  private async abandon(upload: Upload, bucket: string, key: string): Promise<boolean> {
    const state = upload as unknown as UploadState;
    await within(Promise.allSettled(state.concurrentUploaders ?? []), SETTLE_MS);
    let uploadId = state.uploadId;
    if (uploadId === undefined && state.createMultiPartPromise) {
      await within(state.createMultiPartPromise.then((created) => (uploadId = created.UploadId)), SETTLE_MS);
    }
    if (uploadId === undefined) return false;
    // lib-storage aborts a failed upload itself, unless it was stopped before it got there.
    if (!state.abortMultipartUploadCommand) return true;
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), {
        abortSignal: AbortSignal.timeout(10_000),
      });
      this.log('aborted the multipart upload %s to %s', uploadId, s3Uri(bucket, key));
      return true;
    } catch (error) {
      // NoSuchUpload: the uploader aborted it meanwhile.
      if (/NoSuchUpload/.test(String((error as Error)?.name))) return true;
      this.log('could not abort the multipart upload %s: %s', uploadId, describeAwsError(error));
      return false;
    }
  }

  /** A retry is safe when the input can be read again: an aborted upload leaves no object. */
  override canRetry(): boolean {
    return !isOneShot(this.input);
  }

  /** Whether the object exists (HeadObject). */
  private async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: this.signal });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new TaskError(
        `${this.taskName}: cannot tell whether ${s3Uri(bucket, key)} exists (${describeAwsError(error)}). ` +
          'Allow s3:GetObject and s3:ListBucket, or set overwriteIfExists = true to skip the check.',
        { cause: error, taskName: this.taskName },
      );
    }
  }

}

/** The original bigrays' name for `ToS3`. */
export { ToS3 as S3Upload };
