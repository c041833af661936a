/**
 * The S3 client resource. Consecutive S3 tasks share one open client (the shared `s3Client`
 * instance); closing it destroys the client and its sockets.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../lazy';
import { logger } from '../log';
import { AwsResource, describeSettings, requestHandlerOptions, type AwsClientSettings } from './aws';

const log = logger('resource:s3');

/**
 * An S3 client built from `BigraysConfig` (see `AWS_*` keys). With `AWS_ENDPOINT_URL` set it
 * uses path-style addressing, and sends checksums only where S3 requires them, since many
 * S3-compatible stores reject the SDK's newer default checksums.
 */
export class S3Resource extends AwsResource<S3Client> {
  protected override createClient(settings: AwsClientSettings): S3Client {
    log('opening an S3 client: %s', describeSettings(settings));
    const custom = settings.endpoint !== undefined;
    return new (s3Sdk().S3Client)({
      region: settings.region,
      credentials: settings.credentials,
      requestHandler: requestHandlerOptions(settings),
      ...(custom
        ? {
            endpoint: settings.endpoint,
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
    });
  }
}

/** The shared S3 client resource the S3 tasks use by default. */
export const s3Client = new S3Resource();

/** `s3://bucket/key` (or `s3://bucket`), as messages and outputs name an object. */
export function s3Uri(bucket: string, key?: string): string {
  return key === undefined ? `s3://${bucket}` : `s3://${bucket}/${key}`;
}
