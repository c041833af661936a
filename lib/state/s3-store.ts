/**
 * A state store in S3: `s3://bucket/prefix/` keeps each document as the object
 * `<prefix><key>.json`, its version the object's ETag. A write names that ETag (`If-Match`), or
 * asks that no object be there yet (`If-None-Match: *`), so S3 itself refuses a write over
 * another's (412 Precondition Failed, or 409 when two conditional writes race); a removal
 * names the ETag too. An ETag changes whenever the content does (the same ETag, the same
 * bytes), so one read before a removal cannot pass for a new document's. Objects are
 * encrypted at rest as the library's uploads are (AES256). The client is built from the same
 * config as the S3 tasks' (keys, region, endpoint).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { envName, type ConfigValues } from '../config';
import { BigraysError, ConfigurationError } from '../errors';
import { s3Sdk } from '../lazy';
import { missingAwsConfigs } from '../resources/aws';
import { awsErrorCode, bucketNameProblem, BUCKET_NAME_RULES, describeAwsError, httpStatus, isNotFound } from '../resources/aws-errors';
import { S3Resource, s3Uri } from '../resources/s3';
import { StateConflictError, type StateStore, type StoredDocument } from './store';

/** `s3://bucket/prefix/` read into its bucket and prefix (ending in `/` unless empty). */
export function parseS3StateUrl(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]*)\/?(.*)$/i.exec(url);
  const bucket = match?.[1] ?? '';
  const problem = bucket === '' ? 'it names no bucket' : bucketNameProblem(bucket);
  if (problem !== undefined) {
    throw new ConfigurationError(
      `${envName('STATE_URL')} must be s3://bucket/prefix/ with a valid bucket name, got \`${url}\`: ${problem}. ${BUCKET_NAME_RULES}`,
      { missing: [envName('STATE_URL')] },
    );
  }
  const rest = match?.[2] ?? '';
  return { bucket, prefix: rest === '' || rest.endsWith('/') ? rest : `${rest}/` };
}

/** Whether S3 said there is no such object (a missing bucket is an error, not an empty state). */
function isAbsent(error: unknown): boolean {
  return isNotFound(error) && awsErrorCode(error) !== 'NoSuchBucket';
}

/** Whether S3 refused a conditional request because the object is not (or no longer) as named. */
function isPreconditionRefusal(error: unknown): boolean {
  const code = awsErrorCode(error);
  const status = httpStatus(error);
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || status === 412 || status === 409;
}

export class S3StateStore implements StateStore {
  readonly where: string;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    this.where = s3Uri(bucket, prefix);
  }

  /** Opens a client for `url` from `config`; a ConfigurationError for a bad URL or missing keys. */
  static async open(url: string, config: ConfigValues): Promise<S3StateStore> {
    const { bucket, prefix } = parseS3StateUrl(url);
    const missing = missingAwsConfigs(config);
    if (missing.length > 0) {
      const names = missing.map((key) => envName(key));
      throw new ConfigurationError(`the state store ${s3Uri(bucket, prefix)} (${envName('STATE_URL')}) needs ${names.join(' and ')}: set them, or point ${envName('STATE_URL')} at a folder`, { missing: names });
    }
    return new S3StateStore(await new S3Resource().open(config), bucket, prefix);
  }

  private objectKey(key: string): string {
    return `${this.prefix}${key}.json`;
  }

  private failure(what: string, key: string, error: unknown): BigraysError {
    return new BigraysError(`${what} ${s3Uri(this.bucket, this.objectKey(key))} failed: ${describeAwsError(error, this.bucket)}`, { cause: error });
  }

  async read(key: string): Promise<StoredDocument | undefined> {
    let text: string;
    let version: string;
    try {
      const answer = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.objectKey(key) }));
      text = (await answer.Body?.transformToString('utf8')) ?? '';
      version = answer.ETag ?? '';
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw this.failure('reading the state', key, error);
    }
    try {
      return { value: JSON.parse(text), version };
    } catch (error) {
      throw new BigraysError(`the state object ${s3Uri(this.bucket, this.objectKey(key))} is not JSON: ${(error as Error).message}; fix or remove it`, { cause: error });
    }
  }

  async write(key: string, value: unknown, expected: string | undefined): Promise<string> {
    const condition = expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: expected };
    try {
      const answer = await this.client.send(new (s3Sdk().PutObjectCommand)({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: `${JSON.stringify(value, null, 2)}\n`,
        ContentType: 'application/json',
        ServerSideEncryption: 'AES256',
        ...condition,
      }));
      return answer.ETag ?? '';
    } catch (error) {
      if (isPreconditionRefusal(error)) throw this.conflict(key, expected === undefined ? 'created' : 'changed', error);
      throw this.failure('writing the state', key, error);
    }
  }

  async remove(key: string, expected?: string): Promise<void> {
    try {
      await this.client.send(new (s3Sdk().DeleteObjectCommand)({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        ...(expected === undefined ? {} : { IfMatch: expected }),
      }));
    } catch (error) {
      if (isPreconditionRefusal(error)) throw this.conflict(key, 'changed', error);
      if (isAbsent(error)) return;
      throw this.failure('removing the state', key, error);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private conflict(key: string, how: string, cause: unknown): StateConflictError {
    return new StateConflictError(`${s3Uri(this.bucket, this.objectKey(key))} was ${how} by another writer meanwhile`, key, { cause });
  }
}
