/**
 * `SNSPublishEmail`: publishes with a subject, which e-mail subscribers see as the subject line.
 * With no `subject` or no `input` set, it sends the run's alert text (see alert-text.ts): after
 * a failure `bigrays: <job> failed at <failedTask>` and what failed, where and when.
 */
import { ALERT_TEXT, alertText, fitted } from './alert-text';
import { filledAttribute, filledFrom, textAttribute, textProblems } from './attributes';
import { SNSPublish } from './sns-publish';
import type { TaskInput } from './task-input';

/** The longest subject SNS accepts, in characters. */
export const SNS_MAX_SUBJECT_LENGTH = 100;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f]/g;

/**
 * Publishes `input` to `topic` with `subject`. The subject is checked against SNS's rules
 * (at most 100 characters, no line breaks or control characters) before the run; filled as
 * the task runs (`{error}`), it is made to fit: control characters become spaces, and it is
 * cut to 100 characters with `…`.
 * Left unset, `subject` and `input` are the run's alert text: run it with `runWithExceptions`
 * after the job's tasks to hear what failed. The output is the message id.
 */
export abstract class SNSPublishEmail extends SNSPublish {
  /**
   * The subject line; `{keyword}` placeholders are filled.
   * @default after a failure `bigrays: <job> failed at <failedTask>`, else `bigrays: <job>: no task failed before <this task>` (cut to 100 characters)
   */
  declare subject?: string;

  /**
   * The message: a string (sent as is), or a value sent as JSON.
   * @default the run's alert text: job, run id, failed task, error, host, time (UTC), the tasks' statuses
   */
  override input: TaskInput = ALERT_TEXT;

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
    const unset = this.subject === undefined || this.subject === null;
    // Filled at run time (`{error}` above all), the job's subject is made to fit rather than fail the alert.
    if (!unset && typeof this.subject === 'string') this.subject = fitted(this.subject.replace(CONTROLS, ' '), SNS_MAX_SUBJECT_LENGTH);
    if (!unset && this.input !== ALERT_TEXT) return this.publish(textAttribute(this, 'subject'));
    const alert = alertText(this);
    if (this.input === ALERT_TEXT) this.input = alert.body;
    return this.publish(unset ? fitted(alert.subject, SNS_MAX_SUBJECT_LENGTH) : textAttribute(this, 'subject'));
  }
}
