import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { bigraysRun, FromS3, outputOf, register, TaskError, ToS3, updateFormatKws } from '../../lib';
import { createBucket, useEmulator } from '../support/aws-hooks';
import { failure } from '../helpers';

describe('FromS3', () => {
  const emulator = useEmulator();

  it('should output the object\'s exact bytes as a Buffer, and report them', async () => {
    const bucket = await createBucket('read');
    const bytes = Buffer.from([0x00, 0xff, 0x0a, 0x0d, ...Buffer.from('Zürich,"x"', 'utf8')]);
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'in/2026-01-02.bin', Body: bytes }));
    updateFormatKws({ day: '2026-01-02' });
    @register class Read extends FromS3 { bucket = bucket; key = 'in/{day}.bin'; }
    const report = await bigraysRun();
    const output = outputOf(Read);
    expect(Buffer.isBuffer(output)).to.equal(true);
    expect(output).to.deep.equal(bytes);
    expect(report.tasks[0]).to.include({ status: 'ok', bytes: bytes.length });
  });

  it('should read back what ToS3 wrote, through one shared client', async () => {
    const bucket = await createBucket('roundtrip');
    @register class Write extends ToS3 { input = [{ a: 1, b: null }]; bucket = bucket; key = 'x.csv'; }
    @register class Read extends FromS3 { bucket = bucket; key = 'x.csv'; }
    await bigraysRun();
    expect(outputOf(Read).toString('utf8')).to.equal('a,b\n1,\n');
    expect(Write).to.be.a('function');
  });

  it('should fail with a TaskError naming bucket and key for a missing object', async () => {
    const bucket = await createBucket('missing');
    @register class Read extends FromS3 { bucket = bucket; key = 'nope/missing.csv'; }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    expect((error.errors[0] as Error).message).to.equal(
      `Read: s3://${bucket}/nope/missing.csv does not exist: bucket \`${bucket}\` has no object with key \`nope/missing.csv\``,
    );
    expect((error.errors[0] as Error).cause).to.have.property('name', 'NoSuchKey');
    expect(Read).to.be.a('function');
  });

  it('should fail with a TaskError naming the bucket when the bucket is missing', async () => {
    @register class Read extends FromS3 { bucket = 'bigrays-no-such-bucket'; key = 'k.csv'; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.equal('Read: bucket `bigrays-no-such-bucket` does not exist (reading key `k.csv`)');
    expect(Read).to.be.a('function');
  });
});
