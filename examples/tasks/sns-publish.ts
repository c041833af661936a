/**
 * SNSPublish: publish a message to a topic; strings as they are, objects as JSON.
 *
 *   bigrays run examples/tasks/sns-publish.ts --local
 */
import { bigraysRun, outputOf, register, SNSPublish } from 'bigrays';

@register
class AnnounceBatch extends SNSPublish {
  topic = 'arn:aws:sns:us-east-1:123456789012:batches';
  input = { batch: '2026-03-01', rows: 1204, status: 'loaded' };
}

void bigraysRun().then(() => console.log(`message id: ${outputOf(AnnounceBatch)}`));
