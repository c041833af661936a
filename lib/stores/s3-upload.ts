/**
 * One object written to S3 through `@aws-sdk/lib-storage`: a single PutObject for a small body,
 * a multipart upload in parts otherwise, aborted on failure so that no parts are left behind.
 */
import type { S3Client, ServerSideEncryption } from '@aws-sdk/client-s3';
import type { Upload } from '@aws-sdk/lib-storage';
import { s3Sdk, uploads } from '../lazy';
import type { Logger } from '../log';
import { describeAwsError } from '../resources/aws-errors';
import { within } from '../timing';
import type { ObjectUpload, PutRequest } from './object-store';

/** How long a failed upload waits for its parts in flight before it sends the abort anyway. */
const SETTLE_MS = 2000;

/** How S3 writes an object: part size and count in flight, and server-side encryption. */
export interface S3UploadSettings {
  /** Bytes per part of a multipart upload. @default 5 MiB, the smallest S3 takes */
  partSize?: number;
  /** Parts uploaded at the same time. @default 4 */
  queueSize?: number;
  /** Undefined: no encryption header. */
  serverSideEncryption?: ServerSideEncryption;
  kmsKeyId?: string;
}

/** What of lib-storage's `Upload` a failed upload needs to clean up after itself. */
interface UploadState {
  uploadId?: string;
  /** Set once the multipart upload exists; null again once lib-storage aborted (or completed) it. */
  abortMultipartUploadCommand?: unknown;
  createMultiPartPromise?: Promise<{ UploadId?: string }>;
  concurrentUploaders?: Array<Promise<unknown>>;
}

/** The commands that create the object, by name (a second copy of the SDK has classes of its own). */
const FINAL_WRITES = new Set(['PutObjectCommand', 'CompleteMultipartUploadCommand']);

/** Whether `command` creates the object: its failure may hide a success. */
function isFinalWrite(command: object): boolean {
  const sdk = s3Sdk();
  return command instanceof sdk.PutObjectCommand || command instanceof sdk.CompleteMultipartUploadCommand || FINAL_WRITES.has(command.constructor.name);
}

/** A client for one upload that notes whether the request creating the object was sent. */
interface WatchedClient {
  client: S3Client;
  finalWriteSent(): boolean;
}

/** Wraps `client` (the same client, its sockets and settings) to note when the object-creating request goes out. */
function watchFinalWrite(client: S3Client): WatchedClient {
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

/** Starts writing `request` to `s3://bucket/key`. */
export function s3Upload(client: S3Client, bucket: string, request: PutRequest, settings: S3UploadSettings, log: Logger): ObjectUpload {
  const watched = watchFinalWrite(client);
  const upload = new (uploads().Upload)({
    client: watched.client,
    partSize: settings.partSize ?? 5 * 1024 * 1024,
    queueSize: settings.queueSize ?? 4,
    leavePartsOnError: false,
    params: {
      Bucket: bucket,
      Key: request.key,
      Body: request.body,
      ...(request.contentType === undefined ? {} : { ContentType: request.contentType }),
      ...(request.contentEncoding === undefined ? {} : { ContentEncoding: request.contentEncoding }),
      ...(settings.serverSideEncryption === undefined
        ? {}
        : { ServerSideEncryption: settings.serverSideEncryption, ...(settings.kmsKeyId === undefined ? {} : { SSEKMSKeyId: settings.kmsKeyId }) }),
      Metadata: { ...request.metadata },
      // Sent on the single PutObject and on CompleteMultipartUpload (lib-storage passes its
      // params to both): the store refuses to replace an object that appeared since the check.
      ...(request.ifAbsent ? { IfNoneMatch: '*' } : {}),
    },
  });
  if (request.onProgress) {
    const told = request.onProgress;
    upload.on('httpUploadProgress', (progress) => told(progress.loaded ?? 0, progress.part));
  }
  return {
    done: async () => ({ etag: (await upload.done()).ETag }),
    abort: () => void upload.abort(),
    abandon: (stopped) => abandon(client, upload, bucket, request.key, stopped, log),
    commitSent: watched.finalWriteSent,
  };
}

/**
 * After a failed upload: lets the parts in flight settle (a short while at most, unless the
 * task was stopped), then makes sure S3 was told to abort the multipart upload, so no parts are left behind.
 */
async function abandon(client: S3Client, upload: Upload, bucket: string, key: string, stopped: boolean, log: Logger): Promise<boolean> {
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
    await client.send(new (s3Sdk().AbortMultipartUploadCommand)({ Bucket: bucket, Key: key, UploadId: uploadId }), {
      abortSignal: AbortSignal.timeout(10_000),
    });
    log('aborted the multipart upload %s to s3://%s/%s', uploadId, bucket, key);
    return true;
  } catch (error) {
    // NoSuchUpload: the uploader aborted it meanwhile.
    if (/NoSuchUpload/.test(String((error as Error)?.name))) return true;
    log('could not abort the multipart upload %s: %s', uploadId, describeAwsError(error));
    return false;
  }
}
