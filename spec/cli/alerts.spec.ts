/**
 * Alerts as a nightly job sends them: a job run by `bigrays run` whose load fails, with
 * SlackPost (a stand-in webhook) and SNSPublishEmail (the SNS emulator, a queue subscribed)
 * running after it. The run still exits 1; the alerts say which task failed and why, in the
 * run's words, never with the database password or the webhook URL — nor does anything the
 * command prints.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { hostname } from 'node:os';
import { createTopicWithQueue, type Emulator, emulator, emulatorEnv, TEST_SECRET } from '../support/aws-hooks';
import { spawnCli, type CliResult } from '../support/cli';
import { freshPostgresDsn, PG_PASSWORD } from '../support/sql-hooks';
import { startWebhook, type Webhook } from '../support/webhook';

const JOB = 'spec/fixtures/jobs/alerts.ts';

interface Envelope {
  Subject: string | null;
  Message: string;
}

interface RunTask {
  name: string;
  status: string;
  error?: string;
}

/** The SNS notifications delivered to the queue so far. */
async function delivered(aws: Emulator, queueUrl: string): Promise<Envelope[]> {
  const { Messages } = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
  return (Messages ?? []).map((m) => JSON.parse(m.Body!) as Envelope);
}

describe('alerts of a job run by bigrays run', function () {
  this.timeout(240_000);
  let hook: Webhook;
  let aws: Emulator;
  let env: Record<string, string>;
  let queueUrl: string;

  beforeEach(async () => {
    hook = await startWebhook();
    aws = await emulator();
    const topic = await createTopicWithQueue('alerts');
    queueUrl = topic.queueUrl;
    env = {
      BIGRAYS_DB_DSN: await freshPostgresDsn(),
      BIGRAYS_SLACK_WEBHOOK_URL: hook.url,
      ...emulatorEnv(aws.endpoint),
      ALERTS_TOPIC: topic.topicArn,
      // The load casts the password to a number: PostgreSQL's message quotes the value.
      ALERTS_LOAD_VALUE: PG_PASSWORD,
    };
  });
  afterEach(() => hook.close());

  /** Nothing the command printed holds the webhook URL, its token, the DB password or the AWS secret. */
  function expectNothingSecret(result: CliResult, where: string): void {
    for (const [stream, text] of [['stdout', result.stdout], ['stderr', result.stderr]] as const) {
      for (const secret of [hook.url, hook.token, PG_PASSWORD, TEST_SECRET]) {
        expect(text.includes(secret), `${where} ${stream} shows ${secret}`).to.equal(false);
      }
    }
  }

  it('should post and mail what failed, exit 1, and show no secret; a webhook that refuses fails its task with the status', async () => {
    const first = await spawnCli(['run', JOB, '--json'], { env: { ...env, DEBUG: 'bigrays:*' } });
    expect(first.status, first.stderr).to.equal(1);
    expectNothingSecret(first, 'the first run');
    const report = JSON.parse(first.stdout) as { tasks: RunTask[] };
    expect(report.tasks.map((t) => `${t.name} ${t.status}`)).to.deep.equal(
      ['CountOrders ok', 'LoadOrders failed', 'Archive skipped', 'Alert ok', 'Mail ok', 'Said ok'],
    );
    const loadError = report.tasks[1].error!.split('\n')[0];
    expect(loadError).to.contain('invalid input syntax for type integer').and.contain('***');

    // Slack: the alert text by default, and the job's own text with the run's keywords.
    expect(hook.posted.map((p) => p.method)).to.deep.equal(['POST', 'POST']);
    const [alert, said] = hook.posted.map((p) => (JSON.parse(p.body) as { text: string }).text);
    const lines = alert.split('\n');
    expect(lines[0]).to.equal('bigrays: alerts failed at LoadOrders');
    expect(lines).to.include('Job: alerts').and.include('Failed task: LoadOrders').and.include(`Error: ${loadError}`).and.include(`Host: ${hostname()}`);
    expect(lines).to.include('Tasks: CountOrders ok, LoadOrders failed, Archive skipped, Alert running, Mail pending, Said pending');
    const runId = /^Run id: (\S+)$/m.exec(alert)![1];
    expect(said).to.equal(`alerts run ${runId}: LoadOrders said ${loadError}`);
    for (const text of [alert, said]) expect(text).not.to.contain(PG_PASSWORD);

    // E-mail: the alert subject and text of the same run.
    const [mail, ...more] = await delivered(aws, queueUrl);
    expect(more).to.deep.equal([]);
    expect(mail.Subject).to.equal('bigrays: alerts failed at LoadOrders');
    expect(mail.Message).to.contain(`Run id: ${runId}`).and.contain('Failed task: LoadOrders').and.contain(`Error: ${loadError}`);
    expect(mail.Message).not.to.contain(PG_PASSWORD);

    // Again, with the webhook refusing: Alert fails with Slack's status; the mail still goes, the run still exits 1.
    // And a keyword the command sets wins over the run's.
    hook.posted.length = 0;
    hook.answers.push({ status: 500, body: 'rollup_error' });
    const second = await spawnCli(['run', JOB, '--set', 'error=see-the-log'], { env });
    expect(second.status, second.stderr).to.equal(1);
    expectNothingSecret(second, 'the second run');
    expect(second.stdout).to.match(/^Alert\s+failed/m).and.match(/^Mail\s+ok/m).and.match(/^Said\s+ok/m);
    expect(second.stderr + second.stdout).to.contain('Alert: Slack answered 500 Internal Server Error: rollup_error');
    expect(hook.posted).to.have.length(2);
    expect((JSON.parse(hook.posted[1].body) as { text: string }).text).to.match(/^alerts run [0-9a-f-]{36}: LoadOrders said see-the-log$/);
    const [again] = await delivered(aws, queueUrl);
    expect(again.Subject).to.equal('bigrays: alerts failed at LoadOrders');
    expect(again.Message).to.contain('Error: see-the-log');
    const secondRunId = /^Run id: (\S+)$/m.exec(again.Message)![1];
    expect(secondRunId).to.not.equal(runId);
  });

  it('should say no task failed when the load works, and show the webhook masked in bigrays config', async () => {
    const [run, config] = await Promise.all([
      spawnCli(['run', JOB], { env: { ...env, ALERTS_LOAD_VALUE: '7' } }),
      spawnCli(['config', '--json'], { env }),
    ]);
    expect(run.status, run.stderr).to.equal(0);
    expectNothingSecret(run, 'the run');
    const [alert, said] = hook.posted.map((p) => (JSON.parse(p.body) as { text: string }).text);
    expect(alert.split('\n')[0]).to.equal('bigrays: alerts: no task failed before Alert');
    expect(said).to.match(/^alerts run [0-9a-f-]{36}:  said $/);
    const [mail] = await delivered(aws, queueUrl);
    expect(mail.Subject).to.equal('bigrays: alerts: no task failed before Mail');
    expect(config.status, config.stderr).to.equal(0);
    expectNothingSecret(config, 'bigrays config');
    expect(config.stdout).to.contain('SLACK_WEBHOOK_URL');
  });
});
