/**
 * S3 faults as they happen in production: a job spawned as its own process, stopped by a signal
 * mid-upload, or pointed at an endpoint that accepts connections and never answers.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../support/cli';
import { createBucket, emulator, emulatorEnv, TEST_SECRET } from '../support/aws-hooks';
import { seconds, spawnNode } from '../support/spawn';

const fixture = (name: string) => path.join(root, 'spec/fixtures/faults', name);

async function awsEnv(): Promise<Record<string, string>> {
  const { endpoint } = await emulator();
  return {
    ...emulatorEnv(endpoint),
  };
}

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('S3 faults, in a job of its own', function () {
  this.timeout(40_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-faults-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`should abort the multipart upload and leave no object on ${signal} mid-upload`, async () => {
      const bucket = await createBucket('stopped');
      const emu = await emulator();
      const run = spawnNode([fixture('stalled-export.mjs')], { cwd: root, env: { ...(await awsEnv()), TARGET: 's3', BUCKET: bucket } });
      await run.printed(/stalled/);
      // The first part is on its way or there: the multipart upload exists.
      const deadline = Date.now() + 10_000;
      while (!emu.requests.some((r) => r.method === 'POST' && r.url.includes('uploads')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const sent = Date.now();
      run.child.kill(signal);
      const result = await run.finished;
      const took = Date.now() - sent;
      console.log(`      (${signal} mid-upload: ended in ${seconds(took)})`);
      expect(result.signal ?? result.code, result.stderr).to.be.oneOf([signal, code]);
      expect(took).to.be.below(10_000);
      expect(result.stderr).to.match(/^ExportToS3\s+failed/m).and.to.match(/^Notify\s+skipped/m);
      const aborts = emu.requests.filter((r) => r.method === 'DELETE' && r.url.includes(`/${bucket}/stalled.csv?uploadId=`));
      expect(aborts, 'AbortMultipartUpload sent').to.have.length.at.least(1);
      await expect(emu.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'stalled.csv' }))).to.be.rejected;
    });
  }

  it('should remove its temp file and write no file on SIGTERM mid-write', async () => {
    const out = path.join(dir, 'export.csv');
    const run = spawnNode([fixture('stalled-export.mjs')], { cwd: root, env: { TARGET: 'file', OUT_FILE: out } });
    await run.printed(/stalled/);
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp')), 'the temp file exists while writing').to.equal(true);
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const result = await run.finished;
    console.log(`      (SIGTERM mid-write: ended in ${seconds(Date.now() - sent)})`);
    expect(result.signal ?? result.code).to.be.oneOf(['SIGTERM', 143]);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('should fail within the request timeout against an endpoint that never answers, naming host and timeout', async () => {
    const silent = await silentServer();
    try {
      const run = spawnNode([fixture('upload-once.mjs')], {
        cwd: root,
        env: {
          ...(await awsEnv()),
          BIGRAYS_AWS_ENDPOINT_URL: `http://127.0.0.1:${silent.port}`,
          BIGRAYS_AWS_REQUEST_TIMEOUT_MS: '800',
        },
      });
      const result = await run.finished;
      console.log(`      (silent S3 endpoint: exited ${result.code} in ${seconds(result.elapsedMs)})`);
      expect(result.code, result.stderr).to.equal(1);
      // The SDK tries 3 times; each try waits out the timeout.
      expect(result.elapsedMs).to.be.below(15_000);
      expect(result.stderr).to.contain(`127.0.0.1:${silent.port} sent and received nothing for 800 ms (BIGRAYS_AWS_REQUEST_TIMEOUT_MS)`);
      expect(result.stderr).not.to.contain(TEST_SECRET);
    } finally {
      await silent.close();
    }
  });
});
