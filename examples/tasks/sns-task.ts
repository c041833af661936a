/**
 * SNSTask: custom SNS work with the open client (`this.client`, an AWS SDK v3 SNSClient).
 *
 *   bigrays run examples/tasks/sns-task.ts --local
 */
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { bigraysRun, outputOf, register, SNSTask } from 'bigrays';

/** One message per region, in one call. */
@register
class FanOut extends SNSTask<number> {
  topic = 'arn:aws:sns:us-east-1:123456789012:regional-loads';
  async run() {
    const regions = ['north', 'south', 'east'];
    const result = await this.client.send(new PublishBatchCommand({
      TopicArn: this.topic,
      PublishBatchRequestEntries: regions.map((region, i) => ({ Id: String(i), Message: `${region} loaded` })),
    }));
    return result.Successful?.length ?? 0;
  }
}

void bigraysRun().then(() => console.log(`published ${outputOf(FanOut)} messages`));
