/**
 * S3Task: custom S3 work with the open client (`this.client`, an AWS SDK v3 S3Client). It
 * shares the client with the S3 tasks around it.
 *
 *   bigrays run examples/tasks/s3-task.ts --local
 */
import { CopyObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { bigraysRun, outputOf, register, S3Task, ToS3 } from 'bigrays';

@register
class Publish extends ToS3 {
  bucket = 'reports';
  key = 'latest/report.csv';
  overwriteIfExists = true;
  input = [{ metric: 'visits', value: 1234 }];
}

/** Copies today's report into the archive, server-side. */
@register
class Archive extends S3Task<number> {
  bucket = 'reports';
  key = 'archive/{day}/report.csv';
  formatKws = { day: '2026-03-01' };
  async run() {
    await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, CopySource: `${this.bucket}/latest/report.csv`, Key: this.key }));
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key }));
    return head.ContentLength ?? 0;
  }
}

void bigraysRun().then(() => console.log(`archived ${outputOf(Archive)} bytes`));
