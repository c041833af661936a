/**
 * What writing objects needs from an object store (S3, or any store that can do the same):
 * streamed uploads that are committed whole or not at all, conditional on no object being there,
 * a look at a key, deletes and listing. `./s3-store.ts` is the S3 one; the export logic
 * (`./object-writer.ts`, `./split-export.ts`, `./commit.ts`) works against this interface only.
 */
import type { Readable } from 'node:stream';

/** What a look at a key found there. */
export interface ObjectHead {
  etag?: string;
  lastModified?: Date;
  /** The object's size in bytes, when the store says. */
  size?: number;
  /** The object's user metadata. */
  metadata: Readonly<Record<string, string>>;
}

/** One object to write. */
export interface PutRequest {
  key: string;
  /** The bytes: in memory, or a stream read once. */
  body: Buffer | Readable;
  contentType?: string;
  contentEncoding?: string;
  /** User metadata stored with the object. */
  metadata: Readonly<Record<string, string>>;
  /**
   * Refuse to replace an object that is there (S3's `If-None-Match: *`), checked by the store as
   * it commits the object, so an object that appeared since an earlier look is kept.
   */
  ifAbsent: boolean;
  /** Told the bytes sent so far (and the part being sent, when the store knows it). */
  onProgress?(loaded: number, part?: number): void;
}

/** A write under way: the object exists once `done()` resolves, and not at all if it fails. */
export interface ObjectUpload {
  /** The store's answer once the object is committed: its ETag when it gives one. */
  done(): Promise<{ etag?: string }>;
  /** Stops the write at once (a stopped task): `done()` then fails. */
  abort(): void;
  /**
   * After a failure: lets what is in flight settle (not when `stopped`) and makes sure nothing
   * of the write is left in the store (no open multipart upload). Whether a started upload was aborted.
   */
  abandon(stopped: boolean): Promise<boolean>;
  /** Whether the request that commits the object was sent: its failure may hide a success. */
  commitSent(): boolean;
}

/** A failure of the store that a message explains: its text, and the task attribute at fault, if one is. */
export class ObjectStoreError extends Error {
  constructor(message: string, options: { cause: unknown; attribute?: string }) {
    super(message, { cause: options.cause });
    this.name = 'ObjectStoreError';
    this.attribute = options.attribute;
  }

  readonly attribute: string | undefined;
}

/** How a failed existence check is explained: what could not be told, and how to do without the check. */
export interface CheckAdvice {
  /** As in `cannot tell whether s3://b/k exists`. */
  checked: string;
  /** As in `set overwriteIfExists = true to skip the check`. */
  skip: string;
}

export interface ObjectStore {
  /** An object's address as messages name it (`s3://bucket/key`); the store's alone without a key. */
  uri(key?: string): string;
  /** Where a key is, in the store's words (``bucket `b`, key `k` ``). */
  where(key: string): string;
  /** Starts writing one object. */
  upload(request: PutRequest): ObjectUpload;
  /**
   * The object at `key`, undefined when there is none. Stopped by `signal`, the store's own
   * error is thrown; any other failure is an ObjectStoreError saying why and what to do (see `CheckAdvice`).
   */
  find(key: string, signal: AbortSignal, advice: CheckAdvice): Promise<ObjectHead | undefined>;
  /** The object at `key` (undefined when there is none), looked at for `ms` at most; any other failure throws. */
  head(key: string, ms: number): Promise<ObjectHead | undefined>;
  /** Deletes the keys, all at once; whether every one went (what did not is logged). */
  delete(keys: readonly string[]): Promise<boolean>;
  /** The keys under `prefix` (every key without one), a page at a time, in the store's order. */
  list(prefix: string | undefined, signal: AbortSignal): AsyncIterable<string[]>;
  /** A store error as messages show it. */
  describeError(error: unknown): string;
  /** Whether `error` is the store refusing a conditional write: an object is there, or another such write is under way. */
  isConditionFailure(error: unknown): boolean;
  /** Whether a failed commit may have been done all the same (no answer, a server error, an answer to a retry). */
  mayHaveWritten(error: unknown): boolean;
}
