/**
 * The limit of a gzip export: COPY's CSV bytes compressed by `gzip -6` into a multipart upload,
 * psql piped straight into gzip when both are on PATH (BENCH_PSQL), else pg-copy-streams through
 * zlib at level 6 (gzip's own default level, and zlib's).
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { BenchEnv } from './bench-types';
import { pgClient, psql, upload } from './clients';

/** `gzip -6` reading `input` (a child's stdout), its stdout piped, and when it exits. */
function gzip6(input: Readable): { stdout: Readable; exited: Promise<void> } {
  const child = spawn('gzip', ['-6', '-c'], { stdio: [input, 'pipe', 'inherit'] });
  // gzip reads the pipe itself: this process lets go of its end, so that the writer's close is seen.
  input.destroy();
  const exited = new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`gzip exited with ${code}`)))),
  );
  return { stdout: child.stdout, exited };
}

export async function gzipLimit(env: BenchEnv): Promise<void> {
  const copy = `COPY (${env.query}) TO STDOUT WITH (FORMAT csv, HEADER)`;
  if (process.env.BENCH_PSQL) {
    const source = psql(env, ['-c', copy], 'pipe');
    const gzip = gzip6(source.stdout!);
    await Promise.all([upload(env, gzip.stdout), gzip.exited, source.exited]);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { to } = require('pg-copy-streams') as { to(text: string): Readable };
  const client = pgClient(env);
  await client.connect();
  await upload(env, client.query(to(copy)).pipe(createGzip({ level: 6 })));
  await client.end();
}
