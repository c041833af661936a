/**
 * What the AWS clients (S3, SNS) share: credentials, region and endpoint from `BigraysConfig`,
 * and the check of those before any task runs.
 *
 * - `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, or their aliases `S3_ACCESS_KEY_ID` /
 *   `S3_SECRET_ACCESS_KEY` (the original bigrays' names); `AWS_SESSION_TOKEN` for temporary keys.
 * - `AWS_REQUIRE_SECRETS` (default true): the two keys are required. `false`: when they are not
 *   set, the SDK's default credential chain finds credentials (roles, profiles, `AWS_*` env).
 * - `AWS_REGION`, else the SDK's own (env `AWS_REGION`, the profile), else `us-east-1`.
 * - `AWS_ENDPOINT_URL`: an S3/SNS-compatible endpoint (S3 then uses path-style addressing).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../lazy';
import { configFlag, configMs, envName, isSet, type ConfigValues } from '../config';
import { ConfigurationError } from '../errors';
import { Resource, type LocalForm } from './resource';

/** The region used when neither bigrays nor the SDK's environment names one. */
export const DEFAULT_AWS_REGION = 'us-east-1';

/** Each key with the alias accepted in its place. */
const ALIASES: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'S3_ACCESS_KEY_ID',
  AWS_SECRET_ACCESS_KEY: 'S3_SECRET_ACCESS_KEY',
};

/** A config value as a non-empty string, falling back to the key's alias; undefined if unset. */
export function awsSetting(config: ConfigValues, key: string): string | undefined {
  for (const name of [key, ALIASES[key]]) {
    if (name !== undefined && isSet(config[name])) return String(config[name]);
  }
  return undefined;
}

/** The endpoint URL, checked; undefined when not set. */
function endpointOf(config: ConfigValues): string | undefined {
  const endpoint = awsSetting(config, 'AWS_ENDPOINT_URL');
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(
      `${envName('AWS_ENDPOINT_URL')} must be an http(s) URL such as http://127.0.0.1:4566, got \`${endpoint}\``,
      { missing: [envName('AWS_ENDPOINT_URL')] },
    );
  }
  return endpoint;
}

/**
 * The config keys an AWS client still needs: both keys when `AWS_REQUIRE_SECRETS` is true (the
 * default), and the other one whenever only one of the pair is set. Throws ConfigurationError
 * for a malformed `AWS_REQUIRE_SECRETS` or `AWS_ENDPOINT_URL`.
 */
export function missingAwsConfigs(config: ConfigValues): string[] {
  const required = configFlag(config, 'AWS_REQUIRE_SECRETS', true);
  endpointOf(config);
  configMs(config, 'AWS_CONNECT_TIMEOUT_MS');
  configMs(config, 'AWS_REQUEST_TIMEOUT_MS');
  const keyId = awsSetting(config, 'AWS_ACCESS_KEY_ID');
  const secret = awsSetting(config, 'AWS_SECRET_ACCESS_KEY');
  if (!required && keyId === undefined && secret === undefined) return [];
  const missing: string[] = [];
  if (keyId === undefined) missing.push('AWS_ACCESS_KEY_ID');
  if (secret === undefined) missing.push('AWS_SECRET_ACCESS_KEY');
  return missing;
}

/** The settings every AWS client gets. */
export interface AwsClientSettings {
  region: string;
  /** Set for an S3/SNS-compatible endpoint; undefined for AWS itself. */
  endpoint?: string;
  /** Undefined: the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** How long connecting may take, in ms (`AWS_CONNECT_TIMEOUT_MS`). */
  connectTimeoutMs?: number;
  /** How long a request may send and receive nothing, in ms (`AWS_REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs?: number;
}

/** The SDK's request handler options for the settings' timeouts. */
export function requestHandlerOptions(settings: AwsClientSettings): { connectionTimeout?: number; socketTimeout?: number } {
  return { connectionTimeout: settings.connectTimeoutMs, socketTimeout: settings.requestTimeoutMs };
}

type TimeoutMiddleware = (
  next: (args: { request?: unknown }) => Promise<unknown>,
) => (args: { request?: unknown }) => Promise<unknown>;

/**
 * Makes the SDK's timeout errors say what happened in bigrays' words: the host, the timeout
 * and the env var that sets it.
 */
export function explainTimeouts(
  client: { middlewareStack: { add(m: TimeoutMiddleware, o: { step: 'finalizeRequest'; name: string; priority: 'low' }): void } },
  settings: AwsClientSettings,
): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const e = error as { name?: string; message?: string; explained?: boolean };
        if (e?.name === 'TimeoutError' && !e.explained && typeof e.message === 'string') {
          const request = args.request as { hostname?: string; port?: number } | undefined;
          const host = request?.hostname ? `${request.hostname}${request.port ? `:${request.port}` : ''}` : (settings.endpoint ?? 'AWS');
          e.message = /establish a connection/.test(e.message)
            ? `could not connect to ${host} within ${settings.connectTimeoutMs} ms (${envName('AWS_CONNECT_TIMEOUT_MS')})`
            : `${host} sent and received nothing for ${settings.requestTimeoutMs} ms (${envName('AWS_REQUEST_TIMEOUT_MS')})`;
          e.explained = true;
        }
        throw error;
      }
    },
    { step: 'finalizeRequest', name: 'bigraysTimeouts', priority: 'low' },
  );
}

/** The SDK's own region (env `AWS_REGION`, the profile), or `us-east-1` when it has none. */
async function sdkRegion(): Promise<string> {
  const probe = new (s3Sdk().S3Client)({});
  try {
    return await probe.config.region();
  } catch {
    return DEFAULT_AWS_REGION;
  } finally {
    probe.destroy();
  }
}

/** Client settings from `config`; call `missingAwsConfigs` first. */
export async function awsClientSettings(config: ConfigValues): Promise<AwsClientSettings> {
  const region = awsSetting(config, 'AWS_REGION') ?? (await sdkRegion());
  const endpoint = endpointOf(config);
  const accessKeyId = awsSetting(config, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = awsSetting(config, 'AWS_SECRET_ACCESS_KEY');
  const sessionToken = awsSetting(config, 'AWS_SESSION_TOKEN');
  const settings: AwsClientSettings = {
    region,
    connectTimeoutMs: configMs(config, 'AWS_CONNECT_TIMEOUT_MS'),
    requestTimeoutMs: configMs(config, 'AWS_REQUEST_TIMEOUT_MS'),
  };
  if (endpoint !== undefined) settings.endpoint = endpoint;
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    settings.credentials = { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) };
  }
  return settings;
}

/** How settings are described in logs: never a key. */
export function describeSettings(settings: AwsClientSettings): string {
  const where = settings.endpoint === undefined ? 'AWS' : settings.endpoint;
  const who = settings.credentials === undefined ? 'the default credential chain' : 'BigraysConfig keys';
  return `region ${settings.region}, endpoint ${where}, credentials from ${who}, timeouts ${settings.connectTimeoutMs ?? 'none'} ms to connect, ${settings.requestTimeoutMs ?? 'none'} ms idle`;
}

/**
 * The base of the AWS client resources: checks the AWS config before the run, opens a client
 * from it, and destroys the client on close.
 */
export abstract class AwsResource<C extends { destroy(): void }> extends Resource<C> {
  /** The keys required while `AWS_REQUIRE_SECRETS` is true (aliases: `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`). */
  override requiredConfigs: readonly string[] = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

  override missingConfigs(config: ConfigValues): string[] {
    return missingAwsConfigs(config);
  }

  /** In local mode, an AWS client talks to the emulator. */
  override localForm(): LocalForm {
    return 'aws-client';
  }

  override async open(config: ConfigValues): Promise<C> {
    const settings = await awsClientSettings(config);
    const client = this.createClient(settings);
    explainTimeouts(client as unknown as Parameters<typeof explainTimeouts>[0], settings);
    return client;
  }

  override close(client: C): void {
    client.destroy();
  }

  /** Builds the client from the shared settings. */
  protected abstract createClient(settings: AwsClientSettings): C;
}
