/**
 * Root hooks for the S3/SNS/SQS specs: the fauxqs emulator, started in this process on first
 * use (once per mocha run, on 127.0.0.1 and a free port) and stopped after all specs.
 *
 * `useEmulator()` inside a `describe` points BigraysConfig at it before each test. Every request
 * the emulator receives is recorded (method, URL, headers), so specs can tell what reached it,
 * and a test can answer chosen requests itself (`refuse`), as a store would that fauxqs does
 * not imitate (a conditional write refused with 412).
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { IncomingHttpHeaders } from 'node:http';
import { BigraysConfig } from '../../lib';

/** The credentials the specs use; the secret must never show in a message. */
export const TEST_KEY_ID = 'AKIDBIGRAYSSPEC';
export const TEST_SECRET = 'spec-secret-Zq8vN3xK2pLm7wR4';
export const TEST_REGION = 'us-east-1';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** An S3-style error answer: `<Error><Code>…` with this HTTP status. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
}

/** Picks the requests to answer with an error; undefined lets the emulator answer. */
export type Refuser = (request: RecordedRequest) => ErrorAnswer | undefined;

export interface Emulator {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Requests received since the current test began. */
  requests: RecordedRequest[];
  /** Clients for assertions and setup, pointed at the emulator. */
  s3: S3Client;
  sns: SNSClient;
  sqs: SQSClient;
  /** Until the current test ends, answers the requests `refuser` picks with its error instead of the emulator. */
  refuse(refuser: Refuser | undefined): void;
  close(): Promise<void>;
}

/** The body of an S3 error answer. */
export function errorXml(answer: ErrorAnswer): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${answer.code}</Code><Message>${answer.message}</Message><RequestId>spec</RequestId></Error>`;
}

let starting: Promise<Emulator> | undefined;

async function start(): Promise<Emulator> {
  // The AWS SDK warns once per process that it will need Node 22 from 2027; not news in specs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const requests: RecordedRequest[] = [];
  let refuser: Refuser | undefined;
  app.addHook('onRequest', (request, reply, done) => {
    const recorded = { method: request.method, url: request.url, headers: request.headers };
    requests.push(recorded);
    const answer = refuser?.(recorded);
    if (answer === undefined) {
      done();
      return;
    }
    void reply.code(answer.status).header('content-type', 'application/xml').send(errorXml(answer));
  });
  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  const options = {
    endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: TEST_KEY_ID, secretAccessKey: TEST_SECRET },
  };
  const s3 = new S3Client({ ...options, forcePathStyle: true });
  const sns = new SNSClient(options);
  const sqs = new SQSClient(options);
  return {
    endpoint,
    requests,
    s3,
    sns,
    sqs,
    refuse(next) {
      refuser = next;
    },
    async close() {
      s3.destroy();
      sns.destroy();
      sqs.destroy();
      await app.close();
    },
  };
}

/** The emulator, started now if it is not running yet. */
export function emulator(): Promise<Emulator> {
  starting ??= start();
  return starting;
}

export const mochaHooks = {
  async afterAll(): Promise<void> {
    if (!starting) return;
    const running = await starting;
    starting = undefined;
    await running.close();
  },
};

/**
 * Inside a `describe`: before each test, point BigraysConfig at the emulator with the test
 * credentials, and forget the requests recorded so far. Returns a getter for the emulator.
 */
export function useEmulator(): () => Emulator {
  let current: Emulator | undefined;
  beforeEach(async function () {
    current = await emulator();
    BigraysConfig.AWS_ENDPOINT_URL = current.endpoint;
    BigraysConfig.AWS_ACCESS_KEY_ID = TEST_KEY_ID;
    BigraysConfig.AWS_SECRET_ACCESS_KEY = TEST_SECRET;
    BigraysConfig.AWS_REGION = TEST_REGION;
    current.requests.length = 0;
    current.refuse(undefined);
  });
  afterEach(() => current?.refuse(undefined));
  return () => {
    if (!current) throw new Error('useEmulator(): the emulator is available inside tests only');
    return current;
  };
}

let names = 0;

/** A bucket/topic/queue name no other test uses. */
export function uniqueName(stem: string): string {
  names += 1;
  return `${stem}-${process.pid}-${names}`;
}

/** Creates a bucket with a fresh name; resolves to the name. */
export async function createBucket(stem = 'bucket'): Promise<string> {
  const name = uniqueName(stem);
  await (await emulator()).s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** Creates a topic and a queue subscribed to it; resolves to the topic ARN and the queue URL. */
export async function createTopicWithQueue(stem = 'topic'): Promise<{ topicArn: string; queueUrl: string }> {
  const { sns, sqs } = await emulator();
  const name = uniqueName(stem);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-queue` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  return { topicArn: TopicArn!, queueUrl: QueueUrl! };
}


/** The environment of a job process that talks to the emulator at `endpoint` with the test credentials. */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    BIGRAYS_AWS_ENDPOINT_URL: endpoint,
    BIGRAYS_AWS_ACCESS_KEY_ID: TEST_KEY_ID,
    BIGRAYS_AWS_SECRET_ACCESS_KEY: TEST_SECRET,
    BIGRAYS_AWS_REGION: TEST_REGION,
  };
}
