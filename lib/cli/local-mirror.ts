/**
 * The mirror of `--local`'s emulator under `.bigrays/`: the emulator keeps objects in memory,
 * so `.bigrays/s3/<bucket>/<key>` mirrors them. Files there are loaded into the emulator before
 * the run (inputs for FromS3, ListS3Objects); after it, objects the run wrote are saved there,
 * those it deleted removed, and published messages appended to `.bigrays/sns/<topic>.jsonl`.
 * Nothing there is read or written through a symbolic link (`local-folder.ts`). An object a
 * conditional write created is saved only if no file appeared in its place meanwhile.
 */
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { LOCAL_DIR } from '../job/local-overlay';
import { uploads } from '../lazy';
import { display } from '../symlinks';
import type { LocalEmulator, Published } from './local-emulator';
import { appendFileIn, fileExistsIn, filesUnder, LocalFolderError, readStreamIn, removeFileIn, writeStreamIn } from './local-folder';

export const S3_DIR = join(LOCAL_DIR, 's3');
export const SNS_DIR = join(LOCAL_DIR, 'sns');
/** Bytes per part when a mirror file is loaded: well under the emulator's 11 MiB a request. */
const LOAD_PART_SIZE = 8 * 1024 * 1024;

/**
 * Where an object is mirrored: `.bigrays/s3/<bucket>/<key>`, each key segment a file-system
 * name. Segments that are no name (`''`, `.`, `..`) or hold `%` or a character file systems
 * refuse are %-encoded (UTF-8), so no key reaches outside the folder and `keyOf` reads every
 * name back.
 */
export function objectPath(bucket: string, key: string): string {
  const encode = (segment: string): string => {
    if (segment === '') return '%';
    if (segment === '.' || segment === '..') return segment.replace(/\./g, '%2E');
    // Only the characters a file name cannot hold, and `%` itself, are encoded: names stay readable.
    return segment.replace(/[%\\:*?"<>|\u0000-\u001f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
  };
  return join(S3_DIR, encode(bucket), ...key.split('/').map(encode));
}

/** The key a mirrored file stands for (the inverse of `objectPath`; a name you wrote by hand stays as it is). */
function keyOf(parts: string[]): string {
  return parts
    .map((part) => {
      if (part === '%') return '';
      if (!part.includes('%')) return part;
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    })
    .join('/');
}

/**
 * Uploads mirror file `file` to the emulator as `bucket/key`, streamed in parts (the emulator
 * takes at most 11 MiB a request; an object may be up to 5 GB); its ETag.
 */
async function loadObject(client: S3Client, bucket: string, key: string, file: string): Promise<string | undefined> {
  const body = readStreamIn(LOCAL_DIR, file);
  try {
    const upload = new (uploads().Upload)({ client, params: { Bucket: bucket, Key: key, Body: body }, partSize: LOAD_PART_SIZE, queueSize: 2 });
    return (await upload.done()).ETag;
  } finally {
    body.destroy();
  }
}

/** What went wrong, in a line: the error's own first line, and the HTTP status when there was one. */
function failureCause(error: unknown): string {
  const message = (error as Error)?.message?.split('\n')[0] ?? String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === undefined ? message : `${message} (HTTP ${status})`;
}

/** The file of the SNS topic `topic`'s messages. */
function topicFile(topic: string): string {
  return join(SNS_DIR, `${topic.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_')}.jsonl`);
}

/** What saving the run's outputs did: lines saying where each went, and what was not saved for safety. */
export interface Saved {
  lines: string[];
  /** Not saved: a link in the way, or a file another run saved first. */
  refused: string[];
}

/** One run's mirror: the objects it loaded into the emulator, and the saving of what the run left there. */
export class LocalMirror {
  /** Objects loaded before the run, by `bucket/key`. */
  private readonly preloaded = new Map<string, { bucket: string; key: string; etag?: string; file: string }>();

  /** How many objects were loaded. */
  get loaded(): number {
    return this.preloaded.size;
  }

  /** Loads what earlier local runs (or you) left under .bigrays/s3/<bucket>/<key> into the emulator. */
  async load(emulator: LocalEmulator): Promise<void> {
    for (const file of filesUnder(LOCAL_DIR, S3_DIR)) {
      const [bucketPart, ...keyParts] = relative(S3_DIR, file).split(sep);
      if (keyParts.length === 0) continue;
      const bucket = keyOf([bucketPart]);
      const key = keyOf(keyParts);
      try {
        await emulator.ensureBucket(bucket);
        this.preloaded.set(`${bucket}/${key}`, { bucket, key, etag: await loadObject(emulator.admin, bucket, key, file), file });
      } catch (error) {
        if (error instanceof LocalFolderError) throw error;
        throw new LocalFolderError(file, `could not load ${display(file)} into the emulator as s3://${bucket}/${key}: ${failureCause(error)}`);
      }
    }
  }

  /** Why a conditional write of `bucket/key` must fail though the emulator has no such object: another run saved its file since this one began. */
  readonly savedElsewhere = (bucket: string, key: string): string | undefined => {
    if (this.preloaded.has(`${bucket}/${key}`) || !fileExistsIn(LOCAL_DIR, objectPath(bucket, key))) return undefined;
    return `Another run saved ${display(objectPath(bucket, key))} since this one began`;
  };

  /** Saves what the run left in the emulator: the mirror follows it (new and changed objects written, deleted ones removed), and messages are appended. */
  async save(emulator: LocalEmulator): Promise<Saved> {
    const saved: Saved = { lines: [], refused: [] };
    const present = await this.saveObjects(emulator, saved);
    this.removeDeleted(present, saved);
    saveMessages(emulator.published, saved);
    return saved;
  }

  /** Writes each object new or changed since the load; the `bucket/key` of every object there is. */
  private async saveObjects(emulator: LocalEmulator, saved: Saved): Promise<Set<string>> {
    const present = new Set<string>();
    const { Buckets = [] } = await emulator.admin.send(new ListBucketsCommand({}));
    for (const { Name: bucket } of Buckets) {
      if (!bucket) continue;
      let token: string | undefined;
      do {
        const page = await emulator.admin.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const { Key: key, ETag: etag } of page.Contents ?? []) {
          if (key === undefined) continue;
          present.add(`${bucket}/${key}`);
          const before = this.preloaded.get(`${bucket}/${key}`);
          if (before && before.etag === etag) continue;
          // An object created by a conditional write replaces no file another run saved meanwhile.
          await saveObject(emulator.admin, bucket, key, emulator.createdOnly.has(`${bucket}/${key}`) && !before ? 'create' : 'replace', saved);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return present;
  }

  /** Removes the file of each loaded object the run deleted. */
  private removeDeleted(present: ReadonlySet<string>, saved: Saved): void {
    for (const [id, { bucket, key, file }] of this.preloaded) {
      if (present.has(id)) continue;
      try {
        removeFileIn(LOCAL_DIR, file);
        saved.lines.push(`s3://${bucket}/${key} was deleted → removed ${display(file)}`);
      } catch (error) {
        if (!(error instanceof LocalFolderError)) throw error;
        saved.refused.push(`s3://${bucket}/${key} was deleted, but ${display(file)} was not removed: ${error.message}`);
      }
    }
  }
}

/** Writes object `bucket/key` to its file (`create`: only if no file is there). */
async function saveObject(admin: S3Client, bucket: string, key: string, mode: 'create' | 'replace', saved: Saved): Promise<void> {
  const file = objectPath(bucket, key);
  try {
    const object = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (await writeStreamIn(LOCAL_DIR, file, object.Body as Readable, mode)) {
      saved.lines.push(`s3://${bucket}/${key} → ${display(file)}`);
    } else {
      saved.refused.push(`s3://${bucket}/${key} was not saved: another run saved ${display(file)} while this one ran, and it is left as that run wrote it`);
    }
  } catch (error) {
    if (error instanceof LocalFolderError) saved.refused.push(`s3://${bucket}/${key} was not saved: ${error.message}`);
    // e.g. keys `a` and `a/b`: a file and a folder of one name
    else saved.lines.push(`s3://${bucket}/${key} was uploaded, but not saved to ${display(file)}: ${(error as Error).message}`);
  }
}

/** Appends each published message to its topic's file; a line per file. */
function saveMessages(published: readonly Published[], saved: Saved): void {
  const perTopic = new Map<string, number>();
  for (const message of published) {
    const file = topicFile(message.topic);
    try {
      appendFileIn(LOCAL_DIR, file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`);
      perTopic.set(file, (perTopic.get(file) ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof LocalFolderError)) throw error;
      saved.refused.push(`a message to SNS topic ${message.topic} was not saved: ${error.message}`);
    }
  }
  for (const [file, count] of perTopic) saved.lines.push(`${count} SNS ${count === 1 ? 'message' : 'messages'} → ${display(file)}`);
}
