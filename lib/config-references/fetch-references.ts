/**
 * The config references of a run, fetched before it opens anything: each distinct reference
 * among the job's configuration (env, `--dotenv`, `BigraysConfig.X = …`) and its tasks'
 * `resourceConfig` is fetched once (or reused from the runtime's cache while younger than
 * `SECRETS_CACHE_MS`), remembered as a secret so that every output masks it, and from then on
 * read in its place wherever its key is read. One that cannot be fetched stops the run with a
 * `ConfigurationError` naming the key, the reference and the fix.
 *
 * - A dry run fetches too: it proves the references resolve, and its plan masks the values.
 *   `bigrays config` fetches nothing: it shows a reference as written.
 * - `BigraysConfig.X` reads the value once a run of its runtime fetched it; before, the
 *   reference as written.
 * - References are fetched with the job's AWS settings (./fetch-settings.ts), never with the
 *   AWS keys of a task's `resourceConfig`, which are that task's resource's.
 */
import { configAsWritten, envName, type ConfigValues } from '../config';
import { ConfigurationError } from '../errors';
import { logger } from '../log';
import type { Runtime } from '../runtime';
import { rememberSecret, rememberSecrets } from '../secrets';
import { cacheMs, checkFetchConfig } from './fetch-settings';
import { isMalformed, parseReference, type ConfigReference, type MalformedReference } from './reference';
import { ReferenceFetcher } from './reference-fetcher';
import { ReferenceProblem } from './reference-problem';

const log = logger('references');

/** A task as the fetch sees it: its name and its own config. */
export interface TaskConfigs {
  readonly name: string;
  readonly resourceConfig?: ConfigValues | null;
}

/** Where a reference is written: the config key, and how a message names the place. */
interface Place {
  readonly key: string;
  /** `BIGRAYS_DB_PWD`, `BigraysConfig.DB_PWD`, `resourceConfig.DB_PWD of Load`. */
  readonly label: string;
  /** The env var that sets it, for the error's `missing`. */
  readonly env: string;
}

interface Found {
  readonly parsed: ConfigReference | MalformedReference;
  readonly places: Place[];
}

/** Every reference in the job's configuration and the tasks' own, with the places it is written. */
function collect(runtime: Runtime, tasks: readonly TaskConfigs[]): Map<string, Found> {
  const found = new Map<string, Found>();
  const add = (value: unknown, place: Place): void => {
    const parsed = parseReference(value);
    if (!parsed) return;
    const entry = found.get(parsed.text) ?? { parsed, places: [] };
    if (!entry.places.some((p) => p.label === place.label)) entry.places.push(place);
    found.set(parsed.text, entry);
  };
  for (const [key, value] of Object.entries(configAsWritten(undefined, runtime))) {
    add(value, { key, label: runtime.config.has(key) ? `BigraysConfig.${key}` : envName(key), env: envName(key) });
  }
  for (const task of tasks) {
    for (const [key, value] of Object.entries(task.resourceConfig ?? {})) {
      add(value, { key, label: `resourceConfig.${key} of ${task.name}`, env: envName(key) });
    }
  }
  return found;
}

/** One line of the error: where the reference is written, what it is, why it failed, the fix. */
function problemLine(text: string, places: Place[], why: string, fix: string): string {
  return `${places.map((p) => p.label).join(', ')} = ${text}: ${why}. Fix: ${fix}`;
}

/** Fetches (or takes from the cache) one reference; remembers its value as a secret. A failure is a line of the error. */
async function settle(
  reference: ConfigReference, places: Place[], fetcher: ReferenceFetcher, runtime: Runtime, maxAgeMs: number,
): Promise<string | undefined> {
  try {
    const source = await fetcher.source(reference.service);
    const now = Date.now();
    let value = runtime.references.fresh(reference.text, source, maxAgeMs, now);
    if (value === undefined) {
      value = await fetcher.fetch(reference);
      runtime.references.store(reference.text, value, source, now);
    } else {
      log('%s: the value fetched earlier serves this run', reference.text);
    }
    rememberSecret(value, runtime);
    for (const { key } of places) rememberSecrets({ [key]: value }, runtime);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    const problem = error instanceof ReferenceProblem ? error : new ReferenceProblem(`fetching it failed (${(error as Error)?.message ?? String(error)})`, 'run again');
    return problemLine(reference.text, places, problem.why, problem.fix);
  }
}

/** The line of the error for a reference that could not be fetched, with the places it is written; undefined once fetched. */
async function settleFound({ parsed, places }: Found, fetcher: ReferenceFetcher, runtime: Runtime, maxAgeMs: number): Promise<{ line: string; places: Place[] } | undefined> {
  const line = isMalformed(parsed)
    ? problemLine(parsed.text, places, `it cannot be read as a reference (${parsed.problem})`, 'write ssm:/path/name, secretsmanager:name or secretsmanager:name#key')
    : await settle(parsed, places, fetcher, runtime, maxAgeMs);
  return line === undefined ? undefined : { line, places };
}

/**
 * Fetches the references of a run of `runtime` whose tasks are `tasks`, before anything of it
 * opens; loads no AWS SDK when there are none. A top-level run fetches each reference whose
 * value is older than `SECRETS_CACHE_MS`; a run nested in a task only those not fetched yet,
 * so that the values do not change in the middle of a run. Throws `ConfigurationError` listing
 * each one that could not be fetched.
 */
export async function fetchReferences(runtime: Runtime, tasks: readonly TaskConfigs[], options: { nested?: boolean } = {}): Promise<void> {
  const found = collect(runtime, tasks);
  if (found.size === 0) return;
  const config = configAsWritten(undefined, runtime);
  checkFetchConfig(config);
  const maxAgeMs = options.nested ? Infinity : cacheMs(config);
  const fetcher = new ReferenceFetcher(config);
  let failures: Array<{ line: string; places: Place[] }>;
  try {
    const settled = await Promise.all([...found.values()].map((entry) => settleFound(entry, fetcher, runtime, maxAgeMs)));
    failures = settled.filter((failure) => failure !== undefined);
  } finally {
    await fetcher.close();
  }
  if (failures.length === 0) return;
  throw new ConfigurationError(
    `Could not fetch ${failures.length === 1 ? 'a config value' : `${failures.length} config values`} from AWS before the run:\n  ${failures.map((f) => f.line).join('\n  ')}`,
    { missing: [...new Set(failures.flatMap((f) => f.places.map((p) => p.env)))] },
  );
}
