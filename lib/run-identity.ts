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
export const JOB_NAME = /^[A-Za-z0-9_.-]{1,190}$/;
/** The suffix of a run lock's lease beside the job's state: no job's own name may end so. */
export const LEASE_SUFFIX = /\.lock$/i;

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
    if (!JOB_NAME.test(name) || LEASE_SUFFIX.test(name)) {
      throw new ConfigurationError(
        `${envName('JOB_NAME')} must be letters, digits, \`_\`, \`-\` or \`.\` (at most 190), not ending in \`.lock\`, got \`${name}\`: it names the job's state and its lock`,
        { missing: [envName('JOB_NAME')] },
      );
    }
    return name;
  }
  const derived = runtime.driver?.jobName ?? scriptName(process.argv[1]) ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'job';
  // A file name may hold what a name may not (spaces, unicode): those become `_`.
  const name = derived.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 190) || 'job';
  return LEASE_SUFFIX.test(name) ? `${name.slice(0, -'.lock'.length)}_lock` : name;
}

/** A new top-level run's identity. */
export function newIdentity(runtime: Runtime): RunIdentity {
  return { runId: randomUUID(), job: jobName(runtime) };
}
