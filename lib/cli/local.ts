/**
 * `--local`: run a job fully offline. SQL goes to SQLite under `.bigrays/` (unless
 * BIGRAYS_DB_DSN is set); S3 and SNS go to the fauxqs emulator, started in this process,
 * with buckets and topics created on first use. Nothing is sent to AWS.
 *
 * The emulator keeps objects in memory, so `.bigrays/s3/<bucket>/<key>` mirrors them: files
 * there are loaded into the emulator before the run (inputs for FromS3, ListS3Objects), and
 * objects the run uploads are written there after it. Published messages are appended to
 * `.bigrays/sns/<topic>.jsonl`.
 */
import {
  CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { BigraysConfig, isSet } from '../config';
import { logger } from '../log';
import { useLocalAws, type AwsClientSettings } from '../resources/aws';
import { useLocalSql } from '../resources/sql/session';
import { maskDsn } from '../secrets';

export const LOCAL_DIR = '.bigrays';
const S3_DIR = join(LOCAL_DIR, 's3');
const SNS_DIR = join(LOCAL_DIR, 'sns');
const REGION = 'us-east-1';

const log = logger('local');

export interface LocalSession {
  /** What goes where, before the run. */
  notes(): string[];
  /** Saves what the run produced; lines saying where it went. */
  finish(): Promise<string[]>;
  /** Lets the process end while the emulator still listens (for scripts that end on their own). */
  unref(): void;
  stop(): Promise<void>;
}

interface Published {
  topic: string;
  subject?: string;
  message: string;
}

type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;

interface WithMiddleware {
  middlewareStack: { add(middleware: Middleware, options: { step: 'initialize'; name: string }): void };
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

/**
 * SQL on SQLite under .bigrays/ unless BIGRAYS_DB_DSN is set; the notes saying which. A task
 * naming another database in its resourceConfig gets a SQLite file of its own.
 */
function localSql(job: string, notes: string[]): void {
  const stem = basename(job, extname(job));
  let main: string;
  if (isSet(BigraysConfig.DB_DSN)) {
    main = String(BigraysConfig.DB_DSN);
    notes.push(`SQL: ${maskDsn(main)} (from BIGRAYS_DB_DSN)`);
  } else {
    main = `sqlite:${join(LOCAL_DIR, `${stem}.sqlite`)}`;
    BigraysConfig.DB_DSN = main;
    notes.push(`SQL: SQLite database ${display(join(LOCAL_DIR, `${stem}.sqlite`))}`);
  }
  const others = new Map<string, string>();
  useLocalSql((config) => {
    const dsn = String(config.DB_DSN ?? '');
    if (dsn === main || dsn === '') return config;
    let local = others.get(dsn);
    if (!local) {
      const file = join(LOCAL_DIR, `${stem}-${others.size + 2}.sqlite`);
      local = `sqlite:${file}`;
      others.set(dsn, local);
      notes.push(`SQL: ${maskDsn(dsn)} (a task's resourceConfig) → SQLite database ${display(file)}`);
    }
    const { DB_USER: _user, DB_PWD: _pwd, ...rest } = config;
    return { ...rest, DB_DSN: local };
  });
}

export async function startLocal(job: string, dryRun: boolean): Promise<LocalSession> {
  if (!dryRun) mkdirSync(LOCAL_DIR, { recursive: true });
  const notes: string[] = [];
  localSql(job, notes);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

  if (dryRun) {
    // Nothing starts in a dry run: the plan only needs the AWS configuration to be complete.
    useLocalAws({ settings: { region: REGION, endpoint: 'http://127.0.0.1', credentials }, customize: () => undefined });
    notes.push(`S3 and SNS: an in-process emulator; objects under ${display(S3_DIR)}, messages under ${display(SNS_DIR)}`);
    const stop = async () => {
      useLocalAws(undefined);
      useLocalSql(undefined);
    };
    return { notes: () => notes, finish: async () => notes, unref: () => undefined, stop };
  }

  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  // The emulator's side of a connection never keeps the process alive: the client's side does
  // while a request is under way.
  app.server.on('connection', (socket: import('node:net').Socket) => socket.unref());
  log('emulator listening on %s', endpoint);
  const settings: AwsClientSettings = { region: REGION, endpoint, credentials };
  const admin = new S3Client({ ...settings, forcePathStyle: true });
  const adminSns = new SNSClient(settings);

  const buckets = new Set<string>();
  const ensureBucket = async (bucket: string): Promise<void> => {
    if (buckets.has(bucket)) return;
    buckets.add(bucket);
    await admin.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
      if (error?.name !== 'BucketAlreadyOwnedByYou' && error?.name !== 'BucketAlreadyExists') throw error;
    });
  };
  const topics = new Map<string, string>();
  const topicArn = async (arnOrName: string): Promise<string> => {
    const name = arnOrName.split(':').pop() ?? arnOrName;
    let arn = topics.get(name);
    if (!arn) {
      arn = (await adminSns.send(new CreateTopicCommand({ Name: name }))).TopicArn ?? arnOrName;
      topics.set(name, arn);
    }
    return arn;
  };

  const shutdown = async (): Promise<void> => {
    useLocalAws(undefined);
    useLocalSql(undefined);
    admin.destroy();
    adminSns.destroy();
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
      await ensureBucket(bucket);
      const put = await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(file) }));
      preloaded.set(`${bucket}/${key}`, { bucket, key, etag: put.ETag, file });
    }
  } catch (error) {
    await shutdown();
    throw error;
  }
  const loaded = preloaded.size;
  notes.push(`S3 and SNS: an in-process emulator (nothing is sent to AWS)${loaded > 0 ? `; ${loaded} ${loaded === 1 ? "object" : "objects"} loaded from ${display(S3_DIR)}` : ''}`);

  const published: Published[] = [];

  const s3Middleware: Middleware = (next, context) => async (args) => {
    const bucket = args.input.Bucket;
    if (typeof bucket === 'string' && context.commandName !== 'CreateBucketCommand') await ensureBucket(bucket);
    return next(args);
  };
  const snsMiddleware: Middleware = (next, context) => async (args) => {
    const original = args.input.TopicArn;
    if (typeof original !== 'string') return next(args);
    args.input.TopicArn = await topicArn(original);
    const result = await next(args);
    const topic = original.split(':').pop() ?? original;
    if (context.commandName === 'PublishCommand') {
      published.push({ topic, subject: args.input.Subject as string | undefined, message: String(args.input.Message) });
    } else if (context.commandName === 'PublishBatchCommand') {
      for (const entry of (args.input.PublishBatchRequestEntries ?? []) as Array<{ Subject?: string; Message?: string }>) {
        published.push({ topic, subject: entry.Subject, message: String(entry.Message) });
      }
    }
    return result;
  };

  useLocalAws({
    settings,
    customize(client) {
      const stack = client as unknown as WithMiddleware;
      stack.middlewareStack.add(client instanceof S3Client ? s3Middleware : snsMiddleware, { step: 'initialize', name: 'bigraysLocal' });
    },
  });

  return {
    notes: () => notes,
    unref: () => app.server.unref(),
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
