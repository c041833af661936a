/**
 * The fauxqs S3/SNS emulator of `--local`, in the command's own process. A hook in its HTTP
 * server creates buckets and topics on first use, keeps the messages published, and honours
 * conditional writes (`If-None-Match: *`, as ToS3 sends them) as S3 honours them: refused
 * while another conditional write of the key is under way (409), or when the object exists
 * (412), in the emulator or, as the mirror says, as a file another run saved since this one began.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { envName } from '../config';
import { isMissing, missingPackage } from '../lazy';
import { logger } from '../log';

const REGION = 'us-east-1';
/** The emulator's keys: nothing a real key could be, and nothing a message holds by chance. */
const CREDENTIALS = { accessKeyId: 'bigrays-local-key', secretAccessKey: 'bigrays-local-secret' };
/** Marks the requests the hook makes itself. */
const OWN_REQUEST = 'x-bigrays-local';

const log = logger('local');

/** A message published to an SNS topic during the run. */
export interface Published {
  topic: string;
  subject?: string;
  message: string;
}

/** Why a conditional write of `bucket/key` is refused though the emulator has no such object: a file another run saved meanwhile. */
export type SavedElsewhere = (bucket: string, key: string) => string | undefined;

/** The running emulator, as the rest of local mode uses it. */
export interface LocalEmulator {
  endpoint: string;
  /** A client for the command's own requests (loading and saving the mirror). */
  readonly admin: S3Client;
  /** Messages published so far. */
  readonly published: readonly Published[];
  /** Objects the last write of which was conditional (created only if absent), by `bucket/key`. */
  readonly createdOnly: ReadonlySet<string>;
  /** Creates `bucket` unless it is there. */
  ensureBucket(bucket: string): Promise<void>;
  close(): Promise<void>;
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

type Inject = (options: { method: string; url: string; headers?: Record<string, string>; payload?: string }) => Promise<InjectResult>;

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

/** What the emulator's hook keeps for one run: buckets and topics made, messages, conditional writes. */
class EmulatorHook {
  readonly published: Published[] = [];
  /** Objects the last write of which was conditional, by `bucket/key`. */
  readonly createdOnly = new Set<string>();
  private readonly buckets = new Set<string>();
  private readonly topics = new Map<string, string>();
  /** Conditional writes under way, by `bucket/key`; and the request making each. */
  private readonly writing = new Set<string>();
  private readonly conditional = new WeakMap<object, string>();

  constructor(
    private readonly inject: Inject,
    private readonly savedElsewhere: SavedElsewhere,
  ) {}

  async ensureBucket(bucket: string): Promise<void> {
    if (this.buckets.has(bucket)) return;
    this.buckets.add(bucket);
    await this.inject({ method: 'PUT', url: `/${encodeURIComponent(bucket)}` });
  }

  /** The ARN of the topic named (or whose ARN is) `arnOrName`, created on first use. */
  private async topicArn(arnOrName: string): Promise<string> {
    const name = arnOrName.split(':').pop() ?? arnOrName;
    let arn = this.topics.get(name);
    if (!arn) {
      const created = await this.inject({
        method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ Action: 'CreateTopic', Name: name }).toString(),
      });
      arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(created.body)?.[1] ?? arnOrName;
      this.topics.set(name, arn);
    }
    return arn;
  }

  /** Why a conditional write of `bucket/key` is refused now, if it is: [HTTP status, code, message]. */
  private async refusal(bucket: string, key: string): Promise<[number, string, string] | undefined> {
    if (this.writing.has(`${bucket}/${key}`)) return [409, 'ConditionalRequestConflict', 'A conditional write of this key is under way.'];
    const head = await this.inject({ method: 'HEAD', url: `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}` });
    if (head.statusCode === 200) return [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'];
    const saved = this.savedElsewhere(bucket, key);
    return saved === undefined ? undefined : [412, 'PreconditionFailed', saved];
  }

  /** An SNS request: its topic made on first use, its messages kept. */
  private async snsRequest(body: Record<string, string>): Promise<void> {
    const original = body.TopicArn;
    if (typeof original !== 'string' || original === '') return;
    body.TopicArn = await this.topicArn(original);
    const topic = original.split(':').pop() ?? original;
    if (body.Action === 'Publish') this.published.push({ topic, subject: body.Subject, message: String(body.Message) });
    if (body.Action === 'PublishBatch') {
      for (const entry of batchEntries(body)) this.published.push({ topic, subject: entry.Subject, message: String(entry.Message) });
    }
  }

  /** Before the emulator handles a request: SNS topics and S3 buckets made, a conditional write let through or refused. */
  readonly beforeHandler = async (request: HookRequest, reply: HookReply): Promise<unknown> => {
    if (request.headers[OWN_REQUEST] !== undefined) return;
    const contentType = String(request.headers['content-type'] ?? '');
    if (request.method === 'POST' && request.url.split('?')[0] === '/' && contentType.includes('x-www-form-urlencoded')) {
      return this.snsRequest((request.body ?? {}) as Record<string, string>);
    }
    const segments = request.url.split('?')[0].split('/');
    const bucket = segments[1] ? decodeURIComponent(segments[1]) : '';
    if (bucket === '' || bucket === 'health' || bucket.startsWith('_fauxqs')) return;
    // CreateBucket itself: PUT /<bucket>
    if (request.method === 'PUT' && segments.length === 2) return;
    await this.ensureBucket(bucket);
    const object = writtenObject(request.method, request.url);
    if (object === undefined || request.headers['if-none-match'] !== '*') return;
    const refused = await this.refusal(object.bucket, object.key);
    if (refused) {
      log('refused a conditional write of s3://%s/%s: %s', object.bucket, object.key, refused[1]);
      return reply.code(refused[0]).header('content-type', 'application/xml').send(s3ErrorXml(refused[1], refused[2]));
    }
    const id = `${object.bucket}/${object.key}`;
    this.writing.add(id);
    this.conditional.set(request, id);
  };

  /** Once the emulator answered: a conditional write is over, and whether the object was created only if absent. */
  readonly onResponse = async (request: HookRequest, reply: { statusCode: number }): Promise<void> => {
    if (request.headers[OWN_REQUEST] !== undefined) return;
    const id = this.conditional.get(request);
    if (id !== undefined) this.writing.delete(id);
    const object = writtenObject(request.method, request.url);
    if (object === undefined || reply.statusCode !== 200) return;
    if (id !== undefined) this.createdOnly.add(id);
    else this.createdOnly.delete(`${object.bucket}/${object.key}`);
  };
}

/** The env that points a job at the emulator at `endpoint`, with its keys. */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    [envName('AWS_ENDPOINT_URL')]: endpoint,
    [envName('AWS_ACCESS_KEY_ID')]: CREDENTIALS.accessKeyId,
    [envName('AWS_SECRET_ACCESS_KEY')]: CREDENTIALS.secretAccessKey,
    [envName('AWS_REGION')]: REGION,
    [envName('AWS_REQUIRE_SECRETS')]: 'true',
  };
}

/**
 * The fauxqs emulator (an ES module, typed by its own declarations), for `bigrays run --local`:
 * loaded here, unexported, so that the package's declarations need no optional package.
 */
async function loadFauxqs() {
  try {
    return await import('fauxqs');
  } catch (error) {
    if (isMissing(error, 'fauxqs')) {
      throw missingPackage('fauxqs', '`bigrays run --local` (S3 and SNS on an emulator)', 'npm install --save-dev fauxqs', error);
    }
    throw error;
  }
}

/** Starts the emulator on a free port of 127.0.0.1. */
export async function startEmulator(savedElsewhere: SavedElsewhere): Promise<LocalEmulator> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { buildApp } = await loadFauxqs();
  const app = buildApp({ logger: false });
  const inject: Inject = (options) =>
    app.inject({ ...options, headers: { ...options.headers, [OWN_REQUEST]: '1' } } as never) as unknown as Promise<InjectResult>;
  const hook = new EmulatorHook(inject, savedElsewhere);
  app.addHook('preHandler', hook.beforeHandler);
  app.addHook('onResponse', hook.onResponse);
  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  log('emulator listening on %s', endpoint);
  const admin = new S3Client({ region: REGION, endpoint, credentials: CREDENTIALS, forcePathStyle: true });
  return {
    endpoint,
    admin,
    published: hook.published,
    createdOnly: hook.createdOnly,
    ensureBucket: (bucket) => hook.ensureBucket(bucket),
    async close() {
      admin.destroy();
      await app.close();
    },
  };
}
