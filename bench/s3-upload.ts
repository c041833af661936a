/**
 * Upload throughput and memory of ToS3: streams of 64 MiB and 256 MiB, produced lazily, uploaded
 * to the fauxqs emulator running in this process. Each upload runs in a child process
 * (spec/support/upload-worker.ts) that measures its own memory, so the emulator's copy of the
 * object does not count.
 *
 *   npx tsx bench/s3-upload.ts [sizes in MiB, default 64 256]
 *
 * For each size it prints MB/s and the peak growth over the baseline of RSS, of memory held
 * (JS heap + Buffers) as it comes ('natural': V8 collects dead Buffers only every ~64 MiB of
 * them) and with garbage collected before each sample ('live': what the upload keeps alive),
 * each also as a ratio to the object's size. Not part of `npm test`.
 */
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const MiB = 1024 * 1024;
const worker = path.join(__dirname, '..', 'spec', 'support', 'upload-worker.ts');

interface Result {
  status: string;
  error?: string;
  bytes: number;
  seconds: number;
  peakRssGrowth: number;
  peakHeldGrowth: number;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sizes = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['64', '256']).map(Number);
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench-secret' };
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const env = {
    ...process.env,
    BIGRAYS_AWS_ENDPOINT_URL: endpoint,
    BIGRAYS_AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    BIGRAYS_AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    BIGRAYS_AWS_REGION: 'us-east-1',
  };
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  console.log('size      mode     MB/s   peak RSS growth (ratio)   peak held growth (ratio)');
  try {
    for (const size of sizes) {
      for (const mode of ['natural', 'live']) {
        const key = `bench-${size}-${mode}.bin`;
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--expose-gc', '--no-concurrent-array-buffer-sweeping', '--require', 'tsx/cjs', worker, 'bench', key, String(size * MiB), mode],
          { env, maxBuffer: MiB },
        );
        const result = JSON.parse(stdout.trim().split('\n').pop()!) as Result;
        if (result.status !== 'ok') throw new Error(`${size} MiB upload failed: ${result.error}`);
        const rate = result.bytes / 1e6 / result.seconds;
        const ratio = (bytes: number) => (bytes / result.bytes).toFixed(2);
        console.log(
          `${`${size} MiB`.padEnd(9)} ${mode.padEnd(8)} ${rate.toFixed(0).padStart(4)}   ` +
            `${mib(result.peakRssGrowth).padStart(10)} (${ratio(result.peakRssGrowth)})        ` +
            `${mib(result.peakHeldGrowth).padStart(10)} (${ratio(result.peakHeldGrowth)})`,
        );
        await s3.send(new DeleteObjectCommand({ Bucket: 'bench', Key: key }));
      }
    }
  } finally {
    s3.destroy();
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
