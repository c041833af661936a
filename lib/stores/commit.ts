/**
 * Settling an ambiguous write. The request that commits an object (S3's single PutObject, or
 * CompleteMultipartUpload) can fail in the client's eyes after the store did the work: a 5xx or
 * a dropped connection after the commit, then a retry answered NoSuchUpload (the upload is
 * complete) or 412 (the object exists). Each upload carries a token of its own in the object's
 * user metadata; after such a failure, a look at the object tells whether it is this upload's,
 * another writer's, or not there.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectStore } from './object-store';

/** The user metadata key (`x-amz-meta-bigrays-upload` on S3) that holds an upload's token. */
export const UPLOAD_TOKEN_KEY = 'bigrays-upload';

/** How long the look at the object may take. */
const LOOK_MS = 10_000;

/** A token no other upload has. */
export function newUploadToken(): string {
  return randomBytes(16).toString('hex');
}

/** What a look at the key found. */
export type Found =
  | { kind: 'ours'; etag?: string }
  | { kind: 'absent' }
  | { kind: 'other'; etag?: string; lastModified?: Date }
  | { kind: 'unknown'; error: unknown };

/** Looks at `key` in `store` (for `ms` at most): this upload's object (by `token`), another's, none, or unknown. */
export async function lookAtObject(store: ObjectStore, key: string, token: string, ms = LOOK_MS): Promise<Found> {
  try {
    const head = await store.head(key, ms);
    if (head === undefined) return { kind: 'absent' };
    if (head.metadata[UPLOAD_TOKEN_KEY] === token) return { kind: 'ours', ...(head.etag ? { etag: head.etag } : {}) };
    return { kind: 'other', ...(head.etag ? { etag: head.etag } : {}), ...(head.lastModified ? { lastModified: head.lastModified } : {}) };
  } catch (error) {
    return { kind: 'unknown', error };
  }
}

/** What was found, for a failure message (not for `ours`). */
export function describeFound(store: ObjectStore, found: Exclude<Found, { kind: 'ours' }>, uri: string): string {
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
      return `whether ${uri} holds this upload's object is unknown: looking at it failed (${store.describeError(found.error)}); look at it before running the task again`;
  }
}
