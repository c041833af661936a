/**
 * A stand-in for Slack's incoming webhook, for the SlackPost specs: a node:http server on
 * 127.0.0.1 and a free port that records every request and answers as the test says (by
 * default 200 `ok`, as Slack does).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { freePort } from './ports';

export interface Posted {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How to answer one request: a status and a body; `hang` answers never. */
export type Answer = { status: number; body: string } | 'hang';

export interface Webhook {
  /** The webhook URL, with a path that stands for Slack's secret token. */
  url: string;
  /** The secret part of the URL: it must show nowhere. */
  token: string;
  posted: Posted[];
  /** The answers to the next requests, in order; once used up, 200 `ok`. */
  answers: Answer[];
  close(): Promise<void>;
}

export async function startWebhook(): Promise<Webhook> {
  const posted: Posted[] = [];
  const answers: Answer[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posted.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers.shift() ?? { status: 200, body: 'ok' };
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const token = `T0SPEC/B0SPEC/hook-Token-${process.pid}-${port}`;
  return {
    url: `http://127.0.0.1:${port}/services/${token}`,
    token,
    posted,
    answers,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
