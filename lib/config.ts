/**
 * `BigraysConfig`: a value assigned in code, else env `BIGRAYS_<KEY>`, else the default.
 * Read when used, never at import. A value that is a reference (`ssm:/name`,
 * `secretsmanager:name#key`, see config-references/) reads as the value a run fetched for it,
 * once fetched.
 */
import { ConfigurationError } from './errors';
import { currentRuntime, type Runtime } from './runtime';

/** A bag of configuration values, as a resource's `open(config)` receives it. */
export type ConfigValues = Record<string, unknown>;

export interface ConfigKeyInfo {
  /** One line of help, shown by `bigrays config`. */
  help: string;
  /** The value when neither code nor environment sets one. */
  default?: unknown;
  /** Masked wherever it is shown. */
  secret?: boolean;
}

/** Every configuration key bigrays knows, with its help and default. */
export const KNOWN_CONFIG: Readonly<Record<string, ConfigKeyInfo>> = Object.freeze({
  DB_DSN: { help: 'Database URL: postgres://…, mysql://…, mssql://…, sqlite:<path> or sqlite::memory: (percent-encode @ / # ? % in the user and password)', secret: false },
  DB_USER: { help: 'Database user; overrides the user in DB_DSN' },
  DB_PWD: { help: 'Database password; overrides the password in DB_DSN', secret: true },
  AWS_ACCESS_KEY_ID: { help: 'AWS access key id (alias: S3_ACCESS_KEY_ID)' },
  AWS_SECRET_ACCESS_KEY: { help: 'AWS secret access key (alias: S3_SECRET_ACCESS_KEY)', secret: true },
  AWS_SESSION_TOKEN: { help: 'AWS session token, for temporary credentials', secret: true },
  AWS_REGION: { help: 'AWS region, e.g. us-east-1' },
  AWS_REQUIRE_SECRETS: {
    help: 'Require the AWS keys above (false: use the AWS default credential chain: roles, profiles)',
    default: true,
  },
  AWS_ENDPOINT_URL: { help: 'S3/SNS-compatible endpoint URL (S3 then uses path-style addressing)' },
  DB_CONNECT_TIMEOUT_MS: { help: 'How long opening a database connection may take, in ms', default: 15_000 },
  DB_STATEMENT_TIMEOUT_MS: {
    help: 'How long one SQL statement may run, in ms, enforced by the server and by bigrays (unset: no limit)',
  },
  DB_IDLE_TIMEOUT_MS: {
    help: 'How long a streamed read or load (SQLStream, COPY, SQLWrite) may move no bytes before it fails, in ms',
    default: 600_000,
  },
  AWS_CONNECT_TIMEOUT_MS: { help: 'How long connecting to S3/SNS may take, in ms', default: 10_000 },
  AWS_REQUEST_TIMEOUT_MS: {
    help: 'How long an S3/SNS request may send and receive nothing before it fails, in ms',
    default: 120_000,
  },
  TASK_TIMEOUT_MS: { help: "Every task's deadline, in ms, unless the task sets timeoutMs (unset: none)" },
  PROGRESS: { help: 'Progress lines while a job runs: 0 for none; 1 turns them on for a job run by node itself (on by default under `bigrays run`)' },
  PROGRESS_INTERVAL_MS: { help: 'How often a running task reports its rows and bytes so far, in ms', default: 5000 },
  RUN_LOG: { help: 'A file that `bigrays run` appends one JSON line to for every run (as --record FILE)' },
  JOB_NAME: { help: "The job's name (its state, its lock, {job}); default: the job file's base name" },
  SLACK_WEBHOOK_URL: { help: 'The Slack incoming-webhook URL SlackPost posts to (https://hooks.slack.com/services/…)', secret: true },
  STATE_URL: { help: 'Where jobs keep their state: s3://bucket/prefix/, a database URL, or a folder (default: .bigrays/state)' },
  SSM_ENDPOINT_URL: { help: 'Endpoint URL for SSM Parameter Store, where ssm:… config values are fetched (default: AWS_ENDPOINT_URL, else AWS)' },
  SECRETSMANAGER_ENDPOINT_URL: {
    help: 'Endpoint URL for Secrets Manager, where secretsmanager:… config values are fetched (default: AWS_ENDPOINT_URL, else AWS)',
  },
  SECRETS_CACHE_MS: {
    help: 'How long a value fetched for an ssm:… or secretsmanager:… config value serves later runs of the process (warm Lambda invocations), in ms; 0: fetched for every run',
    default: 300_000,
  },
  LOCK: { help: "Hold the job's run lock while it runs, so that two runs of a job never overlap (as --lock)", default: false },
  LOCK_WAIT_MS: { help: "How long a run waits for the job's run lock another run holds, in ms (as --wait-lock MS; 0: fail at once)", default: 0 },
  LOCK_LEASE_MS: { help: "How long a run lock's lease in the state store outlives a run that stopped renewing it (killed), in ms", default: 60_000 },
  QUERY_TEXT_MB: { help: "Millions of characters of text an SQLQuery result keeps in memory; the rest goes to a file in the OS temp folder (TMPDIR) until the result is let go of (0: all of it)", default: 256 },
  S3_ACCESS_KEY_ID: { help: 'Alias of AWS_ACCESS_KEY_ID' },
  S3_SECRET_ACCESS_KEY: { help: 'Alias of AWS_SECRET_ACCESS_KEY', secret: true },
});

const ENV_PREFIX = 'BIGRAYS_';

/** The env var that sets config key `key`. */
export function envName(key: string): string {
  return ENV_PREFIX + key;
}

/** The value of `key` as written: assigned in code, else from the env, else the default. */
function written(key: string, runtime: Runtime): unknown {
  const assigned = runtime.config;
  if (assigned.has(key)) return assigned.get(key);
  const fromEnv = process.env[envName(key)];
  if (fromEnv !== undefined) return fromEnv;
  return Object.prototype.hasOwnProperty.call(KNOWN_CONFIG, key) ? KNOWN_CONFIG[key].default : undefined;
}

/** The value of `key`: as written, or, for a reference (`ssm:…`) the run fetched, the value fetched. */
function resolve(key: string, runtime: Runtime = currentRuntime()): unknown {
  return runtime.references.valueOf(written(key, runtime));
}

function keys(runtime: Runtime = currentRuntime()): string[] {
  const all = new Set<string>(Object.keys(KNOWN_CONFIG));
  for (const name of Object.keys(process.env)) {
    if (name.startsWith(ENV_PREFIX) && name.length > ENV_PREFIX.length) all.add(name.slice(ENV_PREFIX.length));
  }
  for (const key of runtime.config.keys()) all.add(key);
  return [...all];
}

/**
 * The configuration. `BigraysConfig.X` is the value assigned in code
 * (`BigraysConfig.AWS_REGION = 'us-east-1'`), else env `BIGRAYS_X`, else the default.
 * `delete BigraysConfig.X` forgets an assigned value.
 */
export const BigraysConfig: Record<string, any> = new Proxy(Object.create(null) as Record<string, any>, {
  get(_target, prop) {
    return typeof prop === 'string' ? resolve(prop) : undefined;
  },
  set(_target, prop, value) {
    if (typeof prop !== 'string') return false;
    currentRuntime().config.set(prop, value);
    return true;
  },
  deleteProperty(_target, prop) {
    if (typeof prop === 'string') currentRuntime().config.delete(prop);
    return true;
  },
  has(_target, prop) {
    return typeof prop === 'string' && resolve(prop) !== undefined;
  },
  ownKeys() {
    return keys().filter((key) => resolve(key) !== undefined);
  },
  getOwnPropertyDescriptor(_target, prop) {
    if (typeof prop !== 'string') return undefined;
    const value = resolve(prop);
    return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
  },
});

/** Forget every value assigned in code (env vars and defaults stay). */
export function resetConfig(): void {
  currentRuntime().config.clear();
}

/** Every known or set key, whether it has a value or not. */
export function configKeys(): string[] {
  return keys().sort();
}

/** The effective configuration for one task: `BigraysConfig` (of `runtime`) with `overrides` merged over it. */
export function effectiveConfig(overrides?: ConfigValues | null, runtime: Runtime = currentRuntime()): ConfigValues {
  const values = configAsWritten(overrides, runtime);
  for (const [key, value] of Object.entries(values)) values[key] = runtime.references.valueOf(value);
  return values;
}

/** `effectiveConfig` with each reference (`ssm:…`, `secretsmanager:…`) as written, not the value fetched for it. */
export function configAsWritten(overrides?: ConfigValues | null, runtime: Runtime = currentRuntime()): ConfigValues {
  const values: ConfigValues = {};
  for (const key of keys(runtime)) {
    const value = written(key, runtime);
    if (value !== undefined) values[key] = value;
  }
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/** Whether a config value counts as set: not undefined, null or an empty string. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'f', 'n', '']);

/** Reads a boolean config value (`true`/`false`, or env strings like `1`, `no`). */
export function configFlag(config: ConfigValues, key: string, fallback = false): boolean {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ConfigurationError(
    `${envName(key)} must be true or false, got \`${String(value)}\`. Set it to true or false.`,
    { missing: [envName(key)] },
  );
}

/**
 * Reads a duration in milliseconds: a positive number (or numeric string); undefined when not
 * set. Throws ConfigurationError naming the env var for anything else.
 */
export function configMs(config: ConfigValues, key: string): number | undefined {
  const value = config[key];
  if (!isSet(value)) return undefined;
  const ms = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new ConfigurationError(
      `${envName(key)} must be a positive number of milliseconds, got \`${String(value)}\``,
      { missing: [envName(key)] },
    );
  }
  return Math.round(ms);
}
