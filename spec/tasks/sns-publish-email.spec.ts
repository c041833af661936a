/** SNSPublishEmail's alert by default: its subject and message when the job sets neither, or only one. */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { bigraysRun, BigraysConfig, register, SNSPublishEmail, snsPublishEmail, SNS_MAX_SUBJECT_LENGTH, Task } from '../../lib';
import { createTopicWithQueue, useEmulator, type Emulator } from '../support/aws-hooks';
import { failure } from '../helpers';

interface Envelope {
  Subject: string | null;
  Message: string;
}

async function delivered(emulator: Emulator, queueUrl: string): Promise<Envelope[]> {
  const { Messages } = await emulator.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (Messages ?? []).map((m) => JSON.parse(m.Body!) as Envelope);
}

describe('SNSPublishEmail alerts', () => {
  const emulator = useEmulator();

  it("should cut the alert subject to SNS's 100 characters when the job's name is long", async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('long-job');
    BigraysConfig.JOB_NAME = `nightly-${'x'.repeat(120)}`;
    @register class Load extends Task<void> { run(): void { throw new Error('boom'); } }
    @register class Mail extends SNSPublishEmail { runWithExceptions = true; topic = topicArn; }
    await failure(bigraysRun());
    const [mail] = await delivered(emulator(), queueUrl);
    expect([...mail.Subject!]).to.have.length(SNS_MAX_SUBJECT_LENGTH);
    expect(mail.Subject).to.match(/^bigrays: nightly-x+…$/);
    expect(mail.Message.split('\n')[0]).to.equal(`bigrays: nightly-${'x'.repeat(120)} failed at Load`);
    expect(Load && Mail).to.be.a('function');
  });

  it('should send the alert text under a subject the job sets, and the alert subject over a message it sets', async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('half-set');
    BigraysConfig.JOB_NAME = 'orders';
    @register class Load extends Task<void> { run(): void { throw new Error('disk full'); } }
    @register class Subject extends SNSPublishEmail { runWithExceptions = true; topic = topicArn; subject = 'ETL {job}: {failedTask} failed'; }
    @register class Message extends SNSPublishEmail { runWithExceptions = true; topic = topicArn; input = 'see {error}'; }
    await failure(bigraysRun());
    const mails = await delivered(emulator(), queueUrl);
    const bySubject = Object.fromEntries(mails.map((m) => [m.Subject, m.Message]));
    expect(bySubject['ETL orders: Load failed']).to.contain('Error: Load failed: disk full');
    expect(bySubject['bigrays: orders failed at Load'], 'input is sent as it is, as SNSPublish sends it').to.equal('see {error}');
    expect(Load && Subject && Message).to.be.a('function');
  });

  it('should fit a subject the job writes with {error}: control characters as spaces, cut to 100 characters', async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('error-subject');
    BigraysConfig.JOB_NAME = 'orders';
    @register class Load extends Task<void> { run(): void { throw new Error(`bad\trow ${'y'.repeat(150)}\nsecond line`); } }
    @register class Mail extends SNSPublishEmail { runWithExceptions = true; topic = topicArn; subject = 'orders: {error}'; input = 'see the log'; }
    const error = await failure(bigraysRun());
    expect(error.report!.tasks.map((t) => t.status)).to.deep.equal(['failed', 'ok']);
    const [mail] = await delivered(emulator(), queueUrl);
    expect([...mail.Subject!]).to.have.length(SNS_MAX_SUBJECT_LENGTH);
    expect(mail.Subject).to.match(/^orders: Load failed: bad row y+…$/);
    expect(Load && Mail).to.be.a('function');
  });

  it('should say no task failed as a function called after a run that went well', async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('fn');
    BigraysConfig.JOB_NAME = 'orders';
    await snsPublishEmail({ topic: topicArn });
    const [mail] = await delivered(emulator(), queueUrl);
    expect(mail.Subject).to.equal('bigrays: orders: no task failed before snsPublishEmail');
    expect(mail.Message).to.match(/^Run id: [0-9a-f-]{36}$/m);
  });
});
