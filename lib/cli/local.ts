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
 * `.bigrays/sns/<topic>.jsonl`.
 */
import {
  CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { envName } from '../config';
import { LOCAL_DIR } from '../job/local-overlay';
import { loadFauxqs } from '../lazy';
import { logger } from '../log';
import { maskDsn } from '../secrets';

export { LOCAL_DIR };
const S3_DIR = join(LOCAL_DIR, 's3');
const SNS_DIR = join(LOCAL_DIR, 'sns');
const REGION = 'us-east-1';
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

interface InjectResult {
  statusCode: number;
  body: string;
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
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

function display(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** SQL on SQLite under .bigrays/ unless BIGRAYS_DB_DSN is set; the env for it and the note saying which. */
function localSql(job: string, env: NodeJS.ProcessEnv, notes: string[]): Record<string, string> {
  const given = env[envName('DB_DSN')];
  if (given !== undefined && given !== '') {
    notes.push(`SQL: ${maskDsn(given)} (from BIGRAYS_DB_DSN)`);
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

/** `env`: the environment the command runs in (the job's starts from it). */
export async function startLocal(job: string, dryRun: boolean, env: NodeJS.ProcessEnv = process.env): Promise<LocalSession> {
  if (!dryRun) mkdirSync(LOCAL_DIR, { recursive: true });
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

  // Buckets and topics appear on first use; published messages are kept for .bigrays/sns.
  app.addHook('preHandler', async (request: HookRequest) => {
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
  });

  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  log('emulator listening on %s', endpoint);
  const admin = new S3Client({ region: REGION, endpoint, credentials: CREDENTIALS, forcePathStyle: true });

  const shutdown = async (): Promise<void> => {
    admin.destroy();
    await app.close();
  };

  // Inputs: what earlier local runs (or you) left under .bigrays/s3/<bucket>/<key>.
  const preloaded = new Map<string, { bucket: string; key: string; etag?: string; file: string }>();
  try {
    for (const file of files(S3_DIR)) {
      const [bucketPart, ...keyParts] = relative(S3_DIR, file).split(sep);
      if (keyParts.length === 0) continue;
      const bucket = keyOf([bucketPart]);
      const key = keyOf(keyParts);
      if (!buckets.has(bucket)) {
        buckets.add(bucket);
        await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      }
      const put = await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(file) }));
      preloaded.set(`${bucket}/${key}`, { bucket, key, etag: put.ETag, file });
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
            try {
              const object = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
              mkdirSync(dirname(file), { recursive: true });
              writeFileSync(file, await object.Body!.transformToByteArray());
              lines.push(`s3://${bucket}/${key} → ${display(file)}`);
            } catch (error) {
              // e.g. keys `a` and `a/b`: a file and a folder of one name
              lines.push(`s3://${bucket}/${key} was uploaded, but not saved to ${display(file)}: ${(error as Error).message}`);
            }
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      }
      for (const [id, { bucket, key, file }] of preloaded) {
        if (present.has(id)) continue;
        rmSync(file, { force: true });
        lines.push(`s3://${bucket}/${key} was deleted → removed ${display(file)}`);
      }
      const perTopic = new Map<string, number>();
      for (const message of published) {
        mkdirSync(SNS_DIR, { recursive: true });
        const file = join(SNS_DIR, `${message.topic.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_')}.jsonl`);
        appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`);
        perTopic.set(file, (perTopic.get(file) ?? 0) + 1);
      }
      for (const [file, count] of perTopic) lines.push(`${count} SNS ${count === 1 ? 'message' : 'messages'} → ${display(file)}`);
      return lines;
    },
    stop: shutdown,
  };
}
