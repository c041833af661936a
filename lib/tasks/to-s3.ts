/**
 * `ToS3` (alias `S3Upload`): uploads the task's `input` to S3, streaming through a multipart
 * upload, so a large input never sits whole in memory.
 */
import type { S3Client, ServerSideEncryption } from '@aws-sdk/client-s3';
import type { Upload } from '@aws-sdk/lib-storage';
import { s3Sdk, uploads } from '../lazy';
import { Readable } from 'node:stream';
import { isTabular } from '../data/csv';
import { partPayloads } from '../data/parts';
import { countingStream, FORMAT_NAMES, isOneShot, type Compression, type DataFormat, type Payload, type PayloadOptions } from '../data/payload';
import { isSqlRows } from '../data/sql-rows';
import { TaskError, TaskInterfaceError } from '../errors';
import { formatTemplate, templateKeywords } from '../format';
import { checkAttributes, inputPayload, optionalTextAttribute, shown, textAttribute, textProblems } from './attributes';
import { contentHeaders, formatOptions, formatProblems } from './output-format';
import { awsErrorCode, checkFailure, describeAwsError, httpStatus, invalidBucketName, isNotFound } from './aws-errors';
import { bucketProblems, keyProblems, S3Task, s3Uri } from './s3-task';
import { describeFound, lookAtObject, mayHaveWritten, newUploadToken, UPLOAD_TOKEN_KEY, watchFinalWrite, type Found } from './s3-commit';
import { within } from '../timing';
import { trackMetrics } from '../live-metrics';

/** Server-side encryption for `ToS3.serverSideEncryption`; `'none'` sends no encryption header. */
export type ServerSideEncryptionSetting = 'AES256' | 'aws:kms' | 'aws:kms:dsse' | 'none';

const ENCRYPTIONS: readonly ServerSideEncryptionSetting[] = ['AES256', 'aws:kms', 'aws:kms:dsse', 'none'];

/** The smallest part S3 accepts (all parts but the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;

/** The largest part S3 accepts. */
const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;

/** How long a failed upload waits for its parts in flight before it sends the abort anyway. */
const SETTLE_MS = 2000;

/**
 * How long a stopped upload may look at its key: a stopped task has the run's short wind-down
 * to clean up, so the look is brief (past it, whether the object is there is unknown, and said so).
 */
const STOPPED_LOOK_MS = 1000;

/** The most keys one DeleteObjects request takes. */
const DELETE_BATCH = 1000;

/** An upload's failure, with the key and what a look at it found (for a split export's cleanup). */
class UploadError extends TaskError {
  constructor(message: string, options: { cause: unknown; taskName: string }, readonly key: string, readonly found: Found | undefined) {
    super(message, options);
  }
}

/** What of lib-storage's `Upload` a failed upload needs to clean up after itself. */
interface UploadState {
  uploadId?: string;
  /** Set once the multipart upload exists; null again once lib-storage aborted (or completed) it. */
  abortMultipartUploadCommand?: unknown;
  createMultiPartPromise?: Promise<{ UploadId?: string }>;
  concurrentUploaders?: Array<Promise<unknown>>;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

/**
 * Whether the store refused a conditional write (`If-None-Match: *`): 412 PreconditionFailed,
 * the object exists; 409 ConditionalRequestConflict, another conditional write of it is under way.
 */
function isConditionFailure(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || httpStatus(error) === 412;
}

/** Whether a key template uses `{part}`. */
function keyHasPart(key: string): boolean {
  try {
    return templateKeywords(key).includes('part');
  } catch {
    return false; // a malformed key is reported by the keyword check
  }
}

/** One object `ToS3` wrote. */
export interface ToS3Object {
  key: string;
  /** `s3://bucket/key` */
  uri: string;
  bytes: number;
  /** Rows in the object, when the input was tabular. */
  rows?: number;
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
  /** The object's ETag, as S3 returned it (one object only). */
  etag?: string;
  /** Every object written, in order: one, or one per part with `maxRowsPerObject` (then `key`, `uri` are the first's, `bytes` and `rows` the totals). */
  objects: ToS3Object[];
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

  /** Bytes per part of the multipart upload, from 5 MiB to 5 GiB. Memory use is about `partSize × (queueSize + 2)`. @default 5 MiB */
  partSize = MIN_PART_SIZE;

  /** Parts uploaded at the same time. @default 4 */
  queueSize = 4;

  /** How tabular input is written: `'csv'` (header, no index), `'jsonl'` (one JSON object per row) or `'parquet'`. @default 'csv' */
  format: DataFormat = 'csv';

  /** `'gzip'` compresses the object. @default 'gzip' when the key ends in `.gz`, else 'none' */
  compression?: Compression;

  /**
   * Splits rows (an SQLStream's too) into objects of at most this many rows, each complete on its
   * own (a CSV part has its header, a Parquet part is a whole file), written one after the other;
   * if one fails, those written are deleted. The key must then hold `{part}` (0, 1, …; format
   * specs allowed: `part-{part:05d}.csv`). @default undefined (one object)
   */
  maxRowsPerObject?: number;

  override lateKeywords(attribute: string): readonly string[] {
    return attribute === 'key' && this.maxRowsPerObject !== undefined && this.maxRowsPerObject !== null ? ['part'] : [];
  }

  /**
   * Everything checked before the run (and again when it starts): format and compression,
   * encryption, part options, the split, the bucket name and the key's length once filled.
   */
  override attributeProblems(): string[] {
    const problems = [...formatProblems(this), ...bucketProblems(this), ...keyProblems(this, 'key', true)];
    const max = this.maxRowsPerObject;
    if (max !== undefined && max !== null) {
      if (!Number.isInteger(max) || max < 1) {
        problems.push(`maxRowsPerObject must be a whole number ≥ 1, got ${shown(max)}`);
      } else if (typeof this.key === 'string' && !keyHasPart(this.key)) {
        problems.push(`key must hold {part} (as in 'exports/part-{part:05d}.csv') when maxRowsPerObject is set, got ${JSON.stringify(this.key)}`);
      }
    }
    const setting = this.serverSideEncryption;
    if (!ENCRYPTIONS.includes(setting)) {
      problems.push(`serverSideEncryption must be one of ${ENCRYPTIONS.map((e) => `'${e}'`).join(', ')}, got ${shown(setting)}`);
    }
    const kmsKey = textProblems(this, 'kmsKeyId', false);
    problems.push(...kmsKey);
    if (kmsKey.length === 0 && this.kmsKeyId && ENCRYPTIONS.includes(setting) && !setting.startsWith('aws:kms')) {
      problems.push(`kmsKeyId is set, but serverSideEncryption is '${setting}': set serverSideEncryption = 'aws:kms' to use a KMS key`);
    }
    problems.push(...textProblems(this, 'contentType', false));
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE || this.partSize > MAX_PART_SIZE) {
      problems.push(`partSize must be a whole number of bytes from 5 MiB (${MIN_PART_SIZE}) to 5 GiB (${MAX_PART_SIZE}), S3's limits for a part, got ${shown(this.partSize)}`);
    }
    if (!Number.isInteger(this.queueSize) || this.queueSize < 1) {
      problems.push(`queueSize must be a whole number ≥ 1, got ${shown(this.queueSize)}`);
    }
    return problems;
  }

  async run(): Promise<ToS3Output> {
    const bucket = textAttribute(this, 'bucket');
    const key = textAttribute(this, 'key');
    checkAttributes(this);
    const options = formatOptions(this, key);
    this.#sent = 0; // a retry starts over
    if (this.maxRowsPerObject !== undefined && this.maxRowsPerObject !== null) return this.runSplit(bucket, key, options, this.maxRowsPerObject);

    await this.refuseExisting(bucket, key);
    const payload = await inputPayload(this, options);
    trackMetrics(this, () => ({ rows: payload.rows(), bytes: this.#sent }));
    const { bytes, etag } = await this.uploadObject(bucket, key, payload);
    const uri = s3Uri(bucket, key);
    const rows = payload.rows();
    this.recordMetrics(rows === undefined ? { bytes } : { bytes, rows });
    this.log('uploaded %d bytes to %s', bytes, uri);
    const object: ToS3Object = { key, uri, bytes, ...(rows === undefined ? {} : { rows }) };
    return { bucket, key, uri, bytes, ...(rows === undefined ? {} : { rows }), ...(etag === undefined ? {} : { etag }), objects: [object] };
  }

  /**
   * `maxRowsPerObject`: one object per part, written in turn. If any part fails, the parts
   * already written are deleted, so a failed export leaves nothing behind.
   */
  private async runSplit(bucket: string, template: string, options: Required<PayloadOptions>, maxRows: number): Promise<ToS3Output> {
    const input: unknown = this.input;
    if (!isTabular(input) && !isSqlRows(input) && !(isAsyncIterable(input) && !(input instanceof Readable && !input.readableObjectMode))) {
      if (input instanceof Readable) input.destroy();
      throw new TaskInterfaceError(
        `${this.taskName}.input: maxRowsPerObject splits rows (a DataFrame, row objects, { columns, rows }, an SQLStream's rows or a stream of row objects); ` +
          'unset maxRowsPerObject to upload other input as one object',
        { taskName: this.taskName, attributes: { [this.taskName]: ['input', 'maxRowsPerObject'] } },
      );
    }
    const objects: ToS3Object[] = [];
    let rowsWritten = 0;
    let current: Payload | undefined;
    trackMetrics(this, () => ({ rows: rowsWritten + (current?.rows() ?? 0), bytes: this.#sent }));
    // Stopped (deadline, signal): the parts written go first, while the run still waits for the task.
    let early: { count: number; deleted: Promise<boolean> } | undefined;
    const client = this.client; // the listener runs outside the task's run, where the handle is not found
    const stop = (): void => {
      early = { count: objects.length, deleted: this.deleteObjects(client, bucket, objects.slice()) };
    };
    this.signal.addEventListener('abort', stop, { once: true });
    const parts = partPayloads(input, options, maxRows);
    try {
      for (let next = await parts.next(); !next.done; next = await parts.next()) {
        const part = next.value;
        const key = this.partKey(template, objects.length);
        await this.refuseExisting(bucket, key);
        current = await part.payload();
        const { bytes } = await this.uploadObject(bucket, key, current);
        const rows = current.rows() ?? 0;
        objects.push({ key, uri: s3Uri(bucket, key), bytes, rows });
        rowsWritten += rows;
        current = undefined;
        this.log('uploaded part %d, %d bytes, to %s', objects.length - 1, bytes, s3Uri(bucket, key));
      }
      // Stopped as the last part completed: its parts are being deleted, so the export failed.
      if (early) throw new TaskError(`${this.taskName}: stopped as its last part was written`, { cause: this.signal.reason, taskName: this.taskName });
    } catch (error) {
      // The source is closed; a stopped task does not wait for a stalled one to close (the run would wait for it).
      const closing = parts.return(undefined).catch(() => undefined);
      if (!this.signal.aborted) await closing;
      throw await this.splitFailure(error, bucket, template, options.format, objects, early);
    } finally {
      this.signal.removeEventListener('abort', stop);
    }
    const bytes = objects.reduce((sum, o) => sum + o.bytes, 0);
    this.recordMetrics({ bytes, rows: rowsWritten });
    return { bucket, key: objects[0].key, uri: objects[0].uri, bytes, rows: rowsWritten, objects };
  }

  /**
   * The error of a split export that failed writing the part after `written`, once the parts
   * already written are deleted: it names that part's object, the format and what was deleted.
   */
  private async splitFailure(
    error: unknown,
    bucket: string,
    template: string,
    format: DataFormat,
    written: readonly ToS3Object[],
    early?: { count: number; deleted: Promise<boolean> },
  ): Promise<Error> {
    const count = written.length;
    // The failed part itself, when its upload was stopped after the store wrote it.
    const failed = error instanceof UploadError ? error : undefined;
    const left = failed?.found?.kind === 'ours' ? [{ key: failed.key, uri: s3Uri(bucket, failed.key), bytes: 0 }] : [];
    const rest = [...written.slice(early?.count ?? 0), ...left];
    const [before, after] = await Promise.all([early?.deleted ?? true, this.deleteObjects(this.client, bucket, rest)]);
    const gone = [...written, ...left];
    const cleanup =
      gone.length === 0
        ? ''
        : before && after
          ? `; the ${gone.length} object(s) already written${left.length > 0 ? `, this part's included,` : ''} were deleted`
          : `; ${gone.length} object(s) already written could not all be deleted: ${gone.map((o) => o.uri).join(', ')}`;
    let uri: string;
    try {
      uri = s3Uri(bucket, formatTemplate(template, { part: count }));
    } catch {
      uri = s3Uri(bucket, template);
    }
    const unknown = failed?.found?.kind === 'unknown' ? `; ${uri} may hold this part all the same: look at it and delete it` : '';
    const part = `part ${count} of a ${FORMAT_NAMES[format]} export split by maxRowsPerObject`;
    if (error instanceof TaskError || error instanceof TaskInterfaceError) {
      error.message = `${error.message.replace(/\.$/, '')}. It was ${part}${error.message.includes(uri) ? '' : ` (${uri})`}${cleanup}${unknown}`;
      return error;
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new TaskError(`${this.taskName}: writing ${part} (${uri}) failed: ${reason}${cleanup}`, { cause: error, taskName: this.taskName });
  }

  /** The key of part `index`: `{part}` filled in the key (whose other keywords are filled already). */
  private partKey(template: string, index: number): string {
    try {
      return formatTemplate(template, { part: index });
    } catch (error) {
      throw new TaskInterfaceError(`${this.taskName}.key: ${(error as Error).message} in ${JSON.stringify(template)}`, {
        cause: error,
        taskName: this.taskName,
        attributes: { [this.taskName]: ['key'] },
      });
    }
  }

  /**
   * Deletes what a failed split export wrote, a DeleteObjects request per 1000 keys, all at once
   * (a stopped run gives the task a short while); whether all went.
   */
  private async deleteObjects(client: S3Client, bucket: string, objects: ReadonlyArray<Pick<ToS3Object, 'key' | 'uri'>>): Promise<boolean> {
    const batches: Array<Array<Pick<ToS3Object, 'key' | 'uri'>>> = [];
    for (let i = 0; i < objects.length; i += DELETE_BATCH) batches.push(objects.slice(i, i + DELETE_BATCH));
    const results = await Promise.all(batches.map((batch) => this.deleteBatch(client, bucket, batch)));
    return results.every(Boolean);
  }

  /** One DeleteObjects request; whether every key went. */
  private async deleteBatch(client: S3Client, bucket: string, objects: ReadonlyArray<Pick<ToS3Object, 'key' | 'uri'>>): Promise<boolean> {
    if (objects.length === 0) return true;
    try {
      const answer = await client.send(
        new (s3Sdk().DeleteObjectsCommand)({ Bucket: bucket, Delete: { Objects: objects.map((o) => ({ Key: o.key })), Quiet: true } }),
        { abortSignal: AbortSignal.timeout(10_000) },
      );
      for (const failed of answer.Errors ?? []) this.log('could not delete %s: %s: %s', s3Uri(bucket, failed.Key ?? ''), failed.Code, failed.Message);
      return (answer.Errors ?? []).length === 0;
    } catch (error) {
      this.log('could not delete %s: %s', objects.map((o) => o.uri).join(', '), describeAwsError(error));
      return false;
    }
  }

  /** Without `overwriteIfExists`, fails if the object exists. */
  private async refuseExisting(bucket: string, key: string): Promise<void> {
    if (this.overwriteIfExists || !(await this.exists(bucket, key))) return;
    if (this.input instanceof Readable) this.input.destroy();
    throw new TaskError(
      `${this.taskName}: ${s3Uri(bucket, key)} exists already (bucket \`${bucket}\`, key \`${key}\`). ` +
        'Set overwriteIfExists = true to replace it.',
      { taskName: this.taskName },
    );
  }

  /** The store refused the conditional write, or another writer's object is there after a failure: another writer created it meanwhile. */
  private createdMeanwhile(bucket: string, key: string, cause: unknown, aborted: boolean, found?: string): TaskError {
    return new TaskError(
      `${this.taskName}: ${s3Uri(bucket, key)} was created by another writer while this task uploaded it ` +
        `(bucket \`${bucket}\`, key \`${key}\`; the store answered ${describeAwsError(cause)})${found ? `: ${found}` : ''}, so it was left as that writer made it` +
        `${aborted ? '; this upload was aborted' : ''}. Set overwriteIfExists = true to replace it.`,
      { cause, taskName: this.taskName },
    );
  }

  /** Bytes sent so far (of every object of a split export), for the progress of a long upload. */
  #sent = 0;

  /** Uploads one object through a multipart upload, aborted on failure or when the task is stopped. */
  private async uploadObject(bucket: string, key: string, payload: Payload): Promise<{ bytes: number; etag?: string }> {
    const uri = s3Uri(bucket, key);
    const contentType = optionalTextAttribute(this, 'contentType');
    const headers = contentHeaders(payload, key);
    const signal = this.signal;
    const counted = payload.body instanceof Readable ? countingStream(payload.body) : undefined;
    const body = counted?.stream ?? (payload.body as Buffer);
    const token = newUploadToken();
    const watched = watchFinalWrite(this.client);
    const upload = new (uploads().Upload)({
      client: watched.client,
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: bucket,
        Key: key,
        Body: body,
        ...headers,
        ...(contentType === undefined ? {} : { ContentType: contentType }),
        ...this.encryptionParams(),
        // Tells this upload's object from another writer's after an ambiguous failure.
        Metadata: { [UPLOAD_TOKEN_KEY]: token },
        // Sent on the single PutObject and on CompleteMultipartUpload (lib-storage passes its
        // params to both): the store refuses to replace an object that appeared since the check.
        ...(this.overwriteIfExists ? {} : { IfNoneMatch: '*' }),
      },
    });
    const before = this.#sent;
    upload.on('httpUploadProgress', (progress) => {
      this.#sent = before + (progress.loaded ?? 0);
      if (this.log.enabled) this.log('%s: part %s, %d bytes so far', uri, progress.part, progress.loaded);
    });

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
      const aborted = await this.abandon(upload, bucket, key, signal.aborted);
      // The object-creating request failed in a way that may hide a success: look at the object.
      const found =
        watched.finalWriteSent() && (signal.aborted || mayHaveWritten(error))
          ? await lookAtObject(this.client, bucket, key, token, signal.aborted ? STOPPED_LOOK_MS : undefined)
          : undefined;
      if (found?.kind === 'ours' && !signal.aborted) {
        this.log('completing the upload to %s was ambiguous (%s); the object there carries this upload\'s token: confirmed', uri, describeAwsError(error));
        etag = found.etag;
      } else {
        throw this.uploadFailure(bucket, key, error, aborted, found);
      }
    } finally {
      signal.removeEventListener('abort', stop);
    }
    const bytes = counted ? counted.bytes() : (payload.body as Buffer).length;
    this.#sent = before + bytes;
    return etag === undefined ? { bytes } : { bytes, etag };
  }

  /** Why the upload failed, with what a look at the object found after an ambiguous failure. */
  private uploadFailure(bucket: string, key: string, error: unknown, aborted: boolean, found: Found | undefined): TaskError {
    const uri = s3Uri(bucket, key);
    const stopped = this.signal.aborted;
    const options = { cause: error, taskName: this.taskName };
    if (!stopped && !this.overwriteIfExists && (found?.kind === 'other' || (found === undefined && isConditionFailure(error)))) {
      return new UploadError(this.createdMeanwhile(bucket, key, error, aborted, found && describeFound(found, uri)).message, options, key, found);
    }
    const reason = stopped ? `stopped (${(this.signal.reason as Error)?.message ?? String(this.signal.reason)})` : `failed: ${describeAwsError(error)}`;
    const seen = found === undefined ? '' : found.kind === 'ours' ? `; the store had written it all the same: ${uri} holds this upload's object` : `; ${this.seen(found, uri)}`;
    const message = `${this.taskName}: uploading to ${uri} ${reason}${seen}${aborted && found?.kind !== 'ours' ? '; its multipart upload was aborted' : ''}`;
    return new UploadError(message, options, key, found);
  }

  /** What a look after a failure found other than this upload's object, for the message. */
  private seen(found: Exclude<Found, { kind: 'ours' }>, uri: string): string {
    if (found.kind !== 'other' || !this.overwriteIfExists) return describeFound(found, uri);
    // overwriteIfExists: the object there is the one this upload was to replace.
    const was = describeFound(found, uri).replace(/^another writer's object is there/, 'the earlier object is still there');
    return `${was} and this upload's is not: running the task again is safe`;
  }

  /** The encryption parameters of the upload (checked by `attributeProblems`). */
  private encryptionParams(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    const setting = this.serverSideEncryption;
    if (setting === 'none') return {};
    const kmsKeyId = optionalTextAttribute(this, 'kmsKeyId');
    return { ServerSideEncryption: setting, ...(kmsKeyId === undefined ? {} : { SSEKMSKeyId: kmsKeyId }) };
  }

  /**
   * After a failed upload: lets the parts in flight settle (a short while at most, unless the
   * task was stopped), then makes sure S3 was told to abort the multipart upload, so no parts are left behind.
   */
  private async abandon(upload: Upload, bucket: string, key: string, stopped: boolean): Promise<boolean> {
    const state = upload as unknown as UploadState;
    // Stopped, the parts in flight are not waited for: the run gives the task a short while only.
    if (!stopped) await within(Promise.allSettled(state.concurrentUploaders ?? []), SETTLE_MS);
    let uploadId = state.uploadId;
    if (uploadId === undefined && state.createMultiPartPromise) {
      await within(state.createMultiPartPromise.then((created) => (uploadId = created.UploadId)), SETTLE_MS);
    }
    if (uploadId === undefined) return false;
    // lib-storage aborts a failed upload itself, unless it was stopped before it got there.
    if (!state.abortMultipartUploadCommand) return true;
    try {
      await this.client.send(new (s3Sdk().AbortMultipartUploadCommand)({ Bucket: bucket, Key: key, UploadId: uploadId }), {
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
      await this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: bucket, Key: key }), { abortSignal: this.signal });
      return true;
    } catch (error) {
      // Stopped by the task's own signal: the run reports why; no advice about the check.
      if (this.signal.aborted) throw error;
      if (isNotFound(error)) return false;
      const badName = invalidBucketName(error, bucket);
      if (badName) throw new TaskError(`${this.taskName}.bucket: ${badName}`, { cause: error, taskName: this.taskName });
      const checked = `${this.taskName}: cannot tell whether ${s3Uri(bucket, key)} exists`;
      throw new TaskError(checkFailure(checked, error, 'Allow s3:GetObject and s3:ListBucket', 'set overwriteIfExists = true to skip the check'), {
        cause: error,
        taskName: this.taskName,
      });
    }
  }

}

/** The original bigrays' name for `ToS3`. */
export { ToS3 as S3Upload };
