/**
 * `SNSTask`: a custom task with the open SNS client. The SNS tasks build on it.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Resource } from '../resources/resource';
import { snsClient } from '../resources/sns';
import { Task } from '../task';

/**
 * A custom SNS task: implement `run()` and use `this.client`, the open SNS client.
 * Consecutive SNS tasks share one client.
 *
 * @example
 * class CreateAlerts extends SNSTask<string> {
 *   async run() {
 *     const { TopicArn } = await this.client.send(new CreateTopicCommand({ Name: 'alerts' }));
 *     return TopicArn!;
 *   }
 * }
 */
export abstract class SNSTask<O = unknown> extends Task<O> {
  /** The SNS client resource. @default snsClient (shared by consecutive SNS tasks) */
  override requiredResource: Resource<SNSClient> = snsClient;

  /** The open SNS client, while the task runs. */
  protected get client(): SNSClient {
    return this.requiredResource.handle;
  }
}
