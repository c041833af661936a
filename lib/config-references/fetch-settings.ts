/**
 * Where config references are fetched from, and as whom: the AWS settings of the job's
 * configuration (`BigraysConfig` and the env, as written), taken as the S3 and SNS clients take
 * them (lib/resources/aws.ts), except that `SSM_ENDPOINT_URL` / `SECRETSMANAGER_ENDPOINT_URL`
 * win over `AWS_ENDPOINT_URL` for their service, and that the AWS keys are optional: without
 * them (or when they are references themselves) the SDK's default credential chain is used.
 */
import { configMs, envName, isSet, type ConfigValues } from '../config';
import { ConfigurationError } from '../errors';
import { awsClientSettings, awsSetting, type AwsClientSettings } from '../resources/aws';
import { isReference, type ReferenceService } from './reference';

/** The endpoint key of each service, which wins over AWS_ENDPOINT_URL. */
export const ENDPOINT_KEYS: Readonly<Record<ReferenceService, string>> = {
  ssm: 'SSM_ENDPOINT_URL',
  secretsmanager: 'SECRETSMANAGER_ENDPOINT_URL',
};

/** The keys that say where and how references are fetched: they cannot be references themselves. */
const FETCH_KEYS = ['AWS_REGION', 'AWS_ENDPOINT_URL', ...Object.values(ENDPOINT_KEYS), 'AWS_CONNECT_TIMEOUT_MS', 'AWS_REQUEST_TIMEOUT_MS', 'SECRETS_CACHE_MS'];

/** The credential keys: a reference among them is fetched with the default credential chain. */
const CREDENTIAL_KEYS = ['AWS_ACCESS_KEY_ID', 'S3_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'S3_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** How long a fetched value serves later runs when SECRETS_CACHE_MS is not set, in ms. */
export const DEFAULT_CACHE_MS = 300_000;

/** `config` checked for fetching: none of the keys that say where to fetch is itself a reference, each endpoint is an http(s) URL. */
export function checkFetchConfig(config: ConfigValues): void {
  for (const key of FETCH_KEYS) {
    if (isReference(config[key])) {
      throw new ConfigurationError(
        `${envName(key)} is \`${String(config[key]).trim()}\`, a reference, but it says where and how references are fetched: set it to its value`,
        { missing: [envName(key)] },
      );
    }
  }
  for (const key of Object.values(ENDPOINT_KEYS)) endpointOf(config, key);
  cacheMs(config);
}

/** How long a fetched value serves later runs (`SECRETS_CACHE_MS`): 0 or more ms. */
export function cacheMs(config: ConfigValues): number {
  const value = config.SECRETS_CACHE_MS;
  if (!isSet(value)) return DEFAULT_CACHE_MS;
  if (Number(String(value).trim()) === 0) return 0;
  return configMs(config, 'SECRETS_CACHE_MS') ?? DEFAULT_CACHE_MS;
}

/** The endpoint `key` sets, checked; undefined when it is not set. */
function endpointOf(config: ConfigValues, key: string): string | undefined {
  const value = awsSetting(config, key);
  if (value === undefined) return undefined;
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    /* not a URL: refused below */
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new ConfigurationError(`${envName(key)} must be an http(s) URL such as https://ssm.eu-west-1.amazonaws.com, got \`${value}\``, {
      missing: [envName(key)],
    });
  }
  return value;
}

/** The client settings for `service`, from `config` (checked by `checkFetchConfig`). */
export async function fetchSettings(config: ConfigValues, service: ReferenceService): Promise<AwsClientSettings> {
  const own: ConfigValues = { ...config };
  for (const key of CREDENTIAL_KEYS) if (isReference(own[key])) delete own[key];
  const endpoint = endpointOf(config, ENDPOINT_KEYS[service]);
  if (endpoint !== undefined) own.AWS_ENDPOINT_URL = endpoint;
  return awsClientSettings(own);
}

/** Where `settings` fetch from, as a cache tells sources apart: service, region, endpoint, and whose keys. */
export function sourceOf(service: ReferenceService, settings: AwsClientSettings): string {
  return [service, settings.region, settings.endpoint ?? 'aws', settings.credentials?.accessKeyId ?? 'default chain'].join(' ');
}

/** Where a message says a reference was fetched: `region us-east-1, endpoint http://…`. */
export function describeSource(settings: AwsClientSettings): string {
  return `region ${settings.region}${settings.endpoint === undefined ? '' : `, endpoint ${settings.endpoint}`}`;
}
