/**
 * Where jobs keep what they remember between runs: small JSON documents by key (a job's
 * state, a run lock's lease), read with a version and written only if that version is still
 * the one there, so that two writers cannot lose each other's update.
 */
import { BigraysError } from '../errors';

/** A document as read: its value (parsed JSON) and the version a conditional write names. */
export interface StoredDocument {
  readonly value: unknown;
  /**
   * Opaque: an ETag, a row version, a digest of the file. Never the version of another
   * content, even after the document was removed and made again: a writer whose version still
   * matches replaces exactly the document it read.
   */
  readonly version: string;
}

export interface StateStore {
  /** Where the documents live, for messages (never a secret). */
  readonly where: string;
  /** The document under `key`, undefined when there is none. */
  read(key: string): Promise<StoredDocument | undefined>;
  /**
   * Writes `value` (JSON) under `key`, atomically, only if the document there is still at
   * version `expected` (undefined: only if there is none); resolves to the new version.
   * Rejects with StateConflictError when another writer came first.
   */
  write(key: string, value: unknown, expected: string | undefined): Promise<string>;
  /** Removes the document under `key` if it is still at version `expected` (undefined: whatever is there); StateConflictError otherwise. */
  remove(key: string, expected?: string): Promise<void>;
  /** Lets go of connections and clients. */
  close(): Promise<void>;
}

/** A conditional write or removal found another version than the one it was given. */
export class StateConflictError extends BigraysError {
  /** The key whose document changed. */
  readonly key: string;

  constructor(message: string, key: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.key = key;
  }
}
