/**
 * The job's script under `bigrays run`, wherever it runs (the job's own process, ./child, or
 * the command's, ../cli/in-process): loads it (TypeScript through tsx, which it registers
 * itself, or JavaScript; see ./loader) with the command's driver installed, so that the job's
 * own `bigraysRun()` calls are the runs. A job that only registers tasks has its registry run
 * once it has nothing else to do. What happens goes to the command through `send`.
 */
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors';
import { registeredTasks } from '../registry';
import { bigraysRun } from '../run/calls';
import type { CommandDriver, Send } from './command-driver';
import { importAsModule, jobLoader, needsModuleFormat, registerTsx } from './loader';
import { sendableError, type SentError } from './messages';

/**
 * The job's own code failed outside any task (an exception from a timer, an unhandled
 * rejection): the command hears why, and the process ends with 1 as node would end it.
 * A run's rejection the job left unhandled was reported with the run already.
 */
async function jobFailed(driver: CommandDriver, send: Send, error: unknown): Promise<void> {
  if (!driver.isRunError(error)) await send({ bigrays: 'job-error', error: sendableError(error) });
  process.exit(1);
}

/** Loads the job script as ./loader says. */
async function loadJob(job: string): Promise<void> {
  const loader = jobLoader(job);
  if (loader !== 'node') {
    // bigrays first, as plain node modules (the job imports it anyway); then tsx, for the job's own files.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../index');
    await registerTsx(loader);
  }
  try {
    // tsx's require hook alone cannot take an import(): such a script is required.
    if (loader === 'tsx-require') require(job);
    else await import(pathToFileURL(job).href);
  } catch (error) {
    // A .ts job awaiting at its top level in a CommonJS project: nothing of it ran; load it as an ES module.
    if (!needsModuleFormat(job, error)) throw error;
    await importAsModule(job);
  }
}

/** A JavaScript job runs on plain node: when it failed to load TypeScript, the message says what to do. */
function withHint(sent: SentError, job: string, error: unknown): SentError {
  const code = (error as { code?: unknown } | null)?.code;
  if (jobLoader(job) === 'node' && code === 'ERR_UNKNOWN_FILE_EXTENSION' && /"\.[cm]?tsx?"/.test(sent.message)) {
    return { ...sent, message: `${sent.message} (a JavaScript job runs on plain node, as \`node\` runs it: write the job in TypeScript, .ts or .mts, to load the TypeScript it imports through tsx)` };
  }
  return sent;
}

/** The error a job's script threw as it loaded; before any run, its message says where in the script. */
function loadError(error: unknown, job: string, beforeAnyRun: boolean): SentError {
  const sent = withHint(sendableError(error), job, error);
  if (!beforeAnyRun) return sent;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadErrorMessage } = require('./load-error') as typeof import('./load-error');
  return { ...sent, message: loadErrorMessage(error, job, sent.message) };
}

/** Runs the job's script under `driver` (installed on the runtime already), telling the command through `send`. */
export async function runJobScript(driver: CommandDriver, send: Send): Promise<void> {
  process.on('uncaughtException', (error) => void jobFailed(driver, send, error));
  process.on('unhandledRejection', (reason) => void jobFailed(driver, send, reason));
  process.on('exit', () => {
    driver.reportCutShort();
    const note = driver.unusedKeywordsNote();
    if (note) process.stderr.write(note);
  });

  const job = driver.options.job;
  try {
    await loadJob(job);
  } catch (error) {
    // An ES module job's top-level `await bigraysRun()` that failed: reported with its run.
    if (driver.isRunError(error)) {
      process.exitCode = 1;
      return;
    }
    await send({ bigrays: 'job-error', error: loadError(error, job, driver.started === 0), load: driver.started === 0 });
    process.exitCode = 1;
    return;
  }
  await send({ bigrays: 'loaded', registered: registeredTasks().map((t) => t.name) });
  // A job that registers its tasks and calls nothing: its registry runs once it is idle.
  process.once('beforeExit', () => {
    if (driver.started > 0) return;
    if (registeredTasks().length === 0) {
      const error = sendableError(new UsageError(`the job ${driver.options.job} registered no tasks and called none: decorate its task classes with @register (from 'bigrays'), or call register(Task)`));
      void send({ bigrays: 'job-error', error }).then(() => {
        process.exitCode = 2;
      });
      return;
    }
    bigraysRun().catch(() => {
      process.exitCode = 1;
    });
  });
}
