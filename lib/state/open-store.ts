/**
 * The state store config `STATE_URL` names: `s3://bucket/prefix/`, a database URL, or a folder
 * (the default, `.bigrays/state/` under the current directory), one line each in STATE_STORE_KINDS. An unknown kind is
 * an error naming the setting, never a fall-through.
 */
import { resolve } from 'node:path';
import { effectiveConfig, envName, isSet, type ConfigValues } from '../config';
import { ConfigurationError } from '../errors';
import type { Runtime } from '../runtime';
import { maskDsnValue } from '../secrets';
import { dsnForms } from '../resources/sql/dialects';
import { FolderStateStore } from './folder-store';
import { parseS3StateUrl, S3StateStore } from './s3-store';
import { isDatabaseUrl, SqlStateStore } from './sql-store';
import type { StateStore } from './store';

/** A kind of state store: whether a `STATE_URL` is its kind, and how to open it. */
export interface StateStoreKind {
  /** For messages: what the URL looks like. */
  readonly form: string;
  matches(url: string): boolean;
  /** Refuses, without any I/O, a URL of its kind it cannot use (a bad bucket name, a DSN it cannot read). */
  check?(url: string, config: ConfigValues): void;
  open(url: string, config: ConfigValues): Promise<StateStore> | StateStore;
}

/** The folder the state is kept in when `STATE_URL` is not set. */
export const DEFAULT_STATE_FOLDER = '.bigrays/state';

const FOLDER: StateStoreKind = {
  form: 'a folder path (or file:<path>)',
  matches: (url) => url.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(url),
  open: (url) => new FolderStateStore(resolve(url.startsWith('file:') ? url.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : url)),
};

const S3: StateStoreKind = {
  form: 's3://bucket/prefix/',
  matches: (url) => /^s3:/i.test(url),
  check: (url) => void parseS3StateUrl(url),
  open: (url, config) => S3StateStore.open(url, config),
};

const DATABASE: StateStoreKind = {
  form: `a database URL (${dsnForms()})`,
  matches: (url) => isDatabaseUrl(url),
  check: (url, config) => SqlStateStore.check(url, config),
  open: (url, config) => SqlStateStore.open(url, config),
};

/** Every kind of state store, tried in order. */
export const STATE_STORE_KINDS: readonly StateStoreKind[] = [S3, DATABASE, FOLDER];

/** The kind of store `url` names; a ConfigurationError naming the setting and the forms when none. */
function kindOf(url: string): StateStoreKind {
  const kind = STATE_STORE_KINDS.find((k) => k.matches(url));
  if (!kind) {
    throw new ConfigurationError(
      `${envName('STATE_URL')} must be ${STATE_STORE_KINDS.map((k) => k.form).join(', or ')}; got \`${maskDsnValue(url)}\``,
      { missing: [envName('STATE_URL')] },
    );
  }
  return kind;
}

/** `STATE_URL`, else the default folder. */
function stateUrl(config: ConfigValues): string {
  return isSet(config.STATE_URL) ? String(config.STATE_URL) : DEFAULT_STATE_FOLDER;
}

/**
 * The config `runtime`'s runs open their state store and run lock with: the job's, under what
 * its driver fixes (`bigrays run --local`: the local state store, whatever the job assigns in code).
 */
export function runStateConfig(runtime: Runtime): ConfigValues {
  const config = effectiveConfig(undefined, runtime);
  const local = runtime.driver?.local;
  return local ? { ...config, ...local.stateConfig } : config;
}

/** Refuses, before a run starts and without any I/O, a `STATE_URL` no store can use. */
export function checkStateUrl(config: ConfigValues): void {
  const url = stateUrl(config);
  kindOf(url).check?.(url, config);
}

/**
 * On AWS Lambda the default folder is no place for state: the code's folder is read-only and
 * anything written in the container goes with it. A ConfigurationError saying what to set.
 */
function refuseLambdaDefault(config: ConfigValues): void {
  if (isSet(config.STATE_URL) || !process.env.AWS_LAMBDA_FUNCTION_NAME) return;
  throw new ConfigurationError(
    `on AWS Lambda the job's state cannot be kept in the default folder ${DEFAULT_STATE_FOLDER}/ (the function's files are read-only, and what it writes is lost with its container): set ${envName('STATE_URL')} to s3://bucket/prefix/ or a database URL`,
    { missing: [envName('STATE_URL')] },
  );
}

/** Opens the state store `config` names (`STATE_URL`, else the default folder, which Lambda refuses). */
export async function openStateStore(config: ConfigValues): Promise<StateStore> {
  refuseLambdaDefault(config);
  const url = stateUrl(config);
  return kindOf(url).open(url, config);
}
