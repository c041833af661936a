/** SlackPost against a stand-in webhook: what it posts, the alert text by default, Slack's refusals, retries and the webhook's config. */
import { expect } from 'chai';
import { hostname } from 'node:os';
import {
  bigraysRun, BigraysConfig, ConfigurationError, outputOf, register, slackPost, SlackPost, Task, TaskError, TaskInterfaceError, updateFormatKws,
} from '../../lib';
import { LocalOverlay } from '../../lib/job/local-overlay';
import { failure } from '../helpers';
import { freePort } from '../support/ports';
import { startWebhook, type Webhook } from '../support/webhook';

describe('SlackPost', () => {
  let hook: Webhook;
  beforeEach(async () => {
    hook = await startWebhook();
    BigraysConfig.SLACK_WEBHOOK_URL = hook.url;
    BigraysConfig.JOB_NAME = 'orders';
  });
  afterEach(() => hook.close());

  /** Every message the run produced, with the webhook's secret token looked for. */
  function expectNoToken(...texts: string[]): void {
    for (const text of texts) expect(text).not.to.contain(hook.token).and.not.to.contain('hook-Token');
  }

  it('should post {"text": …} with its keywords filled, and output the text', async () => {
    updateFormatKws({ day: '2026-12-06' });
    @register class Done extends SlackPost { input = 'Orders of {day} loaded ({job}) {{ok}}'; }
    const report = await bigraysRun();
    expect(hook.posted).to.have.length(1);
    const [post] = hook.posted;
    expect(post).to.include({ method: 'POST', path: `/services/${hook.token}` });
    expect(post.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(post.body)).to.deep.equal({ text: 'Orders of 2026-12-06 loaded (orders) {ok}' });
    expect(outputOf(Done)).to.equal('Orders of 2026-12-06 loaded (orders) {ok}');
    expect(report.tasks[0]).to.include({ status: 'ok', bytes: Buffer.byteLength('Orders of 2026-12-06 loaded (orders) {ok}') });
  });

  it('should post the run\'s alert text by default: the failed task, the first line of its error, job, run id, host, time and statuses', async () => {
    @register class Extract extends Task<number> { run() { return 1; } }
    @register class Load extends Task<void> { run(): void { throw new Error('duplicate key value violates unique constraint "orders_pkey"\nDETAIL: Key (id)=(7) already exists.'); } }
    @register class Archive extends Task<void> { run() {} }
    @register class Alert extends SlackPost { runWithExceptions = true; }
    const error = await failure(bigraysRun());
    expect(error.message).to.contain('task Load failed');
    const { text } = JSON.parse(hook.posted[0].body) as { text: string };
    const lines = text.split('\n');
    expect(lines[0]).to.equal('bigrays: orders failed at Load');
    expect(lines).to.include('Job: orders');
    expect(lines).to.include('Failed task: Load');
    expect(lines).to.include('Error: Load failed: duplicate key value violates unique constraint "orders_pkey"');
    expect(lines).to.include(`Host: ${hostname()}`);
    expect(lines).to.include('Tasks: Extract ok, Load failed, Archive skipped, Alert running');
    expect(text).not.to.contain('DETAIL');
    expect(text).to.match(/^Run id: [0-9a-f-]{36}$/m);
    expect(text).to.match(/^Time \(UTC\): \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
    expect(error.report!.tasks.map((t) => [t.name, t.status])).to.deep.equal([['Extract', 'ok'], ['Load', 'failed'], ['Archive', 'skipped'], ['Alert', 'ok']]);
    expect(Extract && Archive && Alert).to.be.a('function');
  });

  it('should say no task failed when it runs after a run that went well', async () => {
    @register class Extract extends Task<number> { run() { return 1; } }
    @register class Alert extends SlackPost {}
    await bigraysRun();
    const { text } = JSON.parse(hook.posted[0].body) as { text: string };
    expect(text.split('\n')[0]).to.equal('bigrays: orders: no task failed before Alert');
    expect(text).not.to.contain('Failed task');
    expect(Extract && Alert).to.be.a('function');
  });

  it('should fail with the status and the first line of Slack\'s answer, never the URL, and not retry a 4xx', async () => {
    hook.answers.push({ status: 404, body: 'no_service\nmore' });
    @register class Alert extends SlackPost { input = 'hello'; retries = 2; retryDelayMs = 10; }
    const error = await failure<TaskError>(bigraysRun());
    const [taskError] = error.errors as TaskError[];
    expect(taskError).to.be.instanceOf(TaskError);
    expect(taskError.message).to.equal('Alert: Slack answered 404 Not Found: no_service');
    expect(hook.posted).to.have.length(1);
    expectNoToken(error.message, taskError.message, JSON.stringify(error.report));
    expect(Alert).to.be.a('function');
  });

  it('should try a 429 or 503 again as retries allows', async () => {
    hook.answers.push({ status: 503, body: 'service unavailable' }, { status: 429, body: 'rate_limited' });
    @register class Alert extends SlackPost { input = 'hello'; retries = 2; retryDelayMs = 10; }
    const report = await bigraysRun();
    expect(hook.posted).to.have.length(3);
    expect(report.tasks[0]).to.include({ status: 'ok', attempts: 3 });
    expect(Alert).to.be.a('function');
  });

  it('should not try a 500 again: the message may be posted already', async () => {
    hook.answers.push({ status: 500, body: 'internal error' });
    @register class Alert extends SlackPost { input = 'hello'; retries = 2; retryDelayMs = 10; }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0]).to.include({ error: 'Alert: Slack answered 500 Internal Server Error: internal error', attempts: 1 });
    expect(hook.posted).to.have.length(1);
    expect(Alert).to.be.a('function');
  });

  it('should not post again after a timeout: Slack may have the message', async () => {
    hook.answers.push('hang');
    @register class Alert extends SlackPost { input = 'hello'; requestTimeoutMs = 300; retries = 2; retryDelayMs = 10; }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0]).to.include({ attempts: 1 });
    expect(hook.posted).to.have.length(1);
    expect(Alert).to.be.a('function');
  });

  it('should mask the token when an answer quotes the request path', async () => {
    hook.answers.push({ status: 404, body: `Cannot POST /services/${hook.token}` });
    @register class Alert extends SlackPost { input = 'hello'; }
    const error = await failure<TaskError>(bigraysRun());
    expect(error.report!.tasks[0].error).to.equal('Alert: Slack answered 404 Not Found: Cannot POST ***');
    expectNoToken(error.message, JSON.stringify(error.report));
    expect(Alert).to.be.a('function');
  });

  it('should send a task\'s output as it is, never filled as a template', async () => {
    @register class Summary extends Task<string> { run() { return 'rows {day}: {{1}}'; } }
    @register class Counts extends Task<{ rows: number }> { run() { return { rows: 7 }; } }
    @register class PostSummary extends SlackPost { input = Summary.output; }
    @register class PostCounts extends SlackPost { input = Counts.output; }
    await bigraysRun();
    expect(hook.posted.map((p) => JSON.parse(p.body) as unknown)).to.deep.equal([{ text: 'rows {day}: {{1}}' }, { text: '{"rows":7}' }]);
    expect(PostSummary && PostCounts).to.be.a('function');
  });

  it('should fail after its requestTimeoutMs when Slack does not answer', async () => {
    hook.answers.push('hang');
    @register class Alert extends SlackPost { input = 'hello'; requestTimeoutMs = 300; }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0].error).to.equal('Alert: posting to Slack failed: no answer within 300 ms (Alert.requestTimeoutMs)');
    expect(Alert).to.be.a('function');
  });

  it('should name the host, not the URL, when nothing listens there, and try again as retries allows', async () => {
    const port = await freePort();
    BigraysConfig.SLACK_WEBHOOK_URL = `http://127.0.0.1:${port}/services/${hook.token}`;
    @register class Alert extends SlackPost { input = 'hello'; retries = 1; retryDelayMs = 10; }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0]).to.include({ error: `Alert: posting to Slack failed: ECONNREFUSED from 127.0.0.1:${port}`, attempts: 2 });
    expectNoToken(error.message);
    expect(Alert).to.be.a('function');
  });

  it('should try again when the webhook\'s host name does not resolve: nothing was sent', async () => {
    BigraysConfig.SLACK_WEBHOOK_URL = `https://nowhere.invalid/services/${hook.token}`;
    @register class Alert extends SlackPost { input = 'hello'; retries = 1; retryDelayMs = 10; }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks[0].error).to.match(/^Alert: posting to Slack failed: (ENOTFOUND|EAI_AGAIN) from nowhere\.invalid$/);
    expect(error.report!.tasks[0].attempts).to.equal(2);
    expectNoToken(error.message);
    expect(Alert).to.be.a('function');
  });

  it('should refuse to run without BIGRAYS_SLACK_WEBHOOK_URL, or with one that is no URL, before any task runs', async () => {
    delete BigraysConfig.SLACK_WEBHOOK_URL;
    let ran = false;
    @register class First extends Task<void> { run() { ran = true; } }
    @register class Alert extends SlackPost { runWithExceptions = true; }
    const missing = await failure<ConfigurationError>(bigraysRun());
    expect(missing).to.be.instanceOf(ConfigurationError);
    expect(missing.message).to.contain('BIGRAYS_SLACK_WEBHOOK_URL (needed by Alert)');
    BigraysConfig.SLACK_WEBHOOK_URL = 'hooks.slack.com/services/T0/B0/not-a-url-Secret';
    const malformed = await failure<ConfigurationError>(bigraysRun());
    expect(malformed.message).to.contain('BIGRAYS_SLACK_WEBHOOK_URL must be the webhook\'s https:// URL');
    expect(malformed.message).not.to.contain('not-a-url-Secret');
    BigraysConfig.SLACK_WEBHOOK_URL = 'http://hooks.slack.com/services/T0/B0/plain-Secret';
    const plain = await failure<ConfigurationError>(bigraysRun());
    expect(plain.message).to.contain('BIGRAYS_SLACK_WEBHOOK_URL must be an https:// URL');
    expect(plain.message).not.to.contain('plain-Secret');
    expect(ran).to.equal(false);
    expect(hook.posted).to.deep.equal([]);
    expect(First && Alert).to.be.a('function');
  });

  it('should refuse an input keyword that is not set, and an input that is no text, before the run', async () => {
    @register class Unset extends SlackPost { input = 'loaded {dya}'; }
    @register class NotText extends SlackPost { input = 42 as unknown as string; }
    const error = await failure<TaskInterfaceError>(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain('Unset input: missing format keyword `dya`: set it with updateFormatKws({ dya: … })');
    expect(error.message).to.contain('NotText input must be the message text (a string), got 42');
    expect(hook.posted).to.deep.equal([]);
    expect(Unset && NotText).to.be.a('function');
  });

  it('should be refused under --local: it would post to the real Slack', () => {
    class Alert extends SlackPost { runWithExceptions = true; }
    const overlay = new LocalOverlay('/jobs/nightly.ts', () => undefined, { BIGRAYS_DB_DSN: 'sqlite:.bigrays/nightly.sqlite' });
    let refused: unknown;
    try {
      overlay.apply(new Alert());
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(ConfigurationError);
    expect((refused as Error).message).to.contain('Alert: its resource SlackWebhookResource has no local form').and.contain('BIGRAYS_SLACK_WEBHOOK_URL');
  });

  it('should post as a function: slackPost({ input })', async () => {
    expect(await slackPost({ input: 'from {job}' })).to.equal('from orders');
    expect(JSON.parse(hook.posted[0].body)).to.deep.equal({ text: 'from orders' });
  });
});
