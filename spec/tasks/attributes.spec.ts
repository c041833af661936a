/** Attribute values a built-in task can check without I/O are refused before anything runs. */
import { expect } from 'chai';
import {
  bigraysRun, FromS3, ListS3Objects, register, SNSPublish, SNSPublishEmail, SQLStream, SQLWrite, Task, TaskInterfaceError, ToS3,
  updateFormatKws,
} from '../../lib';
import { runTaskInstance } from '../../lib/run';
import { filledAttribute } from '../../lib/tasks/attributes';
import { bucketNameProblems } from '../../lib/tasks/s3-task';
import { createBucket, useEmulator } from '../support/aws-hooks';
import { failure } from '../helpers';

const MiB = 1024 * 1024;

describe('attribute values checked before the run', () => {
  const emulator = useEmulator();

  it('should name every task and attribute with a value out of its set or range, before any task runs', async () => {
    let ran = false;
    @register class First extends Task { run() { ran = true; } }
    @register class Upload extends ToS3 {
      input = 'x'; bucket = 'exports'; key = 'k';
      serverSideEncryption = 'AES128' as never; partSize = 5 * MiB - 1; queueSize = 0; format = 'xml' as never;
    }
    @register class Huge extends ToS3 { input = 'x'; bucket = 'exports'; key = 'k'; partSize = 5 * 1024 * MiB + 1; }
    @register class Fetch extends FromS3 { bucket = 'exports'; key = 'k'; format = 'text' as never; }
    @register class List extends ListS3Objects { bucket = 'Exports_2026'; }
    @register class Load extends SQLWrite { tablename = 't'; input = [{ a: 1 }]; ifExists = 'overwrite' as never; }
    @register class Rows extends SQLStream { query = 'select 1'; batchSize = 0; }
    @register class Notify extends SNSPublish { input = 'done'; topic = 'team-alerts'; }
    const error = await failure<TaskInterfaceError>(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(ran).to.equal(false);
    expect(emulator().requests).to.deep.equal([]);
    expect(error.attributes).to.deep.equal({
      Upload: ['format', 'serverSideEncryption', 'partSize', 'queueSize'],
      Huge: ['partSize'],
      Fetch: ['format'],
      List: ['bucket'],
      Load: ['ifExists'],
      Rows: ['batchSize'],
      Notify: ['topic'],
    });
    const lines = error.message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).to.deep.equal([
      "Upload format must be one of 'csv', 'jsonl', 'parquet', got \"xml\"; " +
        "serverSideEncryption must be one of 'AES256', 'aws:kms', 'aws:kms:dsse', 'none', got \"AES128\"; " +
        `partSize must be a whole number of bytes from 5 MiB (${5 * MiB}) to 5 GiB (${5 * 1024 * MiB}), S3's limits for a part, got ${5 * MiB - 1}; ` +
        'queueSize must be a whole number ≥ 1, got 0',
      `Huge partSize must be a whole number of bytes from 5 MiB (${5 * MiB}) to 5 GiB (${5 * 1024 * MiB}), S3's limits for a part, got ${5 * 1024 * MiB + 1}`,
      "Fetch format must be 'bytes' or 'csv', got \"text\"",
      'List bucket "Exports_2026" is not a valid S3 bucket name (it holds "E", "_"): ' +
        'use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
      "Load ifExists must be one of 'fail', 'append', 'replace', 'merge', got \"overwrite\" ('replace' drops and recreates the table)",
      'Rows batchSize must be a positive integer, got 0',
      'Notify topic must be a topic ARN such as arn:aws:sns:us-east-1:123456789012:my-topic, got "team-alerts"',
    ]);
    expect(First && Upload && Huge && Fetch && List && Load && Rows && Notify).to.be.a('function');
  });

  it('should hold bucket names to S3\'s naming rules, and take an access point ARN as it is', () => {
    const valid = ['abc', 'my-bucket', 'logs.2026.example', 'a'.repeat(63), 'x1-y2', 'data--usw2-az1--x-s3',
      'arn:aws:s3:us-west-2:123456789012:accesspoint/reports'];
    for (const name of valid) expect(bucketNameProblems(name), name).to.deep.equal([]);
    const invalid: Array<[string, string]> = [
      ['ab', 'it has 2 characters'],
      ['a'.repeat(64), 'it has 64 characters'],
      ['My-Bucket', 'it holds "M", "B"'],
      ['my_bucket', 'it holds "_"'],
      ['-bucket', 'it does not start and end with a letter or digit'],
      ['bucket.', 'it does not start and end with a letter or digit'],
      ['my..bucket', 'it holds ".."'],
      ['192.168.5.4', 'it is formatted as an IP address'],
      ['s3://bucket', 'it holds ":", "/"'],
    ];
    for (const [name, problem] of invalid) expect(bucketNameProblems(name), name).to.include(problem);
  });

  it('should check bucket and key once their keywords are filled, and a key\'s length in bytes of UTF-8', async () => {
    const name = 'é'.repeat(511);
    updateFormatKws({ env: 'Prod', name });
    @register class Named extends ToS3 { input = 'x'; bucket = '{env}-exports'; key = 'k'; }
    @register class AtLimit extends ToS3 { input = 'x'; bucket = 'exports'; key = 'a/{name}'; }
    @register class TooLong extends ToS3 { input = 'x'; bucket = 'exports'; key = 'abc/{name}'; }
    expect(Buffer.byteLength(`a/${name}`)).to.equal(1024);
    const error = await failure<TaskInterfaceError>(bigraysRun());
    expect(error.attributes).to.deep.equal({ Named: ['bucket'], TooLong: ['key'] });
    expect(error.message).to.contain('Named bucket "Prod-exports" (from "{env}-exports") is not a valid S3 bucket name (it holds "P")');
    expect(error.message).to.contain(`TooLong key is ${Buffer.byteLength(`abc/${name}`)} bytes of UTF-8 once filled, over S3's limit of 1024: shorten it`);
    expect(Named && AtLimit && TooLong).to.be.a('function');
  });

  it('should check a split key with {part} filled, and leave a keyword set to a task\'s output to the run', () => {
    class Split extends ToS3 { input = 'x'; bucket = 'exports'; key = 'day={day}/part-{part:05d}.csv'; maxRowsPerObject = 10; formatKws = { day: '2026-01-02' }; }
    expect(filledAttribute(new Split(), 'key')).to.equal('day=2026-01-02/part-00000.csv');
    class Source extends Task<string> { run() { return 'exports'; } }
    class Later extends ToS3 { input = 'x'; bucket = '{b}'; key = 'k'; formatKws = { b: Source.output }; }
    expect(filledAttribute(new Later(), 'bucket')).to.equal(undefined);
    expect(new Later().attributeProblems()).to.deep.equal([]);
  });

  it('should check again when the task starts, with the values the run filled in', async () => {
    const bucket = await createBucket('late');
    updateFormatKws({ target: bucket });
    @register class Retarget extends Task { run() { updateFormatKws({ target: 'Not_A_Bucket' }); } }
    @register class Upload extends ToS3 { input = 'x'; bucket = '{target}'; key = 'k'; }
    emulator().requests.length = 0;
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskInterfaceError);
    expect((error.errors[0] as Error).message).to.match(/^Upload: bucket "Not_A_Bucket" is not a valid S3 bucket name \(it holds "N", "_", "A", "B"\)/);
    expect(emulator().requests).to.deep.equal([]);
    expect(Retarget && Upload).to.be.a('function');
  });

  it('should fill the keywords again before a task instance runs a second time', async () => {
    const [first, second] = [await createBucket('again'), await createBucket('again')];
    class Upload extends ToS3 { input = 'x'; bucket = '{target}'; key = 'k'; }
    const upload = new Upload();
    updateFormatKws({ target: first });
    expect((await runTaskInstance(upload)).bucket).to.equal(first);
    upload.bucket = '{target}';
    updateFormatKws({ target: second });
    expect((await runTaskInstance(upload)).bucket).to.equal(second);
    upload.bucket = '{target}';
    updateFormatKws({ target: 'Not_A_Bucket' });
    const error = await failure<TaskInterfaceError>(runTaskInstance(upload));
    expect(error.message).to.contain('bucket "Not_A_Bucket" (from "{target}") is not a valid S3 bucket name');
  });

  it('should refuse an SNS subject over its limit before the run, and accept one at the limit', async () => {
    @register class Subject extends SNSPublishEmail { input = 'x'; topic = 'arn:aws:sns:us-east-1:000000000000:t'; subject = 'é'.repeat(101); }
    const error = await failure<TaskInterfaceError>(bigraysRun());
    expect(error.attributes).to.deep.equal({ Subject: ['subject'] });
    class AtLimit extends SNSPublishEmail { input = 'y'.repeat(262_144); topic = 'arn:aws:sns:us-east-1:000000000000:t'; subject = 'é'.repeat(100); }
    expect(new AtLimit().attributeProblems()).to.deep.equal([]);
    expect(Subject).to.be.a('function');
  });

  it("should refuse a FromS3 encoding it cannot read before the run, naming the ones it can", async () => {
    @register class Latin extends FromS3 { bucket = 'exports'; key = 'k.csv'; format = 'csv' as const; encoding = 'cp1252' as never; }
    const error = await failure<TaskInterfaceError>(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.attributes).to.deep.equal({ Latin: ['encoding'] });
    expect(error.message).to.contain("Latin encoding must be one of 'utf8', 'latin1', 'utf16le', got \"cp1252\"");
    expect(emulator().requests).to.deep.equal([]);
    class Bytes extends FromS3 { bucket = 'exports'; key = 'k.bin'; encoding = 'latin1' as const; }
    expect(new Bytes().attributeProblems()).to.deep.equal([
      "encoding is 'latin1', but format is 'bytes' (the object's bytes as they are): set format = 'csv' to read its text",
    ]);
    for (const encoding of ['utf8', 'latin1', 'utf16le'] as const) {
      class Fine extends FromS3 { bucket = 'exports'; key = 'k.csv'; format = 'csv' as const; encoding = encoding; }
      expect(new Fine().attributeProblems()).to.deep.equal([]);
    }
    expect(Latin).to.be.a('function');
  });
});
