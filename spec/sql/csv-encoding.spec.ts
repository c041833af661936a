/**
 * FromS3 csv reads text in a declared encoding (UTF-8 unless told): bytes that are not valid in
 * it are an error naming the object, row, column and byte offset, never replaced, and nothing
 * is loaded or uploaded. Latin-1 and UTF-16LE files are read as what they are.
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { bigraysRun, BigraysConfig, FromS3, SQLWrite, ToS3, type CsvRows } from '../../lib';
import type { TextEncoding } from '../../lib';
import { createBucket, useEmulator } from '../support/aws-hooks';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';
import { failureOf, select } from '../support/sql-probe';

/** Rows 1..count of `id,a,b`, row `bad` holding the bytes ff fe c3 28 in field a; the file and the offset of 0xff. */
function withBadBytes(count: number, bad: number): { file: Buffer; offset: number } {
  const parts: Buffer[] = [Buffer.from('id,a,b\n')];
  for (let id = 1; id <= count; id++) {
    if (id === bad) parts.push(Buffer.from(`${id},"x`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('y",z\n'));
    else parts.push(Buffer.from(`${id},"row ${id} Zürich ✓ 🎉",z\n`));
  }
  const file = Buffer.concat(parts);
  return { file, offset: file.indexOf(0xff) };
}

/** Big enough that multi-byte characters fall across the reader's chunks: ids and mixed-script text. */
function manyRows(count: number): Array<[number, string]> {
  const texts = ['café', 'Zürich ✓', '日本語', '🎉 emoji 𝄞', 'plain', 'naïve, "quoted"'];
  return Array.from({ length: count }, (_, i) => [i + 1, `${texts[i % texts.length]} ${i}`]);
}

function csvOf(rows: Array<[number, string]>): string {
  return `id,note\n${rows.map(([id, note]) => `${id},"${note.replace(/"/g, '""')}"`).join('\n')}\n`;
}

describe('CSV from S3 in a declared encoding', function () {
  this.timeout(120_000);
  const emulator = useEmulator();
  let bucket: string;

  before(async () => {
    bucket = await createBucket('csv-encoding');
  });

  async function put(key: string, body: string | Buffer): Promise<void> {
    await emulator().s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  /** FromS3 (format csv) of `key` → SQLWrite into `table`; the report's rows. */
  async function load(key: string, table: string, attributes: { encoding?: TextEncoding; ifExists?: 'append' } = {}): Promise<unknown> {
    const from = bucket;
    class Fetch extends FromS3<CsvRows> {
      bucket = from; key = key; format = 'csv' as const;
      constructor() {
        super();
        if (attributes.encoding) this.encoding = attributes.encoding;
      }
    }
    class Load extends SQLWrite {
      tablename = table; input = Fetch.output; columnTypes = { id: 'integer' };
      constructor() {
        super();
        if (attributes.ifExists) this.ifExists = attributes.ifExists;
      }
    }
    const report = await bigraysRun(Fetch, Load);
    return report.tasks[1].rows;
  }

  describe('into PostgreSQL', () => {
    beforeEach(async () => {
      BigraysConfig.DB_DSN = await freshPostgresDsn();
    });

    it('should refuse bytes that are not UTF-8, naming object, row, column and byte offset, and leave the table as it was', async () => {
      class Setup extends SQLWrite { tablename = 'kept'; input = [{ id: 0, a: 'before', b: null }]; columnTypes = { id: 'integer' }; }
      await bigraysRun(Setup);
      const { file, offset } = withBadBytes(20_000, 15_000);
      await put('latin/bad.csv', file);
      const error = await failureOf(load('latin/bad.csv', 'kept', { ifExists: 'append' }));
      expect((error.errors[0] as Error).message).to.equal(
        `Load: writing to kept failed at row 15000, so none was written: CSV: s3://${bucket}/latin/bad.csv is not valid UTF-8 ` +
          `at byte offset ${offset} (row 15000, column 2 \`a\`): ff fe c3 28; ` +
          "no byte is replaced: if the file is in another encoding, set Fetch.encoding to 'latin1' or 'utf16le'",
      );
      expect((await select('select id, a, b from kept')).values).to.deep.equal([[0, 'before', null]]);
    });

    it('should refuse them among the first rows (read to infer types) and in a gzip object the same way, creating no table', async () => {
      const { file, offset } = withBadBytes(10, 3);
      await put('early.csv', file);
      await put('early.csv.gz', gzipSync(file));
      for (const key of ['early.csv', 'early.csv.gz']) {
        const error = await failureOf(load(key, 'early'));
        const message = (error.errors[0] as Error).message;
        expect(message).to.include(`s3://${bucket}/${key}`);
        expect(message).to.include(`at byte offset ${offset} (row 3, column 2 \`a\`): ff fe c3 28`);
        expect((await select("select to_regclass('early') as t")).values).to.deep.equal([[null]]);
      }
    });

    it('should refuse a file that ends inside a character, and a bad byte in the header row', async () => {
      await put('cut.csv', Buffer.concat([Buffer.from('id,a\n1,caf'), Buffer.from([0xc3])]));
      const cut = (await failureOf(load('cut.csv', 'cut'))).errors[0] as Error;
      expect(cut.message).to.include(`s3://${bucket}/cut.csv is not valid UTF-8 at byte offset 10 (row 1, column 2 \`a\`): c3 (the file ends inside a character)`);
      await put('header.csv', Buffer.concat([Buffer.from('id,n'), Buffer.from([0xe9]), Buffer.from('e\n1,x\n')]));
      const header = (await failureOf(load('header.csv', 'header'))).errors[0] as Error;
      expect(header.message).to.include(`s3://${bucket}/header.csv is not valid UTF-8 at byte offset 4 (the header row, column 2): e9 65 0a 31`);
      expect((await select("select to_regclass('cut') as a, to_regclass('header') as b")).values).to.deep.equal([[null, null]]);
    });

    it('should load UTF-8 with characters across every chunk boundary, and drop a UTF-8 byte order mark', async () => {
      const rows = manyRows(40_000);
      await put('many.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csvOf(rows))]));
      expect(await load('many.csv', 'many')).to.equal(40_000);
      expect((await select('select id, note from many order by id')).values).to.deep.equal(rows);
    });

    it("should read a Latin-1 file as Latin-1 with encoding = 'latin1'", async () => {
      await put('latin1.csv', Buffer.from('id,note\n1,café\n2,"Zürich, naïve"\n3,ÿ½\n', 'latin1'));
      expect(await load('latin1.csv', 'latin', { encoding: 'latin1' })).to.equal(3);
      expect((await select('select id, note from latin order by id')).values).to.deep.equal([[1, 'café'], [2, 'Zürich, naïve'], [3, 'ÿ½']]);
    });

    it("should read UTF-16LE with encoding = 'utf16le', and by its byte order mark, the mark dropped", async () => {
      const rows = manyRows(30_000);
      const text = csvOf(rows);
      await put('utf16.csv', Buffer.from(text, 'utf16le'));
      await put('utf16-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      expect(await load('utf16.csv', 'plain16', { encoding: 'utf16le' })).to.equal(30_000);
      expect(await load('utf16-bom.csv', 'bom16')).to.equal(30_000);
      expect((await select('select id, note from plain16 order by id')).values).to.deep.equal(rows);
      expect((await select('select id, note from bom16 order by id')).values).to.deep.equal(rows);
    });

    it('should refuse UTF-16LE with a lone surrogate, naming where', async () => {
      const units = Buffer.from('id,a\n1,x\n2,y?z\n', 'utf16le');
      const at = units.indexOf(Buffer.from('?', 'utf16le'));
      units.writeUInt16LE(0xd83c, at);
      await put('lone16.csv', units);
      const error = (await failureOf(load('lone16.csv', 'lone', { encoding: 'utf16le' }))).errors[0] as Error;
      expect(error.message).to.include(`s3://${bucket}/lone16.csv is not valid UTF-16LE at byte offset ${at} (row 2, column 2 \`a\`): 3c d8`);
    });
  });

  describe('into SQLite', () => {
    beforeEach(() => {
      BigraysConfig.DB_DSN = freshSqliteDsn();
    });

    it('should refuse bytes that are not UTF-8 the same way, creating no table', async () => {
      const { file, offset } = withBadBytes(20_000, 14_321);
      await put('sqlite-bad.csv', file);
      const error = await failureOf(load('sqlite-bad.csv', 'bad'));
      expect((error.errors[0] as Error).message).to.equal(
        `Load: writing to bad failed at row 14321, so none was written: CSV: s3://${bucket}/sqlite-bad.csv is not valid UTF-8 ` +
          `at byte offset ${offset} (row 14321, column 2 \`a\`): ff fe c3 28; ` +
          "no byte is replaced: if the file is in another encoding, set Fetch.encoding to 'latin1' or 'utf16le'",
      );
      expect((await select("select count(*) as n from sqlite_master where name = 'bad'")).values).to.deep.equal([[0]]);
    });

    it("should insert a Latin-1 file's text read as Latin-1", async () => {
      await put('latin1-sqlite.csv', Buffer.from('id,note\n1,café\n2,Ærø\n', 'latin1'));
      expect(await load('latin1-sqlite.csv', 'latin', { encoding: 'latin1' })).to.equal(2);
      expect((await select('select id, note from latin order by id')).values).to.deep.equal([[1, 'café'], [2, 'Ærø']]);
    });
  });

  it('should upload nothing when the rows ToS3 writes come from bytes that are not UTF-8', async () => {
    const { file, offset } = withBadBytes(20_000, 17_500);
    await put('to-s3-bad.csv', file);
    const from = bucket;
    class Fetch extends FromS3<CsvRows> { bucket = from; key = 'to-s3-bad.csv'; format = 'csv' as const; }
    class Upload extends ToS3 { input = Fetch.output; bucket = from; key = 'copied.csv'; }
    const error = (await failureOf(bigraysRun(Fetch, Upload))).errors[0] as Error;
    expect(error.message).to.match(/^Upload: /);
    expect(error.message).to.include(`s3://${bucket}/to-s3-bad.csv is not valid UTF-8 at byte offset ${offset} (row 17500, column 2 \`a\`)`);
    const head = await emulator().s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copied.csv' })).then(() => 'exists', (e: Error) => e.name);
    expect(head).to.equal('NotFound');
  });
});
