/**
 * `bigrays/lambda`: a job as an AWS Lambda function.
 *
 * @example
 * // job.ts, bundled as the function's code; handler: job.handler
 * import { register, SQLStream, ToS3 } from 'bigrays';
 * import { lambdaHandler } from 'bigrays/lambda';
 *
 * @register class Events extends SQLStream { query = 'select * from events where day = {day!q}'; }
 * @register class Upload extends ToS3 { input = Events.output; bucket = 'exports'; key = 'events/{day}.csv.gz'; }
 *
 * export const handler = lambdaHandler();   // invoked with { "day": "2026-03-01" }
 */
import { BigraysError } from './errors';
import type { FormatKws } from './format';
import { masked } from './messages';
import { registeredTasks } from './registry';
import type { RunReport } from './report';
import { runTasks } from './run';
import type { BaseTask, TaskClass } from './task';
import { summary } from './summary';

/** What the Lambda runtime passes as the handler's second argument (the parts bigrays uses). */
export interface LambdaContext {
  /** Milliseconds left before Lambda ends the invocation. */
  getRemainingTimeInMillis?(): number;
  awsRequestId?: string;
}

export interface LambdaHandlerOptions {
  /** The tasks to run, in order. @default the registered tasks, as `bigraysRun()` runs them */
  tasks?: TaskClass[];
  /**
   * The format keywords of one invocation. @default the event's top-level strings, numbers and
   * booleans (`{ "day": "2026-03-01" }` fills `{day}`)
   */
  keywords?(event: unknown): FormatKws;
  /**
   * How long before Lambda's own time limit the run is stopped, so that the running task is
   * aborted (its query cancelled, its upload aborted), resources are closed and the report
   * is logged before Lambda ends the process. @default 5000
   */
  stopBeforeMs?: number;
}

/** The event's top-level strings, numbers and booleans. */
export function eventKeywords(event: unknown): FormatKws {
  const keywords: FormatKws = {};
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return keywords;
  for (const [key, value] of Object.entries(event)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) Object.defineProperty(keywords, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return keywords;
}

/**
 * A Lambda handler that runs the job once per invocation: the event's fields become format
 * keywords for that invocation only (each task's `this.keywords`, over the global ones), the
 * run stops `stopBeforeMs` before Lambda's time is up, and the handler resolves to the run
 * report, or throws the run's `BigraysError` (its `report` attached) when a task failed. The
 * summary goes to the log (stdout, CloudWatch) either way. Config values that are references
 * (`ssm:/name`, `secretsmanager:name#key`) are fetched by the first invocation and kept on the
 * runtime: the warm invocations after it reuse them while they are younger than
 * `SECRETS_CACHE_MS` (default 5 minutes), then fetch them again.
 */
export function lambdaHandler(options: LambdaHandlerOptions = {}): (event: unknown, context?: LambdaContext) => Promise<RunReport> {
  const keywordsOf = options.keywords ?? eventKeywords;
  const stopBeforeMs = options.stopBeforeMs ?? 5000;
  return async (event, context) => {
    const keywords = keywordsOf(event);
    const tasks = options.tasks ?? registeredTasks();
    if (tasks.length === 0) {
      throw new BigraysError('lambdaHandler: no tasks to run: register the job\'s tasks (@register) in the module that exports the handler, or pass { tasks }');
    }
    const stop = new AbortController();
    const left = context?.getRemainingTimeInMillis?.();
    const timer = left === undefined ? undefined : setTimeout(() => {
      stop.abort(new BigraysError(`the Lambda invocation's time was nearly up (stopped ${stopBeforeMs} ms before its end)`));
    }, Math.max(0, left - stopBeforeMs));
    timer?.unref();
    const started = Date.now();
    try {
      const report = await runTasks(tasks, {
        signal: stop.signal,
        // This invocation's keywords, under the task's own formatKws.
        overlay: (task: BaseTask<unknown>) => {
          task.formatKws = { ...keywords, ...(task.formatKws ?? {}) };
        },
        unsetKeyword: options.keywords
          ? (_name, task) => `return it from the handler's keywords(event), or set it in ${task}.formatKws`
          : (name) => `add it to the invocation's event: { ${JSON.stringify(name)}: … }`,
      });
      console.log(summary(report, Date.now() - started));
      return report;
    } catch (error) {
      const report = (error as BigraysError).report;
      console.error(`${report ? `${summary(report, Date.now() - started)}\n` : ''}${masked((error as Error).message)}`);
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
}
