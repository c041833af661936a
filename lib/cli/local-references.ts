/**
 * `--local` and config references (`ssm:…`, `secretsmanager:…`): local mode sends nothing to
 * AWS, so it fetches none. A reference in a key local mode sets itself (the AWS keys, region
 * and endpoints; the database's DSN, user and password when it runs on SQLite) is let go: the
 * job's env gets the local value, or none. Any other reference in the environment (or an
 * `--dotenv`) is refused before anything starts, naming each env var. The SSM and Secrets
 * Manager endpoints are cleared for the job, so that no reference is ever fetched from AWS.
 */
import { envName } from '../config';
import { isReference } from '../config-references/reference';
import { ConfigurationError } from '../errors';

/** The keys local mode sets for the job, whatever the environment holds. */
const LOCAL_AWS_KEYS = [
  'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION',
  'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'SSM_ENDPOINT_URL', 'SECRETSMANAGER_ENDPOINT_URL',
];
/** The database keys local mode sets when the job's database is its SQLite file. */
const LOCAL_SQL_KEYS = ['DB_DSN', 'DB_USER', 'DB_PWD'];

/** Whether `env` gives the job a database of its own (a DSN that is no reference): local mode then keeps it. */
export function givesDatabase(env: NodeJS.ProcessEnv): boolean {
  const dsn = env[envName('DB_DSN')];
  return dsn !== undefined && dsn !== '' && !isReference(dsn);
}

/** The env vars of `env` that hold a reference, by name. */
function referencesIn(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((name) => name.startsWith('BIGRAYS_') && isReference(env[name])).sort();
}

/**
 * Refuses, before a local run or `bigrays state … --local`, a reference local mode would have to
 * fetch; resolves to what the job's env gets instead of those it lets go (empty values), and
 * empty SSM and Secrets Manager endpoints.
 */
export function refuseLocalReferences(env: NodeJS.ProcessEnv): Record<string, string> {
  const local = [...LOCAL_AWS_KEYS, ...(givesDatabase(env) ? [] : LOCAL_SQL_KEYS)].map(envName);
  const refused = referencesIn(env).filter((name) => !local.includes(name));
  if (refused.length > 0) {
    throw new ConfigurationError(
      `Local mode sends nothing to AWS, so it fetches no config reference:\n  ${refused.map((name) => `${name} = ${String(env[name]).trim()}`).join('\n  ')}\n` +
        'Set these to their values for the local run (in the environment or a --dotenv file), or run without --local.',
      { missing: refused },
    );
  }
  const cleared: Record<string, string> = {};
  for (const name of local) if (isReference(env[name])) cleared[name] = '';
  for (const key of ['SSM_ENDPOINT_URL', 'SECRETSMANAGER_ENDPOINT_URL']) cleared[envName(key)] = '';
  return cleared;
}
