/**
 * `SlackPost`: posts a message to a Slack channel through an incoming webhook (config
 * `SLACK_WEBHOOK_URL`, a secret). Left unset, the message is the run's alert text (see
 * alert-text.ts): run it with `runWithExceptions` after the job's tasks to hear what failed.
 */
import { FormatError, formatTemplate, keywordsFor } from '../format';
import { TaskError } from '../errors';
import { attributeName, shown, taskMessage } from '../messages';
import { OutputRef } from '../output';
import type { Resource } from '../resources/resource';
import { slackWebhook, type SlackWebhook } from '../resources/slack-webhook';
import { asRows, isDataFrame } from '../data/frame';
import { jsonText } from '../data/json';
import { someCause } from '../retry';
import { rememberSecret, scrubIn } from '../secrets';
import { Task, taskRun } from '../task';
import { ALERT_TEXT, alertText } from './alert-text';
import { checkAttributes } from './attributes';
import type { TaskInput } from './task-input';

/**
 * Why a POST failed, and whether trying again is safe: only when Slack cannot have posted the
 * message (it answered 429 or 503, or no connection was made).
 */
class SlackFailure extends Error {
  constructor(message: string, readonly transient: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SlackFailure';
  }
}

/** The error codes of a connection that was never made: the message was not sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** The first line of an answer's body, cut short: Slack says `invalid_payload`, `no_service`, … */
function firstLine(body: string): string {
  const line = body.split('\n', 1)[0].trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/**
 * Posts `{ "text": <message> }` to the webhook in config `SLACK_WEBHOOK_URL`. `input` is the
 * message, its `{keyword}` placeholders filled (`{{` and `}}` for literal braces), or a task's
 * output, sent as it is; unset, the run's alert text. An answer other than 2xx fails the task with its status and the answer's
 * first line. Only what cannot have posted the message is tried again as `retries` allows: a
 * 429 or 503 answer, a connection that was never made. The output is the text posted.
 */
export abstract class SlackPost extends Task<string> {
  /** The webhook. @default slackWebhook (config `SLACK_WEBHOOK_URL`) */
  override requiredResource: Resource<SlackWebhook> = slackWebhook;

  /**
   * The message text; `{keyword}` placeholders are filled, `{job}`, `{runId}`, `{failedTask}`, `{error}` among them.
   * A task's output (`X.output`) is sent as it is: a string as the text, another value as JSON.
   * @default the run's alert text: job, run id, failed task, error, host, time (UTC), the tasks' statuses
   */
  input: TaskInput = ALERT_TEXT;

  /** Whether `input` is a task's output (`X.output`) rather than the job's template. */
  #inputIsOutput = false;

  /** How long one POST may wait for Slack's answer, in ms. @default 10000 */
  requestTimeoutMs = 10_000;

  /** Checked before the run (and again when it starts): a text `input` whose keywords are set, a positive `requestTimeoutMs`. */
  override attributeProblems(): string[] {
    const problems: string[] = [];
    const input = this.input;
    // Before the run `input = X.output` is a reference; once resolved, it is sent as it is, never filled as a template.
    if (taskRun(this).running !== true) this.#inputIsOutput = input instanceof OutputRef;
    if (typeof input === 'string' && taskRun(this).running !== true) problems.push(...this.templateProblems(input));
    else if (!this.#inputIsOutput && input !== ALERT_TEXT && typeof input !== 'string' && !(input instanceof OutputRef)) {
      problems.push(`input must be the message text (a string), got ${shown(input)}`);
    }
    const ms = this.requestTimeoutMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) problems.push(`requestTimeoutMs must be a positive number of milliseconds, got ${shown(ms)}`);
    return problems;
  }

  /** What would stop `template` from being filled when the task runs, known now (a task's output aside). */
  private templateProblems(template: string): string[] {
    try {
      formatTemplate(template, keywordsFor(this.formatKws, taskRun(this).runtime));
      return [];
    } catch (error) {
      if (!(error instanceof FormatError)) return [];
      const fix = error.problem === 'missing' ? `: set it with updateFormatKws({ ${error.keyword}: … }) or in ${attributeName(this, 'formatKws')}` : '';
      return [`input: ${error.message}${fix} (write {{ and }} for literal braces)`];
    }
  }

  async run(): Promise<string> {
    checkAttributes(this);
    const text = this.input === ALERT_TEXT ? alertText(this).body : this.messageText();
    if (text.trim() === '') throw new TaskError(taskMessage(this, 'the message is empty: Slack posts no empty message'), { taskName: this.taskName });
    const status = await this.post(text);
    this.recordMetrics({ bytes: Buffer.byteLength(text, 'utf8') });
    this.log('posted %d bytes to Slack (HTTP %d)', Buffer.byteLength(text, 'utf8'), status);
    return text;
  }

  /**
   * Tried again only when Slack cannot have posted the message: it answered 429 or 503, or no
   * connection was made. After a timeout, a reset or a 500 the message may be posted already.
   */
  override canRetry(error: unknown): boolean {
    return someCause(error, (shape) => shape instanceof SlackFailure && shape.transient);
  }

  /** `input` as text: the job's template with its keywords filled; a task's output as it is (other values as JSON, as SNSPublish sends them). */
  private messageText(): string {
    const input = this.input;
    if (typeof input === 'string') return this.#inputIsOutput ? input : this.renderAttribute('input', input);
    try {
      if (input instanceof Uint8Array) return new TextDecoder('utf-8', { fatal: true }).decode(input);
      return jsonText(isDataFrame(input) ? asRows(input) : input);
    } catch (error) {
      throw new TaskError(taskMessage(this, `${attributeName(this, 'input')} cannot be sent as a message (${shown(input, { as: 'kind' })}): ${(error as Error).message}`), {
        cause: error,
        taskName: this.taskName,
      });
    }
  }

  /** POSTs the message; resolves to the HTTP status, or throws a TaskError naming the status and Slack's answer (never the URL). */
  private async post(text: string): Promise<number> {
    const { url } = this.requiredResource.handle;
    const runtime = taskRun(this).runtime;
    for (const part of [url.href, url.pathname]) rememberSecret(part, runtime);
    const signal = AbortSignal.any([this.signal, AbortSignal.timeout(this.requestTimeoutMs)]);
    let answer: Response;
    try {
      answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal,
        redirect: 'error',
      });
    } catch (error) {
      const cause = new SlackFailure('no answer', someCause(error, (shape) => typeof shape.code === 'string' && NOT_CONNECTED.has(shape.code)), { cause: error });
      throw new TaskError(this.scrubbed(`posting to Slack failed: ${this.reason(error, url)}`), { cause, taskName: this.taskName });
    }
    if (answer.ok) {
      // Posted: what Slack says besides (`ok`) changes nothing, and a failure to read it must not fail the task.
      await answer.body?.cancel().catch(() => undefined);
      return answer.status;
    }
    const said = firstLine(await answer.text().catch(() => ''));
    const cause = new SlackFailure(`HTTP ${answer.status}`, answer.status === 429 || answer.status === 503);
    throw new TaskError(
      this.scrubbed(`Slack answered ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}${said ? `: ${said}` : ''}`),
      { cause, taskName: this.taskName },
    );
  }

  /** Why a POST to `url` got no answer: its timeout, or the connection's error (its code and the host, never the URL's path: the token). */
  private reason(error: unknown, url: URL): string {
    if (this.signal.aborted) return 'the task was stopped';
    const name = (error as { name?: unknown })?.name;
    if (name === 'TimeoutError') return `no answer within ${this.requestTimeoutMs} ms (${attributeName(this, 'requestTimeoutMs')})`;
    const cause = (error as { cause?: { code?: unknown } })?.cause;
    if (cause && typeof cause.code === 'string') return `${cause.code} from ${url.host}`;
    return error instanceof Error ? error.message : String(error);
  }

  /** `text` as a message of this task, the webhook URL (its path: the token) and every other secret masked. */
  private scrubbed(text: string): string {
    return scrubIn(taskRun(this).runtime, taskMessage(this, text), this.resolvedConfig);
  }
}
