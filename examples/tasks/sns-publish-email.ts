/**
 * SNSPublishEmail: publish with a subject, which e-mail subscribers get as the subject line.
 * SNS limits (subject ≤ 100 characters, message ≤ 256 KiB) are checked before calling AWS.
 *
 *   bigrays run examples/tasks/sns-publish-email.ts --local
 */
import { bigraysRun, register, SNSPublishEmail, updateFormatKws } from 'bigrays';

@register
class EmailTeam extends SNSPublishEmail {
  topic = 'arn:aws:sns:us-east-1:123456789012:team';
  subject = 'Nightly load for {day} finished';
  input = 'All tables are loaded. Dashboards refresh at 07:00.';
}

updateFormatKws({ day: '2026-03-01' });
void bigraysRun();
