/**
 * Who a run is: a run id of its own and the name of its job. The job's name keys the job's
 * state and its run lock, and fills `{job}`: config `JOB_NAME` when set, else what the driver
 * calls the job (the `bigrays run` command: the job file's base name), else the base name of
 * the script node runs (`node orders.mjs` → `orders`), else the Lambda function's name, else `job`.
 */
import { randomUUID } from 'node:crypto';
import { basename, extname } from 'node:path';
import { effectiveConfig, envName, isSet } from './config';
import { ConfigurationError } from './errors';
import type { RunIdentity, Runtime } from './runtime';

export type { RunIdentity };

/** What a job's name may hold: it names a state object, a table row and a lock. */
export const JOB_NAME = /^[A-Za-z0-9_.-]{1,200}$/;

/** A file's base name without its extension. */
function scriptName(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const base = basename(path);
  const name = base.slice(0, base.length - extname(base).length);
  return name === '' ? undefined : name;
}

/** The job's name of `runtime`'s runs, as the module comment says; throws ConfigurationError for a name it cannot take. */
export function jobName(runtime: Runtime): string {
  const configured = effectiveConfig(undefined, runtime).JOB_NAME;
  if (isSet(configured)) {
    const name = String(configured);
    if (!JOB_NAME.test(name)) {
      throw new ConfigurationError(
        `${envName('JOB_NAME')} must be letters, digits, \`_\`, \`-\` or \`.\` (at most 200), got \`${name}\`: it names the job's state and its lock`,
        { missing: [envName('JOB_NAME')] },
      );
    }
    return name;
  }
  const derived = runtime.driver?.jobName ?? scriptName(process.argv[1]) ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'job';
  // A file name may hold what a name may not (spaces, unicode): those become `_`.
  return derived.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 200) || 'job';
}

/**
 * A new top-level run's identity. A `STATE_URL` no store can use is refused here too, before
 * any task runs (checked without I/O; the store itself is opened only when a task asks).
 */
export function newIdentity(runtime: Runtime): RunIdentity {
  const identity = { runId: randomUUID(), job: jobName(runtime) };
  // Loaded here, not with the module: the stores' code is needed only once a run starts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./state/open-store') as typeof import('./state/open-store')).checkStateUrl(effectiveConfig(undefined, runtime));
  return identity;
}
