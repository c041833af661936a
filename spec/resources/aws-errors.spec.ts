import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { bucketNameProblem, describeAwsError } from '../../lib/resources/aws-errors';
import { useEmulator } from '../support/aws-hooks';

describe('AWS error messages', () => {
  const emulator = useEmulator();

  it('should say an invalid bucket name is invalid and why, not suggest a permission', async () => {
    const { endpoint } = await emulator();
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
    try {
      const error = await client.send(new HeadObjectCommand({ Bucket: 'exports/daily', Key: 'day.csv' })).then(() => undefined, (e: unknown) => e);
      const text = describeAwsError(error);
      expect(text).to.match(/^bucket name `exports\/daily` is invalid: it holds `\/` \(a bucket name has no `\/`: what follows it belongs in the key or prefix\)\. /);
      expect(text).to.contain('S3 bucket names are 3 to 63 characters of lowercase letters, digits, dots and hyphens');
      expect(text).not.to.match(/permission|s3:GetObject|denied/i);
    } finally {
      client.destroy();
    }
  });

  it('should name the bucket and the rule when S3 itself answers InvalidBucketName', () => {
    const answer = new S3ServiceException({ name: 'InvalidBucketName', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'The specified bucket is not valid.' });
    Object.assign(answer, { BucketName: 'Nightly_Exports' });
    expect(describeAwsError(answer)).to.match(/^bucket name `Nightly_Exports` is invalid: it holds uppercase letters, `_`\. S3 bucket names are/);
    expect(describeAwsError(answer, 'other')).to.match(/^bucket name `other` is invalid\. S3 bucket names/);
  });

  it('should tell which S3 naming rule a bucket name breaks', () => {
    expect(bucketNameProblem('my-exports.2026')).to.equal(undefined);
    expect(bucketNameProblem('ab')).to.equal('it is 2 characters long');
    expect(bucketNameProblem('-exports')).to.equal('it does not start and end with a letter or digit');
    expect(bucketNameProblem('my..exports')).to.equal('it holds two dots in a row');
    expect(bucketNameProblem('192.168.0.1')).to.equal('it is an IP address');
    expect(bucketNameProblem('my exports')).to.equal('it holds a space');
  });
});
