/**
 * `--local`: run a job fully offline. The command starts the fauxqs S3/SNS emulator in its
 * own process and hands the job its endpoint, local keys and (unless BIGRAYS_DB_DSN is set)
 * a SQLite database under `.bigrays/` through the env; the job's side keeps every task on
 * them (`lib/job/local-overlay.ts`). Nothing is sent to AWS.
 *
 * Buckets and topics are created on first use, by a hook in the emulator's HTTP server. The
 * emulator keeps objects in memory, so `.bigrays/s3/<bucket>/<key>` mirrors them: files
 * there are loaded into the emulator before the run (inputs for FromS3, ListS3Objects), and
 * objects the run uploads are written there after it. Published messages are appended to
 * `.bigrays/sns/<topic>.jsonl`. Nothing there is read or written through a symbolic link
 * (`local-folder.ts`).
 *
 * Conditional writes (`If-None-Match: *`, as ToS3 sends them) are honoured as S3 honours
 * them: refused while another conditional write of the key is under way (409), or when the
 * object exists, in the emulator or as a file another run saved since this one began (412).
 * An object so created is saved only if no file appeared in its place meanwhile.
 */
import {
  CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client,
} from '@aws-sdk/client-s3';
import { basename, extname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { envName } from '../config';
import { LOCAL_DIR } from '../job/local-overlay';
import { loadFauxqs, uploads } from '../lazy';
import { logger } from '../log';
import { maskDsnValue } from '../secrets';
import { display } from '../symlinks';
import {
  appendFileIn, checkFilesIn, fileExistsIn, filesUnder, LocalFolderError, makeFolder, readStreamIn, removeFileIn, writeStreamIn,
} from './local-folder';

export { LOCAL_DIR };
const S3_DIR = join(LOCAL_DIR, 's3');
const SNS_DIR = join(LOCAL_DIR, 'sns');
const REGION = 'us-east-1';
/** Bytes per part when a mirror file is loaded: well under the emulator's 11 MiB a request. */
const LOAD_PART_SIZE = 8 * 1024 * 1024;
/** The emulator's keys: nothing a real key could be, and nothing a message holds by chance. */
const CREDENTIALS = { accessKeyId: 'bigrays-local-key', secretAccessKey: 'bigrays-local-secret' };
/** Marks the requests the hook makes itself. */
const OWN_REQUEST = 'x-bigrays-local';

const log = logger('local');

export interface LocalSession {
  /** What the job's env gets: the emulator's endpoint and keys, and the database. */
  env: Record<string, string>;
  /** What goes where, before the run. */
  notes(): string[];
  /** Saves what the run produced; lines saying where it went. */
  finish(): Promise<string[]>;
  stop(): Promise<void>;
}

interface Published {
  topic: string;
  subject?: string;
  message: string;
}

/** The parts of a fastify request the hook reads. */
interface HookRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

/** The parts of a fastify reply the hook uses to answer a request itself. */
interface HookReply {
  code(status: number): HookReply;
  header(name: string, value: string): HookReply;
  send(body: string): HookReply;
}

interface InjectResult {
  statusCode: number;
  body: string;
}

/** The object a request writes (PutObject, CopyObject, CompleteMultipartUpload), if it writes one. */
function writtenObject(method: string, url: string): { bucket: string; key: string } | undefined {
  const [path, query = ''] = url.split('?');
  const params = new URLSearchParams(query);
  const write = (method === 'PUT' && !params.has('partNumber')) || (method === 'POST' && params.has('uploadId'));
  const slash = path.indexOf('/', 1);
  if (!write || slash < 0 || slash === path.length - 1) return undefined;
  try {
    return { bucket: decodeURIComponent(path.slice(1, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
  } catch {
    return undefined;
  }
}

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Condition>If-None-Match</Condition></Error>`;
}

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

/** SQL on SQLite under .bigrays/ unless BIGRAYS_DB_DSN is set; the env for it and the note saying which. */
function localSql(job: string, env: NodeJS.ProcessEnv, notes: string[]): Record<string, string> {
  const given = env[envName('DB_DSN')];
  if (given !== undefined && given !== '') {
    notes.push(`SQL: ${maskDsnValue(given)} (from BIGRAYS_DB_DSN)`);
    return {};
  }
  const file = join(LOCAL_DIR, `${basename(job, extname(job))}.sqlite`);
  notes.push(`SQL: SQLite database ${display(file)}`);
  return { [envName('DB_DSN')]: `sqlite:${file}` };
}

function awsEnv(endpoint: string): Record<string, string> {
  return {
    [envName('AWS_ENDPOINT_URL')]: endpoint,
    [envName('AWS_ACCESS_KEY_ID')]: CREDENTIALS.accessKeyId,
    [envName('AWS_SECRET_ACCESS_KEY')]: CREDENTIALS.secretAccessKey,
    [envName('AWS_REGION')]: REGION,
    [envName('AWS_REQUIRE_SECRETS')]: 'true',
  };
}

/** Form fields of SNS PublishBatch: `PublishBatchRequestEntries.member.N.Message`. */
function batchEntries(body: Record<string, string>): Array<{ Subject?: string; Message?: string }> {
  const entries = new Map<string, { Subject?: string; Message?: string }>();
  for (const [key, value] of Object.entries(body)) {
    const match = /^PublishBatchRequestEntries\.member\.(\d+)\.(Subject|Message)$/.exec(key);
    if (!match) continue;
    const entry = entries.get(match[1]) ?? {};
    entry[match[2] as 'Subject' | 'Message'] = value;
    entries.set(match[1], entry);
  }
  return [...entries.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([, e]) => e);
}

/**
 * Refuses, before anything starts, a symbolic link at a path local mode opens: the folder
 * itself, the job's SQLite files (its own and those of tasks naming another database) and
 * their companions, the SNS folder and its files, and in a dry run the S3 folder (a run
 * checks it as it loads it). The job's side checks the SQLite files again as it opens them.
 */
function refuseLinks(job: string, dryRun: boolean): void {
  if (!dryRun) makeFolder(LOCAL_DIR, LOCAL_DIR);
  const stem = basename(job, extname(job)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  checkFilesIn(LOCAL_DIR, LOCAL_DIR, new RegExp(`^${stem}(-\\d+)?\\.sqlite(-journal|-wal|-shm)?$`));
  filesUnder(LOCAL_DIR, SNS_DIR);
  if (dryRun) filesUnder(LOCAL_DIR, S3_DIR);
}

/** `env`: the environment the command runs in (the job's starts from it). */
export async function startLocal(job: string, dryRun: boolean, env: NodeJS.ProcessEnv = process.env): Promise<LocalSession> {
  refuseLinks(job, dryRun);
  const notes: string[] = [];
  const sqlEnv = localSql(job, env, notes);

  if (dryRun) {
    // Nothing starts in a dry run: the plan only needs the AWS configuration to be complete.
    notes.push(`S3 and SNS: an emulator; objects under ${display(S3_DIR)}, messages under ${display(SNS_DIR)}`);
    return { env: { ...sqlEnv, ...awsEnv('http://127.0.0.1') }, notes: () => notes, finish: async () => notes, stop: async () => undefined };
  }

  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { buildApp } = await loadFauxqs();
  const app = buildApp({ logger: false });
  const inject = (options: { method: string; url: string; headers?: Record<string, string>; payload?: string }): Promise<InjectResult> =>
    app.inject({ ...options, headers: { ...options.headers, [OWN_REQUEST]: '1' } } as never) as unknown as Promise<InjectResult>;

  const buckets = new Set<string>();
  const ensureBucket = async (bucket: string): Promise<void> => {
    if (buckets.has(bucket)) return;
    buckets.add(bucket);
    await inject({ method: 'PUT', url: `/${encodeURIComponent(bucket)}` });
  };
  const topics = new Map<string, string>();
  const topicArn = async (arnOrName: string): Promise<string> => {
    const name = arnOrName.split(':').pop() ?? arnOrName;
    let arn = topics.get(name);
    if (!arn) {
      const created = await inject({
        method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ Action: 'CreateTopic', Name: name }).toString(),
      });
      arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(created.body)?.[1] ?? arnOrName;
      topics.set(name, arn);
    }
    return arn;
  };
  const published: Published[] = [];
  /** Objects loaded from .bigrays/s3 before the run, by `bucket/key`. */
  const preloaded = new Map<string, { bucket: string; key: string; etag?: string; file: string }>();
  /** Conditional writes under way, and the objects the last write of which was conditional, by `bucket/key`. */
  const writing = new Set<string>();
  const createdOnly = new Set<string>();
  const conditional = new WeakMap<object, string>();

  /** Why a conditional write of `bucket/key` is refused now, if it is: [HTTP status, code, message]. */
  const refusal = async (bucket: string, key: string): Promise<[number, string, string] | undefined> => {
    const id = `${bucket}/${key}`;
    if (writing.has(id)) return [409, 'ConditionalRequestConflict', 'A conditional write of this key is under way.'];
    const head = await inject({ method: 'HEAD', url: `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}` });
    if (head.statusCode === 200) return [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'];
    if (!preloaded.has(id) && fileExistsIn(LOCAL_DIR, objectPath(bucket, key))) {
      return [412, 'PreconditionFailed', `Another run saved ${display(objectPath(bucket, key))} since this one began`];
    }
    return undefined;
  };

  // Buckets and topics appear on first use; published messages are kept for .bigrays/sns;
  // conditional writes are honoured.
  app.addHook('preHandler', async (request: HookRequest, reply: HookReply) => {
    if (request.headers[OWN_REQUEST] !== undefined) return;
    const contentType = String(request.headers['content-type'] ?? '');
    if (request.method === 'POST' && request.url.split('?')[0] === '/' && contentType.includes('x-www-form-urlencoded')) {
      const body = (request.body ?? {}) as Record<string, string>;
      const original = body.TopicArn;
      if (typeof original !== 'string' || original === '') return;
      body.TopicArn = await topicArn(original);
      const topic = original.split(':').pop() ?? original;
      if (body.Action === 'Publish') published.push({ topic, subject: body.Subject, message: String(body.Message) });
      if (body.Action === 'PublishBatch') {
        for (const entry of batchEntries(body)) published.push({ topic, subject: entry.Subject, message: String(entry.Message) });
      }
      return;
    }
    const path = request.url.split('?')[0];
    const segments = path.split('/');
    const bucket = segments[1] ? decodeURIComponent(segments[1]) : '';
    if (bucket === '' || bucket === 'health' || bucket.startsWith('_fauxqs')) return;
    // CreateBucket itself: PUT /<bucket>
    if (request.method === 'PUT' && segments.length === 2) return;
    await ensureBucket(bucket);
    const object = writtenObject(request.method, request.url);
    if (object === undefined || request.headers['if-none-match'] !== '*') return;
    const refused = await refusal(object.bucket, object.key);
    if (refused) {
      log('refused a conditional write of s3://%s/%s: %s', object.bucket, object.key, refused[1]);
      return reply.code(refused[0]).header('content-type', 'application/xml').send(s3ErrorXml(refused[1], refused[2]));
    }
    const id = `${object.bucket}/${object.key}`;
    writing.add(id);
    conditional.set(request, id);
  });
  app.addHook('onResponse', async (request: HookRequest, reply: { statusCode: number }) => {
    if (request.headers[OWN_REQUEST] !== undefined) return;
    const id = conditional.get(request);
    if (id !== undefined) writing.delete(id);
    const object = writtenObject(request.method, request.url);
    if (object === undefined || reply.statusCode !== 200) return;
    if (id !== undefined) createdOnly.add(id);
    else createdOnly.delete(`${object.bucket}/${object.key}`);
  });

  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  log('emulator listening on %s', endpoint);
  const admin = new S3Client({ region: REGION, endpoint, credentials: CREDENTIALS, forcePathStyle: true });

  const shutdown = async (): Promise<void> => {
    admin.destroy();
    await app.close();
  };

  // Inputs: what earlier local runs (or you) left under .bigrays/s3/<bucket>/<key>.
  try {
    for (const file of filesUnder(LOCAL_DIR, S3_DIR)) {
      const [bucketPart, ...keyParts] = relative(S3_DIR, file).split(sep);
      if (keyParts.length === 0) continue;
      const bucket = keyOf([bucketPart]);
      const key = keyOf(keyParts);
      try {
        if (!buckets.has(bucket)) {
          buckets.add(bucket);
          await admin.send(new CreateBucketCommand({ Bucket: bucket }));
        }
        preloaded.set(`${bucket}/${key}`, { bucket, key, etag: await loadObject(admin, bucket, key, file), file });
      } catch (error) {
        if (error instanceof LocalFolderError) throw error;
        throw new LocalFolderError(file, `could not load ${display(file)} into the emulator as s3://${bucket}/${key}: ${failureCause(error)}`);
      }
    }
  } catch (error) {
    await shutdown();
    throw error;
  }
  const loaded = preloaded.size;
  notes.push(`S3 and SNS: an emulator (nothing is sent to AWS)${loaded > 0 ? `; ${loaded} ${loaded === 1 ? "object" : "objects"} loaded from ${display(S3_DIR)}` : ''}`);

  return {
    env: { ...sqlEnv, ...awsEnv(endpoint) },
    notes: () => notes,
    async finish() {
      const lines = [...notes];
      /** What was not saved for safety: a link in the way, or a file another run saved first. */
      const refused: string[] = [];
      // The mirror follows the emulator: new and changed objects are written, deleted ones removed.
      const present = new Set<string>();
      const { Buckets = [] } = await admin.send(new ListBucketsCommand({}));
      for (const { Name: bucket } of Buckets) {
        if (!bucket) continue;
        let token: string | undefined;
        do {
          const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
          for (const { Key: key, ETag: etag } of page.Contents ?? []) {
            if (key === undefined) continue;
            present.add(`${bucket}/${key}`);
            const before = preloaded.get(`${bucket}/${key}`);
            if (before && before.etag === etag) continue;
            const file = objectPath(bucket, key);
            // An object created by a conditional write replaces no file another run saved meanwhile.
            const mode = createdOnly.has(`${bucket}/${key}`) && !before ? 'create' : 'replace';
            try {
              const object = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
              if (await writeStreamIn(LOCAL_DIR, file, object.Body as Readable, mode)) {
                lines.push(`s3://${bucket}/${key} → ${display(file)}`);
              } else {
                refused.push(`s3://${bucket}/${key} was not saved: another run saved ${display(file)} while this one ran, and it is left as that run wrote it`);
              }
            } catch (error) {
              if (error instanceof LocalFolderError) refused.push(`s3://${bucket}/${key} was not saved: ${error.message}`);
              // e.g. keys `a` and `a/b`: a file and a folder of one name
              else lines.push(`s3://${bucket}/${key} was uploaded, but not saved to ${display(file)}: ${(error as Error).message}`);
            }
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      }
      for (const [id, { bucket, key, file }] of preloaded) {
        if (present.has(id)) continue;
        try {
          removeFileIn(LOCAL_DIR, file);
          lines.push(`s3://${bucket}/${key} was deleted → removed ${display(file)}`);
        } catch (error) {
          if (!(error instanceof LocalFolderError)) throw error;
          refused.push(`s3://${bucket}/${key} was deleted, but ${display(file)} was not removed: ${error.message}`);
        }
      }
      const perTopic = new Map<string, number>();
      for (const message of published) {
        const file = join(SNS_DIR, `${message.topic.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_')}.jsonl`);
        try {
          appendFileIn(LOCAL_DIR, file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`);
          perTopic.set(file, (perTopic.get(file) ?? 0) + 1);
        } catch (error) {
          if (!(error instanceof LocalFolderError)) throw error;
          refused.push(`a message to SNS topic ${message.topic} was not saved: ${error.message}`);
        }
      }
      for (const [file, count] of perTopic) lines.push(`${count} SNS ${count === 1 ? 'message' : 'messages'} → ${display(file)}`);
      if (refused.length > 0) {
        const saved = lines.length - notes.length;
        throw new LocalFolderError(LOCAL_DIR, `${refused.join('\n')}${saved > 0 ? `\n(the other outputs were saved: ${lines.slice(notes.length).join('; ')})` : ''}`);
      }
      return lines;
    },
    stop: shutdown,
  };
}
