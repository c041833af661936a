/**
 * `SNSPublishEmail`: publishes with a subject, which e-mail subscribers see as the subject line.
 */
import { TaskError } from '../errors';
import { textAttribute } from './attributes';
import { SNSPublish } from './sns-publish';

/** The longest subject SNS accepts, in characters. */
export const SNS_MAX_SUBJECT_LENGTH = 100;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Publishes `input` to `topic` with `subject`. The subject is checked against SNS's rules
 * (at most 100 characters, no line breaks or control characters) before anything is sent.
 * The output is the message id.
 */
export abstract class SNSPublishEmail extends SNSPublish {
  static override requiredAttributes: readonly string[] = ['subject'];

  /** The subject line; `{keyword}` placeholders are filled. */
  abstract subject: string;

  override run(): Promise<string> {
    const subject = textAttribute(this, 'subject');
    const length = [...subject].length;
    if (length > SNS_MAX_SUBJECT_LENGTH) {
      throw new TaskError(
        `${this.taskName}.subject is ${length} characters, over SNS's limit of ${SNS_MAX_SUBJECT_LENGTH}: shorten it`,
        { taskName: this.taskName },
      );
    }
    if (CONTROL.test(subject)) {
      throw new TaskError(`${this.taskName}.subject must be one line without control characters, got ${JSON.stringify(subject)}`, {
        taskName: this.taskName,
      });
    }
    return this.publish(subject);
  }
}
