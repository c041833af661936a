/**
 * SSM Parameter Store and Secrets Manager as a spec needs them: a local HTTP server that speaks
 * their JSON APIs (`X-Amz-Target: AmazonSSM.GetParameter` / `secretsmanager.GetSecretValue`,
 * `application/x-amz-json-1.1`) from what the spec stores in it, answers AWS' errors for a name
 * it does not hold (`ParameterNotFound`, `ResourceNotFoundException`) or one it was told to
 * refuse (`AccessDeniedException`), and records every request, so that a spec can count fetches.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretRequest {
  /** `AmazonSSM.GetParameter`, `secretsmanager.GetSecretValue`. */
  target: string;
  /** The parameter's or secret's name asked for. */
  name: string;
  /** SSM's `WithDecryption`. */
  withDecryption?: boolean;
}

export interface SecretServices {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** SSM parameters by name. */
  parameters: Map<string, string>;
  /** Secrets Manager secrets' text by name. */
  secrets: Map<string, string>;
  /** Names answered with AccessDeniedException. */
  denied: Set<string>;
  /** Every request received. */
  requests: SecretRequest[];
  close(): Promise<void>;
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  response.end(JSON.stringify(body));
}

async function bodyOf(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function serve(services: SecretServices, target: string, body: Record<string, unknown>, response: ServerResponse): void {
  const ssm = target === 'AmazonSSM.GetParameter';
  const name = String(ssm ? body.Name : body.SecretId);
  services.requests.push({ target, name, ...(ssm ? { withDecryption: body.WithDecryption === true } : {}) });
  if (services.denied.has(name)) {
    return answer(response, 400, { __type: 'AccessDeniedException', message: `User: arn:aws:iam::123456789012:user/spec is not authorized to read ${name}` });
  }
  if (ssm) {
    const value = services.parameters.get(name);
    if (value === undefined) return answer(response, 400, { __type: 'ParameterNotFound', message: '' });
    return answer(response, 200, { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } });
  }
  if (target === 'secretsmanager.GetSecretValue') {
    const value = services.secrets.get(name);
    if (value === undefined) return answer(response, 400, { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
    return answer(response, 200, { ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}`, Name: name, SecretString: value });
  }
  answer(response, 400, { __type: 'UnknownOperationException', message: `unknown target ${target}` });
}

/** Starts the services on a free port of 127.0.0.1. */
export async function startSecretServices(): Promise<SecretServices> {
  const services = { parameters: new Map(), secrets: new Map(), denied: new Set(), requests: [] } as unknown as SecretServices;
  const server = createServer((request, response) => {
    bodyOf(request)
      .then((body) => serve(services, String(request.headers['x-amz-target'] ?? ''), body, response))
      .catch((error: Error) => answer(response, 500, { __type: 'InternalFailure', message: error.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  services.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  services.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return services;
}
