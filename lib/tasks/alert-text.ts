/**
 * The text an alert task (SNSPublishEmail, SlackPost) sends when the job gives none: after a
 * task failed, what failed and where — job, run id, failed task, error, host, time (UTC) and
 * the tasks' statuses so far; when no task failed before it, a line that says so, with the same
 * details. It is made from the task's keywords, so `{job}` and the rest read as the job set them.
 */
import { hostname } from 'node:os';
import { keywordsFor } from '../format';
import { activeContext, type RunContext } from '../output';
import { taskRun, type BaseTask } from '../task';

/** What an alert task's `input` is until the job sets one: the run's alert text, made when the task runs. */
export const ALERT_TEXT: unique symbol = Symbol('the run alert text');

/** A subject line and a message. */
export interface AlertText {
  subject: string;
  body: string;
}

/** `text` cut to `limit` characters (code points), ending in `…` when cut. */
export function fitted(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

/** The run the task runs in, or the outermost one it is nested in. */
function outermost(context: RunContext | undefined): RunContext | undefined {
  let root = context;
  while (root?.parent) root = root.parent;
  return root;
}

/** `Extract ok, Load failed, Alert running, Archive pending`: the tasks of the run, in order. */
function statuses(context: RunContext | undefined): string | undefined {
  const states = outermost(context)?.states;
  if (!states || states.size === 0) return undefined;
  return [...states].map(([cls, state]) => `${cls.name} ${state}`).join(', ');
}

/** The alert text of `task` as it runs now (`now`: the time it states). */
export function alertText(task: BaseTask<unknown>, now: Date = new Date()): AlertText {
  const runtime = taskRun(task).runtime;
  const kws = keywordsFor(task.formatKws, runtime);
  const text = (name: string): string => (kws[name] === undefined || kws[name] === null ? '' : String(kws[name]));
  const job = text('job') || 'job';
  const failedTask = text('failedTask');
  const headline = failedTask ? `bigrays: ${job} failed at ${failedTask}` : `bigrays: ${job}: no task failed before ${task.taskName}`;
  const lines = [headline, '', `Job: ${job}`, `Run id: ${text('runId')}`];
  if (failedTask) lines.push(`Failed task: ${failedTask}`, `Error: ${text('error')}`);
  lines.push(`Host: ${hostname()}`, `Time (UTC): ${now.toISOString()}`);
  const tasks = statuses(activeContext(runtime));
  if (tasks) lines.push(`Tasks: ${tasks}`);
  return { subject: headline, body: lines.join('\n') };
}
