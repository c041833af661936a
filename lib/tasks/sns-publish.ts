/**
 * `SNSPublish`: publishes the task's `input` to an SNS topic.
 */
import { snsSdk } from '../lazy';
import { asRows, isDataFrame } from '../data/frame';
import { jsonText } from '../data/json';
import { TaskError } from '../errors';
import { attributeName, shown, taskMessage } from '../messages';
import { isThrottling } from '../retry';
import { checkAttributes, filledAttribute, filledFrom, textAttribute, textProblems } from './attributes';
import { awsErrorCode, describeAwsError } from '../resources/aws-errors';
import { SNSTask } from './sns-task';
import type { TaskInput } from './task-input';

/** The largest message SNS accepts, in bytes of UTF-8 (256 KiB). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

const TOPIC_ARN = /^arn:[^:]+:sns:[^:]*:[^:]*:[^:]+$/;

/**
 * Publishes `input` to `topic` (a topic ARN). A string is sent as it is, bytes as UTF-8 text,
 * a DataFrame as JSON row objects, anything else as JSON (bigints with every digit). The message
 * is checked against SNS's limits before anything is sent. The output is the message id.
 */
export abstract class SNSPublish extends SNSTask<string> {
  static override requiredAttributes: readonly string[] = ['input', 'topic'];

  /** The message: a string (sent as is), or a value sent as JSON. */
  abstract input: TaskInput;

  /** The topic ARN, e.g. `arn:aws:sns:us-east-1:123456789012:team`; `{keyword}` placeholders are filled. */
  abstract topic: string;

  /**
   * Checked before the run (and again when it starts): the topic ARN once filled. The message
   * is checked when the task runs: `input` is often another task's output, or set in `run()`.
   */
  override attributeProblems(): string[] {
    const problems = textProblems(this, 'topic');
    const topic = problems.length === 0 ? filledAttribute(this, 'topic') : undefined;
    if (topic !== undefined && !TOPIC_ARN.test(topic)) {
      problems.push(`topic must be a topic ARN such as arn:aws:sns:us-east-1:123456789012:my-topic, got ${filledFrom(this, 'topic', topic)}`);
    }
    return problems;
  }

  run(): Promise<string> {
    return this.publish();
  }

  /**
   * Retried only when SNS refused the message for throttling: after a lost answer the message
   * may have been delivered, and sending it again would deliver it twice.
   */
  override canRetry(error: unknown): boolean {
    return isThrottling(error);
  }

  /** The message text for `input`. */
  protected messageText(): string {
    const input = this.input;
    let text: string;
    try {
      if (typeof input === 'string') text = input;
      else if (input instanceof Uint8Array) text = new TextDecoder('utf-8', { fatal: true }).decode(input);
      else if (isDataFrame(input)) text = jsonText(asRows(input));
      else text = jsonText(input);
    } catch (error) {
      throw new TaskError(taskMessage(this, `${attributeName(this, 'input')} cannot be sent as a message (${shown(input, { as: 'kind' })}): ${(error as Error).message}`), {
        cause: error,
        taskName: this.taskName,
      });
    }
    if (text.length === 0) {
      throw new TaskError(taskMessage(this, 'the message is empty, and SNS rejects empty messages'), { taskName: this.taskName });
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > SNS_MAX_MESSAGE_BYTES) {
      throw new TaskError(
        taskMessage(this, `the message is ${bytes} bytes, over SNS's limit of ${SNS_MAX_MESSAGE_BYTES} bytes (256 KiB). ` +
          'Upload large payloads to S3 (ToS3) and publish their key instead.'),
        { taskName: this.taskName },
      );
    }
    return text;
  }

  /** Checks the attributes and the message, then publishes (with `subject`, if given); resolves to the message id. */
  protected async publish(subject?: string): Promise<string> {
    const topic = textAttribute(this, 'topic');
    checkAttributes(this);
    const message = this.messageText();
    let messageId: string | undefined;
    try {
      const result = await this.client.send(new (snsSdk().PublishCommand)({ TopicArn: topic, Message: message, Subject: subject }), {
        abortSignal: this.signal,
      });
      messageId = result.MessageId;
    } catch (error) {
      const reason = awsErrorCode(error) === 'NotFound'
        ? `topic ${topic} does not exist (${describeAwsError(error)})`
        : `publishing to ${topic} failed: ${describeAwsError(error)}`;
      throw new TaskError(taskMessage(this, reason), { cause: error, taskName: this.taskName });
    }
    this.recordMetrics({ bytes: Buffer.byteLength(message, 'utf8') });
    this.log('published message %s to %s', messageId, topic);
    return messageId ?? '';
  }
}
