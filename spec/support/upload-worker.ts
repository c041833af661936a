/**
 * A child process that uploads a lazily produced stream with a ToS3 task and reports its own
 * memory, so that the emulator's copy of the object (in the parent) does not count.
 *
 *   node --expose-gc --no-concurrent-array-buffer-sweeping --require tsx/cjs \
 *     spec/support/upload-worker.ts <bucket> <key> <bytes> <natural|live>
 *
 * The AWS config comes from BIGRAYS_* env vars. Prints one JSON line: status, bytes uploaded,
 * the sha256 of the data, seconds, and the peak growth over the baseline taken just before the
 * upload of RSS, of Buffer memory (`external`), and of all memory the program holds (`external`
 * plus the JS heap used).
 *
 * `natural` samples memory as it is. V8 collects Buffers only when external memory has grown
 * by about 64 MiB since the last collection, so up to that much garbage (chunks already copied
 * into parts, parts already sent) adds to the peak whatever the object's size. `live` collects
 * garbage before each sample, so the peak is what the upload actually keeps alive (V8 frees
 * dead Buffers on a background thread unless `--no-concurrent-array-buffer-sweeping`).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { bigraysRun, clearRegistry, ToS3, type TaskInput } from '../../lib';

const CHUNK = 64 * 1024;

/** `size` bytes in 64 KiB chunks, made on demand, hashed as they go. */
function* produce(size: number, hash: ReturnType<typeof createHash>): Generator<Buffer> {
  let index = 0;
  for (let offset = 0; offset < size; offset += CHUNK) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
    for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((index * 2654435761 + i) >>> 0, i);
    hash.update(chunk);
    index += 1;
    yield chunk;
  }
}

async function upload(bucket: string, key: string, input: TaskInput): Promise<number> {
  clearRegistry();
  class Upload extends ToS3 {
    input = input;
    bucket = bucket;
    key = key;
    overwriteIfExists = true;
  }
  const report = await bigraysRun(Upload);
  return report.tasks[0].bytes ?? 0;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [bucket, key, sizeText, mode = 'natural'] = process.argv.slice(2);
  const size = Number(sizeText);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (mode === 'live' && !gc) throw new Error('live mode needs node --expose-gc');

  // Warm up: load every module and open a connection, so the baseline includes them.
  await upload(bucket, `${key}.warmup`, Buffer.alloc(1024));
  gc?.();
  gc?.();

  const baseline = process.memoryUsage();
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  let peakRss = baseline.rss;
  let peakExternal = baseline.external;
  let peakHeld = baseline.external + baseline.heapUsed;
  const sample = (): void => {
    if (mode === 'live') gc!();
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakExternal = Math.max(peakExternal, now.external);
    peakHeld = Math.max(peakHeld, now.external + now.heapUsed);
  };
  const sampler = setInterval(sample, mode === 'live' ? 10 : 5);

  const hash = createHash('sha256');
  const started = performance.now();
  const bytes = await upload(bucket, key, Readable.from(produce(size, hash)));
  const seconds = (performance.now() - started) / 1000;
  sample();
  clearInterval(sampler);
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  // The OS's own peak RSS catches a peak between samples, when it was reached during the upload
  // (not in live mode, where the peak between two collections includes garbage).
  if (mode !== 'live' && maxRssAfter > maxRssBefore) peakRss = Math.max(peakRss, maxRssAfter);

  process.stdout.write(
    `${JSON.stringify({
      status: 'ok',
      mode,
      bytes,
      sha256: hash.digest('hex'),
      seconds,
      peakRssGrowth: peakRss - baseline.rss,
      peakExternalGrowth: peakExternal - baseline.external,
      peakHeldGrowth: peakHeld - baseline.external - baseline.heapUsed,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ status: 'failed', error: String((error as Error)?.message ?? error) })}\n`);
  process.exitCode = 1;
});
