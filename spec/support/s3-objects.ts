/** What is in the emulator's buckets, for assertions. */
import { DeleteBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Emulator } from './aws-hooks';

export async function objectText(emulator: Emulator, bucket: string, key: string): Promise<string> {
  const response = await emulator.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return response.Body!.transformToString('utf8');
}

export async function objectExists(emulator: Emulator, bucket: string, key: string): Promise<boolean> {
  try {
    await emulator.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/**
 * Whether the bucket still has an open multipart upload. fauxqs lacks ListMultipartUploads (it
 * answers it as a ListObjects, with no uploads), but it refuses to delete a bucket that has one
 * open ("…You must delete all versions in the bucket."), so an empty bucket that cannot be
 * deleted has an open upload. Deletes the bucket when it can.
 */
export async function hasOpenMultipartUpload(emulator: Emulator, bucket: string): Promise<boolean> {
  try {
    await emulator.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    return false;
  } catch (error) {
    if ((error as Error).name === 'BucketNotEmpty' && /delete all versions/.test((error as Error).message)) return true;
    throw error;
  }
}
