import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { bigraysRun, ListS3Objects, outputOf, register, updateFormatKws } from '../../lib';
import { failure } from '../helpers';
import { createBucket, useEmulator, type Emulator } from '../support/aws-hooks';

/** Puts `keys` (empty objects), a few dozen at a time. */
async function putKeys(emulator: Emulator, bucket: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((key) => emulator.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }))));
  }
}

describe('ListS3Objects', function () {
  this.timeout(60_000);
  const emulator = useEmulator();
  const count = 1205;
  const keys = Array.from({ length: count }, (_, i) => `data/part-${String(i).padStart(4, '0')}.${i % 2 === 0 ? 'csv' : 'json'}`);
  let bucket: string;

  beforeEach(async function () {
    if (bucket) return;
    bucket = await createBucket('list');
    await putKeys(emulator(), bucket, [...keys, 'other/part-0000.csv', 'data.csv']);
  });

  it('should list every key under a prefix, past the first page of 1000', async () => {
    updateFormatKws({ area: 'data' });
    @register class List extends ListS3Objects { bucket = bucket; prefix = '{area}/'; }
    await bigraysRun();
    expect(outputOf(List)).to.deep.equal(keys);
    const pages = emulator().requests.filter((r) => r.method === 'GET' && r.url.includes('list-type=2'));
    expect(pages).to.have.length(2);
    expect(pages[1].url).to.contain('continuation-token=');
  });

  it('should keep only keys with the suffix, from every page', async () => {
    @register class List extends ListS3Objects { bucket = bucket; prefix = 'data/'; suffix = '.csv'; }
    await bigraysRun();
    const listed = outputOf(List);
    expect(listed).to.deep.equal(keys.filter((k) => k.endsWith('.csv')));
    expect(listed).to.have.length(603);
    expect(listed[listed.length - 1]).to.equal('data/part-1204.csv');
  });

  it('should list the whole bucket without a prefix', async () => {
    @register class List extends ListS3Objects { bucket = bucket; suffix = '.csv'; }
    await bigraysRun();
    expect(outputOf(List)).to.have.length(605).and.to.include.members(['data.csv', 'other/part-0000.csv']);
  });

  it('should output an empty list when nothing matches', async () => {
    @register class List extends ListS3Objects { bucket = bucket; prefix = 'nothing-here/'; }
    await bigraysRun();
    expect(outputOf(List)).to.deep.equal([]);
  });

  it('should fail naming the bucket when it does not exist', async () => {
    @register class List extends ListS3Objects { bucket = 'bigrays-absent-bucket'; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.equal('List: bucket `bigrays-absent-bucket` does not exist');
    expect(List).to.be.a('function');
  });
});
