import { ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import {
  bigraysRun, outputOf, register, SNSPublish, SNSPublishEmail, SNSTask, Task, TaskError, TaskInterfaceError, updateFormatKws,
} from '../../lib';
import { loadDanfo } from '../../lib/data/danfo';
import { createTopicWithQueue, useEmulator, type Emulator } from '../support/aws-hooks';
import { failure } from '../helpers';

interface Envelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject: string | null;
  Message: string;
}

/** The SNS notifications delivered to a queue subscribed to the topic. */
async function delivered(emulator: Emulator, queueUrl: string, waitSeconds = 1): Promise<Envelope[]> {
  const { Messages } = await emulator.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
  );
  return (Messages ?? []).map((m) => JSON.parse(m.Body!) as Envelope);
}

describe('SNS tasks', () => {
  const emulator = useEmulator();

  it('should deliver SNSPublishEmail to a subscribed queue with its subject intact, {keywords} filled', async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('email');
    updateFormatKws({ begin: '2026-01-01', end: '2026-03-01' });
    @register class Email extends SNSPublishEmail {
      input = 'Predictions are uploaded to S3: Zürich ✓';
      topic = topicArn;
      subject = 'Predictions {begin} – {end} are finished';
    }
    const report = await bigraysRun();
    const [envelope, ...more] = await delivered(emulator(), queueUrl);
    expect(more).to.deep.equal([]);
    expect(envelope).to.include({
      Type: 'Notification',
      TopicArn: topicArn,
      Subject: 'Predictions 2026-01-01 – 2026-03-01 are finished',
      Message: 'Predictions are uploaded to S3: Zürich ✓',
      MessageId: outputOf(Email),
    });
    expect(report.tasks[0]).to.include({ status: 'ok', bytes: Buffer.byteLength('Predictions are uploaded to S3: Zürich ✓') });
  });

  it('should publish strings as they are and objects, arrays and DataFrames as JSON, with no subject', async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('plain');
    const { DataFrame } = loadDanfo();
    @register class Text extends SNSPublish { input = '{not json}'; topic = topicArn; }
    @register class Obj extends SNSPublish { input = { rows: 3, id: 9007199254740993n, ok: true, note: null }; topic = topicArn; }
    @register class Frame extends SNSPublish { input = new DataFrame([[1, 'a']], { columns: ['n', 's'] }); topic = topicArn; }
    await bigraysRun();
    const envelopes = await delivered(emulator(), queueUrl);
    expect(envelopes.map((e) => e.Message).sort()).to.deep.equal(
      ['{not json}', '{"rows":3,"id":9007199254740993,"ok":true,"note":null}', '[{"n":1,"s":"a"}]'].sort(),
    );
    expect(envelopes.every((e) => e.Subject === null)).to.equal(true);
    expect(Text && Obj && Frame).to.be.a('function');
  });

  it('should reject a subject over 100 characters (once filled) before the run, calling nothing', async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('long-subject');
    emulator().requests.length = 0;
    let ran = false;
    @register class First extends Task { run() { ran = true; } }
    @register class Email extends SNSPublishEmail { input = 'x'; topic = topicArn; subject = '{word} {word}'; formatKws = { word: 's'.repeat(50) }; }
    const error = await failure(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain("Email subject is 101 characters once filled, over SNS's limit of 100: shorten it");
    expect(ran).to.equal(false);
    expect(emulator().requests).to.deep.equal([]);
    expect(await delivered(emulator(), queueUrl, 0)).to.deep.equal([]);
    expect(First && Email).to.be.a('function');
  });

  it('should accept a subject of exactly 100 characters, and reject one with a line break before the run', async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('subject-100');
    @register class Fits extends SNSPublishEmail { input = 'x'; topic = topicArn; subject = 'é'.repeat(100); }
    await bigraysRun();
    expect((await delivered(emulator(), queueUrl))[0].Subject).to.equal('é'.repeat(100));
    @register class Breaks extends SNSPublishEmail { input = 'x'; topic = topicArn; subject = 'two\nlines'; }
    const error = await failure(bigraysRun(Breaks));
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain('Breaks subject must be one line without control characters, got "two\\nlines"');
    expect(Fits).to.be.a('function');
  });

  it('should reject a message over 256 KiB, and an empty one, before calling AWS', async () => {
    const { topicArn } = await createTopicWithQueue('big');
    emulator().requests.length = 0;
    const big = { text: 'x'.repeat(262_144) };
    @register class Make extends Task<object> { run() { return big; } }
    @register class Big extends SNSPublish { runWithExceptions = true; input = 'x'.repeat(262_144 + 1); topic = topicArn; }
    @register class BigJson extends SNSPublish { runWithExceptions = true; input = Make.output; topic = topicArn; }
    @register class Empty extends SNSPublish { runWithExceptions = true; input = ''; topic = topicArn; }
    const error = await failure(bigraysRun());
    const limit = "over SNS's limit of 262144 bytes (256 KiB). Upload large payloads to S3 (ToS3) and publish their key instead.";
    expect(error.errors.map((e) => (e as Error).message)).to.deep.equal([
      `Big: the message is 262145 bytes, ${limit}`,
      `BigJson: the message is ${Buffer.byteLength(JSON.stringify(big))} bytes, ${limit}`,
      'Empty: the message is empty, and SNS rejects empty messages',
    ]);
    expect(emulator().requests).to.deep.equal([]);
    expect(Make && Big && BigJson && Empty).to.be.a('function');
  });

  it('should publish a message of exactly 256 KiB', async () => {
    const { topicArn, queueUrl } = await createTopicWithQueue('limit');
    @register class Max extends SNSPublish { input = 'y'.repeat(262_144); topic = topicArn; }
    await bigraysRun();
    expect((await delivered(emulator(), queueUrl))[0].Message).to.have.length(262_144);
    expect(Max).to.be.a('function');
  });

  it('should refuse a topic that is not an ARN once filled before the run, and name a topic that does not exist', async () => {
    updateFormatKws({ team: 'my-topic' });
    @register class Name extends SNSPublish { input = 'x'; topic = '{team}'; }
    const refused = await failure(bigraysRun());
    expect(refused).to.be.instanceOf(TaskInterfaceError);
    expect(refused.message).to.contain(
      'Name topic must be a topic ARN such as arn:aws:sns:us-east-1:123456789012:my-topic, got "my-topic" (from "{team}")',
    );
    @register class Gone extends SNSPublish { input = 'x'; topic = 'arn:aws:sns:us-east-1:000000000000:bigrays-gone'; }
    const error = await failure(bigraysRun(Gone));
    expect((error.errors[0] as Error).message).to.match(/^Gone: topic arn:aws:sns:us-east-1:000000000000:bigrays-gone does not exist/);
    expect(Name && Gone).to.be.a('function');
  });

  it('should give SNSTask the open client, shared with the SNS tasks around it', async () => {
    const { topicArn } = await createTopicWithQueue('custom');
    const clients: SNSClient[] = [];
    @register class Topics extends SNSTask<string[]> {
      async run() {
        clients.push(this.client);
        const { Topics: topics } = await this.client.send(new ListTopicsCommand({}));
        return (topics ?? []).map((t) => t.TopicArn!);
      }
    }
    @register class Publish extends SNSPublish {
      input = 'x';
      topic = topicArn;
      override async run() {
        clients.push(this.client);
        return super.run();
      }
    }
    await bigraysRun();
    expect(outputOf(Topics)).to.include(topicArn);
    expect(clients[0]).to.equal(clients[1]);
    expect(Publish).to.be.a('function');
  });
});
