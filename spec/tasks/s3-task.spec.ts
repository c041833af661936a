import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { bigraysRun, FromS3, outputOf, register, S3Task, s3Client, SNSPublish, Task, ToS3 } from '../../lib';
import { createBucket, createTopicWithQueue, useEmulator } from '../support/aws-hooks';

describe('S3Task and the S3 client', () => {
  useEmulator();

  it('should give a custom S3Task the open client', async () => {
    const bucket = await createBucket('custom');
    @register class Buckets extends S3Task<string[]> {
      async run() {
        const { Buckets: buckets } = await this.client.send(new ListBucketsCommand({}));
        return (buckets ?? []).map((b) => b.Name!);
      }
    }
    await bigraysRun();
    expect(outputOf(Buckets)).to.include(bucket);
  });

  it('should share one client between consecutive S3 tasks and destroy it when another resource opens', async () => {
    const bucket = await createBucket('shared');
    const { topicArn } = await createTopicWithQueue('between');
    const clients: S3Client[] = [];
    const destroyed: S3Client[] = [];
    const watch = (client: S3Client) => {
      if (clients.includes(client)) return;
      clients.push(client);
      const destroy = client.destroy.bind(client);
      client.destroy = () => {
        destroyed.push(client);
        destroy();
      };
    };
    @register class Write extends ToS3 {
      input = 'x';
      bucket = bucket;
      key = 'k';
      override async run() { watch(this.client); return super.run(); }
    }
    @register class Compute extends Task { run() { expect(s3Client.isOpen).to.equal(true); } }
    @register class Read extends FromS3 {
      bucket = bucket;
      key = 'k';
      override async run() { watch(this.client); expect(destroyed).to.deep.equal([]); return super.run(); }
    }
    @register class Notify extends SNSPublish { input = 'done'; topic = topicArn; }
    @register class ReadAgain extends FromS3 {
      bucket = bucket;
      key = 'k';
      override async run() { watch(this.client); return super.run(); }
    }
    await bigraysRun();
    expect(clients).to.have.length(2);
    expect(destroyed).to.deep.equal(clients);
    expect(s3Client.isOpen).to.equal(false);
    expect(Write && Compute && Read && Notify && ReadAgain).to.be.a('function');
  });
});
