/**
 * `bigrays state show|set|reset <job>`: a job's state document, read or changed by hand, in the
 * store the job's runs use (the same config: the environment, `--dotenv`, `--local`, its
 * `ssm:` / `secretsmanager:` references fetched first). A
 * change is a conditional read-modify-write, as a run's commit is: a run that commits in
 * between makes it fail (try again) rather than be lost.
 */
import { effectiveConfig, isSet, type ConfigValues } from '../config';
import { fetchReferences } from '../config-references/fetch-references';
import { BigraysError, UsageError } from '../errors';
import { LOCAL_STATE_DIR } from '../job/local-overlay';
import { JOB_NAME, LEASE_SUFFIX } from '../run-identity';
import { currentRuntime } from '../runtime';
import { asStateDocument, type StateDocument } from '../state/job-state';
import { openStateStore } from '../state/open-store';
import { StateConflictError, type StateStore } from '../state/store';
import type { StateCommand } from './args';
import { refuseLocalReferences } from './local-references';
import { toJson } from './output';

/** The config the command reads the state with: the environment's, and with --local the local folder unless BIGRAYS_STATE_URL is set. */
function stateConfig(command: StateCommand): ConfigValues {
  const config = effectiveConfig();
  return command.local && !isSet(config.STATE_URL) ? { ...config, STATE_URL: LOCAL_STATE_DIR } : config;
}

/** A JSON string, or a number: the integers among numbers (a run of digits, no `.` or exponent after it). */
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|(-?\d+)(?![.eE\d])|-?\d[\d.eE+-]*/g;

/**
 * `set`'s value: JSON if it parses, else the text as it is. An integer too large for a JSON
 * number to hold exactly (past ±2^53 - 1) is kept as its string of digits, as cursors are.
 */
export function parseStateValue(text: string): unknown {
  try {
    JSON.parse(text);
  } catch {
    return text;
  }
  return JSON.parse(text.replace(JSON_TOKEN, (token, integer: string | undefined) =>
    integer !== undefined && !Number.isSafeInteger(Number(integer)) ? `"${integer}"` : token));
}

/** `document` with `value` at `path` (`Task` or `Task.key.key…`) of its tasks; objects are made along the way. */
function withValue(document: StateDocument, path: string, value: unknown): StateDocument {
  const [task, ...keys] = path.split('.');
  const tasks = { ...document.tasks };
  if (keys.length === 0) {
    tasks[task] = value;
    return { ...document, tasks };
  }
  const root = isObject(tasks[task]) ? structuredClone(tasks[task]) : {};
  let node = root;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
  tasks[task] = root;
  return { ...document, tasks };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkArguments(command: StateCommand): void {
  if (!JOB_NAME.test(command.job) || LEASE_SUFFIX.test(command.job)) {
    throw new UsageError(`a job's name is letters, digits, \`_\`, \`-\` or \`.\` (at most 190), not ending in \`.lock\` (a run lock's lease), got \`${command.job}\``);
  }
  if (command.path !== undefined && command.path.split('.').some((part) => part === '' || part === '__proto__')) {
    throw new UsageError(`name a task, and keys after it joined by dots (Task or Task.key), got \`${command.path}\``);
  }
  if (command.action === 'reset' && command.path?.includes('.')) {
    throw new UsageError(`reset takes a task's name, got \`${command.path}\`: use \`bigrays state set\` to change a key`);
  }
}

/** What `show` prints: the document, or that there is none. */
async function show(store: StateStore, command: StateCommand): Promise<string> {
  const found = await store.read(command.job);
  if (found === undefined) return command.json ? 'null' : `no state for job ${command.job} in ${store.where}`;
  const document = asStateDocument(found.value, command.job, store.where);
  return command.json ? JSON.stringify(document) : toJson(document);
}

/** `set` and `reset Task`: the document changed and written if it is still the version read. */
async function change(store: StateStore, command: StateCommand): Promise<string> {
  const found = await store.read(command.job);
  const document = asStateDocument(found?.value, command.job, store.where);
  const task = command.path!.split('.')[0];
  if (command.action === 'reset' && !Object.hasOwn(document.tasks, task)) return `job ${command.job} keeps no state for ${task}: nothing to reset`;
  const next = command.action === 'set' ? withValue(document, command.path!, parseStateValue(command.value!)) : withoutTask(document, task);
  // A change by hand is no run's: the document no longer names the run that wrote it.
  const { runId: _lastRun, ...rest } = next;
  await store.write(command.job, { ...rest, updatedAt: new Date().toISOString() }, found?.version);
  return command.action === 'set' ? `set ${command.path} of job ${command.job} in ${store.where}` : `removed the state of ${task} from job ${command.job} in ${store.where}`;
}

function withoutTask(document: StateDocument, task: string): StateDocument {
  const tasks = { ...document.tasks };
  delete tasks[task];
  return { ...document, tasks };
}

/** `reset <job>`: the whole document removed, if it is still the version read. */
async function resetAll(store: StateStore, command: StateCommand): Promise<string> {
  const found = await store.read(command.job);
  if (found === undefined) return `no state for job ${command.job} in ${store.where}: nothing to reset`;
  await store.remove(command.job, found.version);
  return `removed the state of job ${command.job} from ${store.where}`;
}

/** Runs `command`; resolves to what it prints. Errors say what to fix. */
export async function stateCommand(command: StateCommand): Promise<string> {
  checkArguments(command);
  // STATE_URL (or the DSN's password) may be an `ssm:` / `secretsmanager:` reference, as in a run; local mode fetches nothing.
  if (command.local) refuseLocalReferences(process.env);
  else await fetchReferences(currentRuntime(), []);
  const store = await openStateStore(stateConfig(command));
  try {
    if (command.action === 'show') return await show(store, command);
    if (command.action === 'reset' && command.path === undefined) return await resetAll(store, command);
    return await change(store, command);
  } catch (error) {
    if (error instanceof StateConflictError) {
      throw new BigraysError(`the state of job ${command.job} changed while this command ran (a run committed?); nothing was written: run it again`, { cause: error });
    }
    throw error;
  } finally {
    await store.close();
  }
}
