/**
 * The SNS client resource. Consecutive SNS tasks share one open client (the shared `snsClient`
 * instance); closing it destroys the client.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import { snsSdk } from '../lazy';
import { logger } from '../log';
import { AwsResource, describeSettings, requestHandlerOptions, type AwsClientSettings } from './aws';

const log = logger('resource:sns');

/** An SNS client built from `BigraysConfig` (see `AWS_*` keys), at `AWS_ENDPOINT_URL` when set. */
export class SNSResource extends AwsResource<SNSClient> {
  protected override createClient(settings: AwsClientSettings): SNSClient {
    log('opening an SNS client: %s', describeSettings(settings));
    return new (snsSdk().SNSClient)({
      region: settings.region,
      credentials: settings.credentials,
      requestHandler: requestHandlerOptions(settings),
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    });
  }
}

/** The shared SNS client resource the SNS tasks use by default. */
export const snsClient = new SNSResource();
