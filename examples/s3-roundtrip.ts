/**
 * S3 and SNS tasks, offline: the job starts the fauxqs S3/SNS emulator in this process, points
 * BigraysConfig at it, and runs ToS3 → ListS3Objects → FromS3 → ToCSV → SNSPublishEmail, with
 * an S3Task and an SNSTask creating the bucket and the topic.
 *
 * Run it with `npx tsx examples/s3-roundtrip.ts`. Against real AWS you would drop the emulator
 * and set BIGRAYS_AWS_ACCESS_KEY_ID, BIGRAYS_AWS_SECRET_ACCESS_KEY and BIGRAYS_AWS_REGION.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BigraysConfig, bigraysRun, FromS3, ListS3Objects, outputOf, register, S3Task, SNSPublishEmail, SNSTask, ToCSV, ToS3,
  updateFormatKws,
} from 'bigrays';

const workDir = mkdtempSync(join(tmpdir(), 'bigrays-s3-example-'));

@register
class CreateBucket extends S3Task<void> {
  async run(): Promise<void> {
    await this.client.send(new CreateBucketCommand({ Bucket: this.format('{bucket}') }));
  }
}

@register
class UploadReadings extends ToS3 {
  input = [
    { station: 'north', day: '2026-01-02', celsius: 18.5, note: 'calm, clear' },
    { station: 'south', day: '2026-01-02', celsius: 21, note: '' },
    { station: 'east', day: '2026-01-02', celsius: null, note: 'sensor "B" offline' },
  ];
  bucket = '{bucket}';
  key = 'readings/{day}.csv';
}

@register
class ListReadings extends ListS3Objects {
  bucket = '{bucket}';
  prefix = 'readings/';
  suffix = '.csv';
}

@register
class DownloadReadings extends FromS3 {
  bucket = '{bucket}';
  key = 'readings/{day}.csv';
}

@register
class SaveReadings extends ToCSV {
  input = DownloadReadings.output; // the bytes FromS3 read, written as they are
  filename = join(workDir, 'readings-{day}.csv');
}

@register
class CreateTopic extends SNSTask<string> {
  async run(): Promise<string> {
    const { TopicArn } = await this.client.send(new CreateTopicCommand({ Name: 'bigrays-example' }));
    updateFormatKws({ topicArn: TopicArn }); // declared below; filled into Announce.topic
    return TopicArn!;
  }
}

@register
class Announce extends SNSPublishEmail {
  input = { uploaded: UploadReadings.output, listed: ListReadings.output };
  topic = '{topicArn}';
  subject = 'Readings for {day} are in S3';
}

async function main(): Promise<void> {
  // fauxqs: an S3/SNS/SQS emulator, here on 127.0.0.1 and a free port.
  const { buildApp } = await import('fauxqs');
  const emulator = buildApp({ logger: false });
  const endpoint = await emulator.listen({ host: '127.0.0.1', port: 0 });
  try {
    BigraysConfig.AWS_ENDPOINT_URL = endpoint;
    BigraysConfig.AWS_ACCESS_KEY_ID = 'example-key-id';
    BigraysConfig.AWS_SECRET_ACCESS_KEY = 'example-secret';
    BigraysConfig.AWS_REGION = 'us-east-1';
    updateFormatKws({ bucket: 'bigrays-example', day: '2026-01-02', topicArn: undefined });

    const report = await bigraysRun();
    for (const task of report.tasks) {
      const figures = [task.rows === undefined ? '' : `${task.rows} rows`, task.bytes === undefined ? '' : `${task.bytes} bytes`];
      console.log(`${task.name.padEnd(17)} ${task.status.padEnd(7)} ${figures.filter(Boolean).join(', ')}`);
    }
    console.log(`\nListed: ${outputOf(ListReadings).join(', ')}`);
    console.log(`Saved ${outputOf(SaveReadings).path}:\n${readFileSync(outputOf(SaveReadings).path, 'utf8')}`);
    console.log(`Published message ${outputOf(Announce)} to ${outputOf(CreateTopic)}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  } finally {
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

void main();
