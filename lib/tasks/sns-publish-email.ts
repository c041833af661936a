/**
 * `SNSPublishEmail`: publishes with a subject, which e-mail subscribers see as the subject line.
 */
import { filledAttribute, filledFrom, textAttribute, textProblems } from './attributes';
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

  /** Checked before the run (and again when it starts): the topic, a text input, and the subject once filled. */
  override attributeProblems(): string[] {
    const problems = super.attributeProblems();
    const wrong = textProblems(this, 'subject');
    if (wrong.length > 0) return [...problems, ...wrong];
    const subject = filledAttribute(this, 'subject');
    if (subject === undefined) return problems;
    const length = [...subject].length;
    if (length > SNS_MAX_SUBJECT_LENGTH) {
      problems.push(`subject is ${length} characters once filled, over SNS's limit of ${SNS_MAX_SUBJECT_LENGTH}: shorten it`);
    }
    if (CONTROL.test(subject)) problems.push(`subject must be one line without control characters, got ${filledFrom(this, 'subject', subject)}`);
    return problems;
  }

  override run(): Promise<string> {
    return this.publish(textAttribute(this, 'subject'));
  }
}
