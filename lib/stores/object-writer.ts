/**
 * Writing one object of a task's export to an object store: what the task's `ifExists` says of
 * an object that is there already (refused, left as it is, or replaced), a conditional write so
 * that one created meanwhile is kept, the upload stopped with its task, and after an ambiguous failure a look at the key
 * (`./commit.ts`) to tell this upload's object from another writer's.
 */
import { Readable } from 'node:stream';
import { contentHeaders, countingStream, type Payload } from '../data/payload';
import { TaskError } from '../errors';
import type { Logger } from '../log';
import { attributeMessage, taskMessage } from '../messages';
import { describeFound, lookAtObject, newUploadToken, UPLOAD_TOKEN_KEY, type Found } from './commit';
import type { WriteIfExists } from './if-exists';
import { ObjectStoreError, type ObjectHead, type ObjectStore } from './object-store';

/**
 * How long a stopped upload may look at its key: a stopped task has the run's short wind-down
 * to clean up, so the look is brief (past it, whether the object is there is unknown, and said so).
 */
const STOPPED_LOOK_MS = 1000;

/** What of its task a write needs. */
export interface WriteContext {
  readonly taskName: string;
  /** Aborted when the task is stopped (deadline, signal). */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** What to do with an object that is there already. */
  readonly ifExists: WriteIfExists;
  /** The task's Content-Type, over the payload's own. */
  readonly contentType?: string;
  /** The task's input: a stream is let go of when the write is refused. */
  readonly input: unknown;
}

/**
 * An upload's failure, with the key and what a look at it found (for a split export's cleanup);
 * `createdMeanwhile`: the store refused the conditional write, another writer's object is there.
 */
export class UploadError extends TaskError {
  constructor(
    message: string, options: { cause: unknown; taskName: string }, readonly key: string, readonly found: Found | undefined,
    readonly createdMeanwhile = false,
  ) {
    super(message, options);
  }
}

export class ObjectWriter {
  /** Bytes sent so far, of every object written, for the progress of a long export. */
  sent = 0;

  constructor(
    readonly store: ObjectStore,
    private readonly task: WriteContext,
  ) {}

  /**
   * Looks at `key` before writing it, as `ifExists` (the task's unless given) says: 'fail'
   * refuses an object there (a TaskError), 'skip' resolves to it (undefined when there is none),
   * 'overwrite' looks at nothing.
   */
  async check(key: string, ifExists: WriteIfExists = this.task.ifExists): Promise<ObjectHead | undefined> {
    if (ifExists === 'overwrite') return undefined;
    const found = await this.find(key);
    if (found === undefined || ifExists === 'skip') return found;
    if (this.task.input instanceof Readable) this.task.input.destroy();
    throw new TaskError(
      taskMessage(this.task, `${this.store.uri(key)} exists already (${this.store.where(key)}). Set overwriteIfExists = true to replace it.`),
      { taskName: this.task.taskName },
    );
  }

  /** The object at `key`, if any; a failed look is a TaskError saying why and what to do. */
  async find(key: string): Promise<ObjectHead | undefined> {
    const { taskName, signal } = this.task;
    const advice = { checked: `cannot tell whether ${this.store.uri(key)} exists`, skip: 'set overwriteIfExists = true to skip the check' };
    try {
      return await this.store.find(key, signal, advice);
    } catch (error) {
      if (!(error instanceof ObjectStoreError)) throw error;
      const message = error.attribute === undefined ? taskMessage(taskName, error.message) : attributeMessage(taskName, error.attribute, error.message);
      throw new TaskError(message, { cause: error.cause, taskName });
    }
  }

  /** Writes `payload` at `key`, streamed; nothing is left of it when it fails or the task is stopped. */
  async write(key: string, payload: Payload): Promise<{ bytes: number; etag?: string }> {
    const { signal, log } = this.task;
    const uri = this.store.uri(key);
    const headers = contentHeaders(payload, key);
    const counted = payload.body instanceof Readable ? countingStream(payload.body) : undefined;
    const body = counted?.stream ?? (payload.body as Buffer);
    const token = newUploadToken();
    const before = this.sent;
    const upload = this.store.upload({
      key,
      body,
      contentType: this.task.contentType ?? headers.ContentType,
      contentEncoding: headers.ContentEncoding,
      // Tells this upload's object from another writer's after an ambiguous failure.
      metadata: { [UPLOAD_TOKEN_KEY]: token },
      ifAbsent: this.task.ifExists !== 'overwrite',
      onProgress: (loaded, part) => {
        this.sent = before + loaded;
        if (log.enabled) log('%s: part %s, %d bytes so far', uri, part, loaded);
      },
    });
    // Stopped (deadline, signal): the input stops being read and the upload is aborted.
    const stop = (): void => {
      if (body instanceof Readable) body.destroy(signal.reason instanceof Error ? signal.reason : undefined);
      upload.abort();
    };
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    let etag: string | undefined;
    try {
      etag = (await upload.done()).etag;
    } catch (error) {
      if (body instanceof Readable) body.destroy();
      const aborted = await upload.abandon(signal.aborted);
      // The object-creating request failed in a way that may hide a success: look at the object.
      const found =
        upload.commitSent() && (signal.aborted || this.store.mayHaveWritten(error))
          ? await lookAtObject(this.store, key, token, signal.aborted ? STOPPED_LOOK_MS : undefined)
          : undefined;
      if (found?.kind !== 'ours' || signal.aborted) throw this.failure(key, error, aborted, found);
      log("completing the upload to %s was ambiguous (%s); the object there carries this upload's token: confirmed", uri, this.store.describeError(error));
      etag = found.etag;
    } finally {
      signal.removeEventListener('abort', stop);
    }
    const bytes = counted ? counted.bytes() : (payload.body as Buffer).length;
    this.sent = before + bytes;
    return etag === undefined ? { bytes } : { bytes, etag };
  }

  /** Why the upload failed, with what a look at the object found after an ambiguous failure. */
  private failure(key: string, error: unknown, aborted: boolean, found: Found | undefined): UploadError {
    const { taskName, signal, ifExists } = this.task;
    const uri = this.store.uri(key);
    const options = { cause: error, taskName };
    if (!signal.aborted && ifExists !== 'overwrite' && (found?.kind === 'other' || (found === undefined && this.store.isConditionFailure(error)))) {
      return new UploadError(this.createdMeanwhile(key, error, aborted, found && describeFound(this.store, found, uri)), options, key, found, true);
    }
    const reason = signal.aborted ? `stopped (${(signal.reason as Error)?.message ?? String(signal.reason)})` : `failed: ${this.store.describeError(error)}`;
    const seen = found === undefined ? '' : found.kind === 'ours' ? `; the store had written it all the same: ${uri} holds this upload's object` : `; ${this.seen(found, uri)}`;
    const message = taskMessage(taskName, `uploading to ${uri} ${reason}${seen}${aborted && found?.kind !== 'ours' ? '; its multipart upload was aborted' : ''}`);
    return new UploadError(message, options, key, found);
  }

  /** The store refused the conditional write, or another writer's object is there after a failure: another writer created it meanwhile. */
  private createdMeanwhile(key: string, cause: unknown, aborted: boolean, found?: string): string {
    return taskMessage(
      this.task,
      `${this.store.uri(key)} was created by another writer while this task uploaded it ` +
        `(${this.store.where(key)}; the store answered ${this.store.describeError(cause)})${found ? `: ${found}` : ''}, so it was left as that writer made it` +
        `${aborted ? '; this upload was aborted' : ''}. Set overwriteIfExists = true to replace it.`,
    );
  }

  /** What a look after a failure found other than this upload's object, for the message. */
  private seen(found: Exclude<Found, { kind: 'ours' }>, uri: string): string {
    if (found.kind !== 'other' || this.task.ifExists !== 'overwrite') return describeFound(this.store, found, uri);
    // 'overwrite': the object there is the one this upload was to replace.
    const was = describeFound(this.store, found, uri).replace(/^another writer's object is there/, 'the earlier object is still there');
    return `${was} and this upload's is not: running the task again is safe`;
  }
}
