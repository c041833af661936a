/**
 * An HTTP proxy in front of the emulator that misbehaves as a store or a network does: for the
 * requests a rule picks, it answers an error instead of the emulator (before or after
 * forwarding the request, so the emulator may have done the work), drops the connection, or
 * never answers. Point `BigraysConfig.AWS_ENDPOINT_URL` at `endpoint`.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { errorXml, type ErrorAnswer } from './aws-hooks';

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The SDK's try of this request (1 for the first), from its `amz-sdk-request` header. */
  attempt: number;
}

/** What the proxy does with a request a rule picked. */
export interface Fault {
  /** Forward the request first and wait for the emulator's answer (which the client never sees). */
  forward?: boolean;
  /** Runs before the answer (after forwarding): another writer's work, say. */
  before?: () => Promise<void>;
  /** The answer: an S3 error, `'reset'` (the connection drops), `'hang'` (no answer ever), or `'late'` (the emulator's, after `delayMs`). */
  answer: ErrorAnswer | 'reset' | 'hang' | 'late';
  /** With `'late'`: how long the answer takes (a slow store or network). */
  delayMs?: number;
}

/** Picks the requests to misbehave on; undefined forwards the request and its answer unchanged. */
export type FaultRule = (request: ProxiedRequest) => Fault | undefined;

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Every request received, in order. */
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function bodyOf(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(target: URL, method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: target.hostname, port: target.port, method, path: url, headers }, (response) => {
      bodyOf(response).then((answer) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: answer }), reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Starts a proxy to `target` (the emulator's endpoint) on a free port. */
export async function faultProxy(target: string, rule: FaultRule): Promise<FaultProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await bodyOf(incoming);
      const attempt = Number(/attempt=(\d+)/.exec(String(incoming.headers['amz-sdk-request'] ?? ''))?.[1] ?? 1);
      const proxied: ProxiedRequest = { method: incoming.method ?? 'GET', url: incoming.url ?? '/', headers: incoming.headers, attempt };
      requests.push(proxied);
      const fault = rule(proxied);
      if (fault?.answer === 'late') await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0));
      if (fault === undefined || fault.forward || fault.answer === 'late') {
        const answer = await forward(upstream, proxied.method, proxied.url, incoming.headers, body);
        if (fault === undefined || fault.answer === 'late') {
          const { 'transfer-encoding': _chunked, connection: _connection, ...headers } = answer.headers;
          outgoing.writeHead(answer.status, headers);
          outgoing.end(answer.body);
          return;
        }
      }
      await fault.before?.();
      if (fault.answer === 'hang') return;
      if (fault.answer === 'reset') {
        incoming.socket.destroy();
        return;
      }
      outgoing.writeHead(fault.answer.status, { 'content-type': 'application/xml' });
      outgoing.end(errorXml(fault.answer));
    })().catch((error: Error) => {
      outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`fault proxy: ${error.message}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
