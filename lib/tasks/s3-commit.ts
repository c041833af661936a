/**
 * Settling an ambiguous write. The request that creates an object (a single PutObject, or
 * CompleteMultipartUpload) can fail in the client's eyes after the store did the work: a 5xx or
 * a dropped connection after the commit, then the SDK's retry answered NoSuchUpload (the upload
 * is complete) or 412 (the object exists). Each upload carries a token of its own in the
 * object's user metadata; after such a failure, a look at the object (HeadObject) tells whether
 * it is this upload's, another writer's, or not there.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { s3Sdk } from '../lazy';
import { describeAwsError, httpStatus, isNotFound } from './aws-errors';

/** The user metadata key (`x-amz-meta-bigrays-upload`) that holds an upload's token. */
export const UPLOAD_TOKEN_KEY = 'bigrays-upload';

/** The commands that create the object, by name (a second copy of the SDK has classes of its own). */
const FINAL_WRITES = new Set(['PutObjectCommand', 'CompleteMultipartUploadCommand']);

/** Whether `command` creates the object: its failure may hide a success. */
function isFinalWrite(command: object): boolean {
  const sdk = s3Sdk();
  return command instanceof sdk.PutObjectCommand || command instanceof sdk.CompleteMultipartUploadCommand || FINAL_WRITES.has(command.constructor.name);
}

/** How long the look at the object may take. */
const LOOK_MS = 10_000;

/** A token no other upload has. */
export function newUploadToken(): string {
  return randomBytes(16).toString('hex');
}

/** A client for one upload that notes whether the request creating the object was sent. */
export interface WatchedClient {
  client: S3Client;
  finalWriteSent(): boolean;
}

/** Wraps `client` (the same client, its sockets and settings) to note when the object-creating request goes out. */
export function watchFinalWrite(client: S3Client): WatchedClient {
  let sent = false;
  const send = (command: object, ...rest: unknown[]): unknown => {
    if (isFinalWrite(command)) sent = true;
    return (client.send as (...args: unknown[]) => unknown)(command, ...rest);
  };
  const watched = new Proxy(client, {
    get: (target, property) => (property === 'send' ? send : Reflect.get(target, property, target)),
  });
  return { client: watched, finalWriteSent: () => sent };
}

/**
 * Whether a failed object-creating request may have been done all the same: no answer (a
 * dropped connection, a timeout), a 5xx, or any answer to a retry (an earlier try may have
 * landed: the retry then hears NoSuchUpload or 412). A 4xx at the first try was a refusal.
 */
export function mayHaveWritten(error: unknown): boolean {
  const status = httpStatus(error);
  if (status === undefined || status >= 500) return true;
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
  return attempts > 1;
}

/** What a look at the key found. */
export type Found =
  | { kind: 'ours'; etag?: string }
  | { kind: 'absent' }
  | { kind: 'other'; etag?: string; lastModified?: Date }
  | { kind: 'unknown'; error: unknown };

/** Looks at `s3://bucket/key` (for `ms` at most): this upload's object (by `token`), another's, none, or unknown. */
export async function lookAtObject(client: S3Client, bucket: string, key: string, token: string, ms = LOOK_MS): Promise<Found> {
  try {
    const head = await client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: bucket, Key: key }), {
      abortSignal: AbortSignal.timeout(ms),
    });
    if (head.Metadata?.[UPLOAD_TOKEN_KEY] === token) return { kind: 'ours', ...(head.ETag ? { etag: head.ETag } : {}) };
    return { kind: 'other', ...(head.ETag ? { etag: head.ETag } : {}), ...(head.LastModified ? { lastModified: head.LastModified } : {}) };
  } catch (error) {
    if (isNotFound(error) && httpStatus(error) !== 403) return { kind: 'absent' };
    return { kind: 'unknown', error };
  }
}

/** What was found, for a failure message (not for `ours`). */
export function describeFound(found: Exclude<Found, { kind: 'ours' }>, uri: string): string {
  switch (found.kind) {
    case 'absent':
      return `no object is at ${uri} (looked after the failure)`;
    case 'other': {
      const details = [
        `last modified ${found.lastModified ? found.lastModified.toISOString() : 'unknown'}`,
        `ETag ${found.etag ?? 'unknown'}`,
      ];
      return `another writer's object is there (${details.join(', ')})`;
    }
    case 'unknown':
      return `whether ${uri} holds this upload's object is unknown: looking at it failed (${describeAwsError(found.error)}); look at it before running the task again`;
  }
}
