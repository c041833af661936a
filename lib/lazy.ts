/**
 * The heavy dependencies (the AWS SDK, knex, the CSV parser), loaded when first
 * used rather than when bigrays is imported: a job that never touches S3 never pays for it.
 *
 * And the optional ones (package.json `peerDependenciesMeta`), which a project installs only
 * for the jobs that need them: when one is missing, the error says which npm command adds it.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import { ConfigurationError } from './errors';

export const s3Sdk = (): typeof import('@aws-sdk/client-s3') => require('@aws-sdk/client-s3');
export const snsSdk = (): typeof import('@aws-sdk/client-sns') => require('@aws-sdk/client-sns');
export const ssmSdk = (): typeof import('@aws-sdk/client-ssm') => require('@aws-sdk/client-ssm');
export const secretsManagerSdk = (): typeof import('@aws-sdk/client-secrets-manager') => require('@aws-sdk/client-secrets-manager');
export const uploads = (): typeof import('@aws-sdk/lib-storage') => require('@aws-sdk/lib-storage');
export const knexFactory = (): typeof import('knex').knex => require('knex');
export const csvParse = (): typeof import('csv-parse') => require('csv-parse');

/**
 * danfojs-node's install, as one command: the `overrides` danfojs-node 1.2 needs to install
 * from the npm registry alone, and core-js' install script (a banner) declined.
 */
export const DANFO_INSTALL =
  'npm pkg set overrides.@tensorflow/tfjs-node=npm:@tensorflow/tfjs@3.21.0 overrides.xlsx=0.18.5 && npm pkg set allowScripts.core-js=false --json && npm install danfojs-node';

/** Whether `error` is Node's "not found" for the package `name` itself (not for a module it requires). */
export function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && new RegExp(`Cannot find (module|package) '${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`).test(message);
}

/** The error for an optional package that is not installed: what needs it, and the command that adds it. */
export function missingPackage(name: string, neededFor: string, install = `npm install ${name}`, cause?: unknown): ConfigurationError {
  return new ConfigurationError(`${neededFor} needs the ${name} package, which is not installed: run \`${install}\``, { cause });
}

/** An optional package a SQL dialect's driver is (knex loads it; bigrays checks it is there first). */
export interface DriverPackage {
  /** The npm package (`pg`). */
  readonly name: string;
  /** The command that installs it (`npm install pg`). */
  readonly install: string;
  /**
   * Checks that the package, loaded, can work here (a native module built for this Node.js);
   * throws a ConfigurationError that begins with `neededFor` and says how to fix it.
   */
  verify?(driver: unknown, neededFor: string): void;
}

/**
 * Drivers found installed and working in this process: a memo of a fact about the process, not
 * state (a module loaded and verified stays so, for every runtime in it).
 */
const checkedDrivers = new Set<string>();

/**
 * Drivers whose native module did not load in this process, with the first failure: a module
 * built for another Node.js fails differently when loaded again ("Module did not self-register"),
 * so the first reason is the one told, once, for every DSN that needs the driver.
 */
const brokenDrivers = new Map<string, { error: ConfigurationError; neededFor: string }>();

/**
 * Checks, before any task runs, that the driver of a SQL dialect is installed and loads:
 * a `ConfigurationError` naming `dsnEnv` (the DSN's env var) and the command that fixes it,
 * else nothing. A native driver is also opened once (its `verify`): installed without its
 * install script, or built for another Node.js, it fails here and not in the middle of a run.
 */
export function checkSqlDriver(dialect: { readonly engine: string; readonly driver: DriverPackage }, dsnEnv: string): void {
  const { name, install, verify } = dialect.driver;
  if (checkedDrivers.has(name)) return;
  const neededFor = `A ${dialect.engine} database (${dsnEnv})`;
  let driver: unknown;
  try {
    driver = require(name);
  } catch (error) {
    if (isMissing(error, name)) throw missingPackage(name, neededFor, install, error);
    throw error;
  }
  const broken = brokenDrivers.get(name);
  if (broken) throw new ConfigurationError(neededFor + broken.error.message.slice(broken.neededFor.length), { cause: broken.error.cause });
  try {
    verify?.(driver, neededFor);
  } catch (error) {
    if (error instanceof ConfigurationError && error.message.startsWith(neededFor)) brokenDrivers.set(name, { error, neededFor });
    throw error;
  }
  checkedDrivers.add(name);
}
