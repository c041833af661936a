/**
 * `ToS3` (alias `S3Upload`): uploads the task's `input` to S3, streaming through a multipart
 * upload, so a large input never sits whole in memory. The task holds its attributes and their
 * checks; the writing (refusal of an existing object, conditional commit, split into parts and
 * their cleanup) is `lib/stores/`'s, against the bucket as an `ObjectStore`.
 */
import type { ServerSideEncryption } from '@aws-sdk/client-s3';
import { formatOf } from '../data/formats/table';
import { isOneShot, type Compression, type DataFormat } from '../data/payload';
import { trackMetrics } from '../live-metrics';
import { ifExistsOf, ifExistsPlan, ifExistsProblems, type WriteIfExists } from '../stores/if-exists';
import type { ObjectHead } from '../stores/object-store';
import { ObjectWriter, UploadError, type WriteContext } from '../stores/object-writer';
import { S3Store } from '../stores/s3-store';
import { keyHasPart, SplitExport, type WrittenObject } from '../stores/split-export';
import { checkAttributes, inputPayload, optionalTextAttribute, shown, textAttribute, textProblems } from './attributes';
import { formatOptions, formatProblems } from './output-format';
import { bucketProblems, keyProblems, S3Task } from './s3-task';
import { inputToWrite } from './write-empty';
import type { TaskInput } from './task-input';

/** Server-side encryption for `ToS3.serverSideEncryption`; `'none'` sends no encryption header. */
export type ServerSideEncryptionSetting = 'AES256' | 'aws:kms' | 'aws:kms:dsse' | 'none';

const ENCRYPTIONS: readonly ServerSideEncryptionSetting[] = ['AES256', 'aws:kms', 'aws:kms:dsse', 'none'];

/** The smallest part S3 accepts (all parts but the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;

/** The largest part S3 accepts. */
const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;

/** One object `ToS3` wrote. */
export type ToS3Object = WrittenObject;

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
  /** `false` when nothing was written because there were no rows to write (`writeEmpty`): `objects` is empty, and `key`/`uri` name an object this run did not write. */
  written?: false;
}

/**
 * Uploads `input` to `s3://bucket/key`. A DataFrame, an array of row objects, `{ columns, rows }`
 * or a stream of row objects is written as CSV (header, no index; see the CSV writer); a string
 * as UTF-8; a Buffer/Uint8Array or a stream of bytes as it is. The upload streams through
 * `@aws-sdk/lib-storage` in parts; a failed upload is aborted, leaving no object and no parts.
 * An existing object is refused, left as it is (the task reports skipped) or replaced, as
 * `ifExists` says. Output: `ToS3Output`.
 */
export abstract class ToS3 extends S3Task<ToS3Output> {
  static override requiredAttributes: readonly string[] = ['input', 'bucket', 'key'];

  /** What to upload: a DataFrame, row objects, `{ columns, rows }`, a string, a Buffer/Uint8Array or a readable stream. */
  abstract input: TaskInput;

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

  /**
   * Write an object when there are no rows (a CSV of its header alone). With `false`, streamed rows
   * are read one row ahead (an SQLStream's by bigrays, not through COPY); no object is written
   * when there is none, and the output says `written: false`.
   * @default true, except for an incremental task's rows: false (no object)
   */
  writeEmpty?: boolean;
  /**
   * When the object is there already: `'fail'` refuses to replace it, `'skip'` leaves it as it is
   * (nothing is read or written; the task reports skipped, its output the object there),
   * `'overwrite'` replaces it. With `maxRowsPerObject`, part 0 speaks for the export: when it is
   * there, no part is written and the output lists the parts there (0, 1, … up to the first missing).
   * @default 'fail' ('overwrite' with `overwriteIfExists = true`)
   */
  ifExists?: WriteIfExists;

  override lateKeywords(attribute: string): readonly string[] {
    return attribute === 'key' && this.maxRowsPerObject !== undefined && this.maxRowsPerObject !== null ? ['part'] : [];
  }

  /**
   * Everything checked before the run (and again when it starts): format and compression,
   * encryption, part options, the split, the bucket name and the key's length once filled.
   */
  override attributeProblems(): string[] {
    const problems = [...formatProblems(this), ...bucketProblems(this), ...keyProblems(this, 'key', true), ...ifExistsProblems(this)];
    const max = this.maxRowsPerObject;
    if (max !== undefined && max !== null) {
      if (!Number.isInteger(max) || max < 1) {
        problems.push(`maxRowsPerObject must be a whole number ≥ 1, got ${shown(max)}`);
      } else if (typeof this.key === 'string' && !keyHasPart(this.key)) {
        problems.push(`key must hold {part} (as in 'exports/part-{part:05d}.csv') when maxRowsPerObject is set, got ${shown(this.key)}`);
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
    const writer = new ObjectWriter(this.store(bucket), this.writeContext());
    const maxRows = this.maxRowsPerObject;
    const split = maxRows !== undefined && maxRows !== null;
    // With 'skip', an export there is left before its input is read at all.
    if (this.skipping()) {
      const there = split ? await new SplitExport(writer, this.writeContext()).existing(key) : await writer.check(key);
      if (Array.isArray(there)) return this.skipped(bucket, there);
      if (there) return this.skipped(bucket, [this.existingObject(writer, key, there)], there.etag);
    }
    const toWrite = await inputToWrite(this.input, this.writeEmpty);
    if ('empty' in toWrite) {
      this.skip(toWrite.empty);
      this.recordMetrics({ bytes: 0, rows: 0 });
      return { bucket, key, uri: writer.store.uri(key), bytes: 0, rows: 0, objects: [], written: false };
    }
    if (split) return this.writeSplit(writer, bucket, key, options, maxRows, toWrite.input);
    if (!this.skipping()) await writer.check(key);
    const payload = await inputPayload(this, options, toWrite.input);
    trackMetrics(this, () => ({ rows: payload.rows(), bytes: writer.sent }));
    let written: { bytes: number; etag?: string };
    try {
      written = await writer.write(key, payload);
    } catch (error) {
      // Created by another writer since the look: left as it is, as if it had been there then.
      const meanwhile = this.createdMeanwhile(error) ? await writer.find(key) : undefined;
      if (meanwhile) return this.skipped(bucket, [this.existingObject(writer, key, meanwhile)], meanwhile.etag);
      throw error;
    }
    const { bytes, etag } = written;
    const uri = writer.store.uri(key);
    const rows = payload.rows();
    this.recordMetrics(rows === undefined ? { bytes } : { bytes, rows });
    this.log('uploaded %d bytes to %s', bytes, uri);
    const object: ToS3Object = { key, uri, bytes, ...(rows === undefined ? {} : { rows }) };
    return { bucket, key, uri, bytes, ...(rows === undefined ? {} : { rows }), ...(etag === undefined ? {} : { etag }), objects: [object] };
  }

  /** A split export (`maxRowsPerObject`) of `input`, after 'skip' found no part 0 there. */
  private async writeSplit(
    writer: ObjectWriter, bucket: string, key: string, options: { format: DataFormat; compression: Compression }, maxRows: number, input: unknown,
  ): Promise<ToS3Output> {
    const split = new SplitExport(writer, this.writeContext());
    trackMetrics(this, () => ({ rows: split.rows(), bytes: writer.sent }));
    let objects: WrittenObject[];
    try {
      objects = await split.write(input, key, { format: formatOf(options.format), compression: options.compression }, maxRows);
    } catch (error) {
      // Part 0 created by another writer since the look: the export is there after all.
      const meanwhile = this.createdMeanwhile(error) ? await split.existing(key) : undefined;
      if (meanwhile && (error as UploadError).key === meanwhile[0].key) return this.skipped(bucket, meanwhile);
      throw error;
    }
    const bytes = objects.reduce((sum, o) => sum + o.bytes, 0);
    const rows = objects.reduce((sum, o) => sum + (o.rows ?? 0), 0);
    this.recordMetrics({ bytes, rows });
    return { bucket, key: objects[0].key, uri: objects[0].uri, bytes, rows, objects };
  }

  /** Whether `ifExists` is 'skip'. */
  private skipping(): boolean {
    return ifExistsOf(this) === 'skip';
  }

  /** Whether `error` is the store refusing the conditional write, with 'skip': another writer's object is there. */
  private createdMeanwhile(error: unknown): boolean {
    return this.skipping() && error instanceof UploadError && error.createdMeanwhile;
  }

  /** An object found at `key`, as the output lists it. */
  private existingObject(writer: ObjectWriter, key: string, head: ObjectHead): ToS3Object {
    return { key, uri: writer.store.uri(key), bytes: head.size ?? 0 };
  }

  /** The output of an export left as it is: the objects there, as a write would have output them; the task reports skipped. */
  private skipped(bucket: string, objects: ToS3Object[], etag?: string): ToS3Output {
    const [first] = objects;
    this.skip(`${first.uri} exists`);
    this.log('%s exists: left as it is', first.uri);
    const bytes = objects.reduce((sum, o) => sum + o.bytes, 0);
    return { bucket, key: first.key, uri: first.uri, bytes, ...(etag === undefined ? {} : { etag }), objects };
  }

  /** What a dry run says `ifExists` will do. */
  override planAttributes(): Record<string, string> {
    const split = this.maxRowsPerObject !== undefined && this.maxRowsPerObject !== null;
    return { ifExists: ifExistsPlan(this, 'an existing object', split) };
  }

  /** The bucket as an object store, over the task's open client, with the task's part and encryption settings. */
  private store(bucket: string): S3Store {
    const setting = this.serverSideEncryption;
    const encryption = setting === 'none' ? {} : { serverSideEncryption: setting as ServerSideEncryption, kmsKeyId: optionalTextAttribute(this, 'kmsKeyId') };
    return new S3Store(this.client, bucket, this.log, { partSize: this.partSize, queueSize: this.queueSize, ...encryption });
  }

  /** What of the task its writes need. */
  private writeContext(): WriteContext {
    return {
      taskName: this.taskName,
      signal: this.signal,
      log: this.log,
      ifExists: ifExistsOf(this),
      contentType: optionalTextAttribute(this, 'contentType'),
      input: this.input,
    };
  }

  /** A retry is safe when the input can be read again: an aborted upload leaves no object. */
  override canRetry(): boolean {
    return !isOneShot(this.input);
  }
}

/** The original bigrays' name for `ToS3`. */
export { ToS3 as S3Upload };
