/** The CSV reader of FromS3 csv: csv-parse's reading, a batch at a time, and COPY text for bulk loads. */
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { CopyLines, CsvFormatError, CsvReader, type CsvValue } from '../../lib/data/csv-read';
import { random } from '../support/seeded-random';

/** What csv-parse reads, as FromS3 read CSV before (`bom`, empty unquoted = NULL): columns and rows, or that it refuses. */
function csvParse(text: Buffer): { columns: string[]; rows: CsvValue[][] } | 'refused' {
  try {
    const records = parse(text, { bom: true, cast: (value: string, context: { quoting: boolean }) => (value === '' && !context.quoting ? null : value) }) as CsvValue[][];
    return { columns: (records[0] ?? []).map((name) => name ?? ''), rows: records.slice(1) };
  } catch {
    return 'refused';
  }
}

function reader(bytes: Buffer, chunk: number): CsvReader {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
  }
  return new CsvReader(chunks());
}

async function rowsOf(bytes: Buffer, chunk: number): Promise<{ columns: string[]; rows: CsvValue[][] } | 'refused'> {
  const csv = reader(bytes, chunk);
  try {
    if (!(await csv.start())) return { columns: [], rows: [] };
    const rows: CsvValue[][] = [];
    for (let batch = await csv.batch(7); batch; batch = await csv.batch(7)) rows.push(...batch);
    return { columns: csv.columns, rows };
  } catch (error) {
    expect(error).to.be.instanceOf(CsvFormatError);
    return 'refused';
  }
}

async function copyTextOf(text: string, chunk = 1 << 20): Promise<string> {
  const csv = reader(Buffer.from(text), chunk);
  await csv.start();
  let out = '';
  for await (const piece of csv.copyText()) out += piece;
  return out;
}

const VALUES = ['', 'a', 'b c', 'x"y', 'l1\nl2', 'c\rr', 'crlf\r\n', '\\.', ',', 'é ✓ 日本', ' sp ', '\\', 'NULL'];

/** A CSV of `records` records, mostly well formed: fields quoted or not, now and then a stray byte. */
function someCsv(next: (n: number) => number): string {
  const eol = ['\n', '\r\n', '\r'][next(3)];
  const width = 1 + next(3);
  const records: string[] = [];
  const count = next(6);
  for (let r = 0; r <= count; r++) {
    const fields: string[] = [];
    const w = next(20) === 0 ? 1 + next(3) : width;
    for (let f = 0; f < w; f++) {
      const value = VALUES[next(VALUES.length)];
      const how = next(10);
      fields.push(how < 2 ? '' : how < 6 || /[",]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
    }
    records.push(fields.join(','));
  }
  let text = records.join(eol) + (next(10) < 7 ? eol : '');
  if (next(10) === 0) {
    const at = next(text.length + 1);
    text = text.slice(0, at) + ['\n', '\r', '"', '\\.', '\n\n', 'x'][next(6)] + text.slice(at);
  }
  return next(20) === 0 ? `\ufeff${text}` : text;
}

describe('CSV reader', () => {
  it('should read well-formed and odd CSV exactly as csv-parse does, however the bytes are split', async () => {
    const next = random(20260101);
    let read = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(someCsv(next));
      const expected = csvParse(bytes);
      if (expected === 'refused') refused += 1;
      else read += 1;
      for (const chunk of [1, 3, 1 << 16]) {
        expect(await rowsOf(bytes, chunk), `${JSON.stringify(bytes.toString())} in chunks of ${chunk}`).to.deep.equal(expected);
      }
    }
    // Both kinds were tried, many times.
    expect(read).to.be.above(1500);
    expect(refused).to.be.above(200);
  });

  it('should agree with csv-parse on random bytes of CSV characters', async () => {
    const next = random(7);
    const alphabet = ['a', ',', '"', '\n', '\r', '""', ' ', '\\.', 'é', 'x,y', '\r\n'];
    for (let i = 0; i < 3000; i++) {
      let text = next(2) ? 'h1,h2\n' : '';
      for (let n = next(30); n > 0; n--) text += alphabet[next(alphabet.length)];
      const bytes = Buffer.from(text);
      for (const chunk of [1, 1 << 16]) expect(await rowsOf(bytes, chunk), JSON.stringify(text)).to.deep.equal(csvParse(bytes));
    }
  });

  it('should drop a UTF-8 byte order mark and read UTF-16LE after its mark, as csv-parse does', async () => {
    const utf8 = Buffer.from('\ufeffname,city\n"Zoë",Zürich\n');
    expect(await rowsOf(utf8, 2)).to.deep.equal({ columns: ['name', 'city'], rows: [['Zoë', 'Zürich']] });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name,city\r\n"Zoë",日本\r\n', 'utf16le')]);
    expect(await rowsOf(utf16, 5)).to.deep.equal(csvParse(utf16));
    expect(await rowsOf(utf16, 5)).to.deep.equal({ columns: ['name', 'city'], rows: [['Zoë', '日本']] });
  });

  it('should refuse a malformed record with a message naming its row and what is wrong', async () => {
    const messages: string[] = [];
    for (const text of ['a,b\n1,2\n3,x"y\n', 'a,b\n1,"x" \n', 'a,b\n1,2\n3,"open\n', 'a,b\n1,2\n1,2,3\n']) {
      const csv = reader(Buffer.from(text), 4);
      await csv.start();
      const error = await csv.batch(10).then(() => undefined, (e: unknown) => e as CsvFormatError);
      expect(error, text).to.be.instanceOf(CsvFormatError);
      messages.push(`${error!.row}: ${error!.message}`);
    }
    expect(messages).to.deep.equal([
      '2: CSV: field 2 of row 2 has a quote after "x": a field with quotes in it is quoted whole, its quotes doubled',
      '1: CSV: the closing quote of field 2 of row 1 is followed by " ", not by a comma or the end of the line (a quoted field is quoted whole)',
      '2: CSV: field 2 of row 2 opens a quote that is never closed',
      '2: CSV: row 2 has 3 values for 2 columns (a, b)',
    ]);
  });

  it('should pass records COPY reads the same way through as they are, and write the others again', async () => {
    const clean = 'id,memo,note\r\n1,"a, ""b""",x\r\n2,,""\r\n3,"multi\r\nline",\r\n';
    expect(await copyTextOf(clean, 5)).to.equal(clean.slice('id,memo,note\r\n'.length));
    // A CR that is data (the file's records end with LF), an empty line and a lone \. are
    // written again, quoted; NULL stays an empty unquoted field.
    expect(await copyTextOf('v\na\n\\.\n\nb\rc\n')).to.equal('a\n"\\."\n\n"b\rc"\n');
    expect(await copyTextOf('a,b\n\\.x,\n1,2')).to.equal('"\\.x",\n1,2');
  });

  it('should pass UTF-8 records on as their own bytes: the same COPY text, line count and refusals as decoded text gives', async () => {
    /** The COPY text of `bytes` (with the rows of COPY's lines 1 to 9), or the refusal's row and message. */
    async function copyOf(bytes: Buffer, chunk: number): Promise<{ text: string; rows: number[] } | string> {
      const csv = reader(bytes, chunk);
      const pieces: Buffer[] = [];
      try {
        if (!(await csv.start())) return 'empty';
        await csv.peek(2);
        for await (const piece of csv.copyText()) pieces.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece));
      } catch (error) {
        return `${(error as CsvFormatError).row}: ${(error as Error).message}`;
      }
      return { text: Buffer.concat(pieces).toString(), rows: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((line) => csv.lines.row(line)) };
    }
    const next = random(4242);
    let passed = 0;
    for (let i = 0; i < 2000; i++) {
      const text = someCsv(next).replace(/^\ufeff/, '');
      // The same text as UTF-16LE is decoded, and its records go on as strings.
      const decoded = await copyOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 1 << 16);
      for (const chunk of [1, 3, 1 << 16]) {
        expect(await copyOf(Buffer.from(text), chunk), `${JSON.stringify(text)} in chunks of ${chunk}`).to.deep.equal(decoded);
      }
      if (typeof decoded !== 'string') passed += 1;
    }
    expect(passed).to.be.above(1000);
    // Records past the first bytes read, the odd ones among them written again across the ends of what is read.
    const rows = Array.from({ length: 40000 }, () => {
      const fields = [0, 1, 2].map(() => VALUES[next(VALUES.length)]).map((v, f) => (next(3) === 0 && !/[",\r\n]/.test(v) ? v : `"${v.replace(/"/g, '""')}"`));
      if (next(50) === 0) fields[1] = `x\ry`;
      return fields.join(',');
    });
    const big = `a,b,c\n${rows.join('\n')}\n`;
    const bigDecoded = await copyOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(big, 'utf16le')]), 1 << 16);
    expect(bigDecoded).to.be.an('object');
    for (const chunk of [7777, 1 << 16]) expect(await copyOf(Buffer.from(big), chunk)).to.deep.equal(bigDecoded);
    const csv = reader(Buffer.from('id,city\n1,Zürich\n2,"日本, ""東京"""\n'), 4);
    await csv.start();
    for await (const piece of csv.copyText()) expect(Buffer.isBuffer(piece)).to.equal(true);
  });

  it('should refuse bytes not valid UTF-8 in the records it passes on, naming the row and column as reading the rows does', async () => {
    // Past the first bytes read (256 KiB), which are decoded whatever follows.
    const good = Array.from({ length: 30000 }, (_, i) => `${i + 1},"memo ${i + 1}"\n`).join('');
    const bytes = Buffer.concat([Buffer.from(`id,memo\n${good}30001,"bad `), Buffer.from([0xe9]), Buffer.from(' here"\n30002,x\n')]);
    const fromRows = reader(bytes, 1000);
    await fromRows.start();
    const rowsError = await (async () => {
      while (await fromRows.batch(500));
    })().then(() => undefined, (e: unknown) => e as CsvFormatError);
    const fromText = reader(bytes, 1000);
    await fromText.start();
    await fromText.peek(10);
    const textError = await (async () => {
      for await (const piece of fromText.copyText()) expect(piece.length).to.be.above(0);
    })().then(() => undefined, (e: unknown) => e as CsvFormatError);
    expect(textError).to.be.instanceOf(CsvFormatError);
    expect(textError!.message).to.include('row 30001, column 2 `memo`');
    expect([textError!.row, textError!.message]).to.deep.equal([rowsError!.row, rowsError!.message]);
  });

  it('should refuse a malformed record past the first bytes read as decoded text does: bad bytes first, a character cut by a read quoted whole', async () => {
    const read = 256 * 1024;
    /** The refusal of the COPY text of `chunks`, as UTF-8 bytes and as the same text decoded. */
    async function refusals(chunks: Buffer[]): Promise<string[]> {
      const messages: string[] = [];
      for (const path of ['copyText', 'copyDecoded'] as const) {
        async function* source(): AsyncGenerator<Buffer> {
          yield* chunks;
        }
        const csv = new CsvReader(source(), { source: 's3://drop/in.csv' });
        await csv.start();
        const text = (csv as unknown as Record<typeof path, () => AsyncGenerator<string | Buffer>>)[path]();
        messages.push(await (async () => {
          for await (const piece of text) expect(piece.length).to.be.above(0);
          return 'loaded';
        })().catch((error: unknown) => (error as Error).message));
      }
      return messages;
    }
    const fill = Buffer.from(`h1,h2\n${'1,2\n'.repeat(70000)}`);
    // A closing quote followed by a byte that is not UTF-8: the bytes are refused, not the quote.
    const bad = Buffer.concat([fill, Buffer.from([0x22, 0x61, 0x22, 0xff, 0x2c, 0x32, 0x0a])]);
    expect(await refusals([bad.subarray(0, read), bad.subarray(read)])).to.deep.equal(Array(2).fill(
      "CSV: s3://drop/in.csv is not valid UTF-8 at byte offset 280009 (row 70001, column 1 `h1`): ff 2c 32 0a; no byte is replaced: if the file is in another encoding, set encoding to 'latin1' or 'utf16le'",
    ));
    // A closing quote followed by é, whose two bytes two reads bring: the message quotes é.
    const cut = Buffer.concat([fill, Buffer.from('"a"é,2\n')]);
    const at = cut.indexOf(0xc3) + 1;
    const quoted = 'CSV: the closing quote of field 1 of row 70001 is followed by "é", not by a comma or the end of the line (a quoted field is quoted whole)';
    expect(await refusals([cut.subarray(0, read), cut.subarray(read, at), cut.subarray(at)])).to.deep.equal([quoted, quoted]);
    // The same with é cut by the first read, the one the header was read from.
    const first = Buffer.from(`h1,h2\n1,${'z'.repeat(read - 13)}\n"a"é,2\n`);
    expect(first[read - 1]).to.equal(0xc3);
    expect(await refusals([first.subarray(0, read), first.subarray(read)])).to.deep.equal(Array(2).fill(quoted.replace('row 70001', 'row 2')));
  });

  it('should tell the row of a COPY line number, counting the line breaks inside values', async () => {
    const csv = reader(Buffer.from('id,memo\n1,x\n2,"two\nlines"\n3,"three\nmore\nlines"\n4,y\n5,"z\rz"\n'), 3);
    await csv.start();
    for await (const piece of csv.copyText()) expect(piece.length).to.be.above(0);
    const lines = csv.lines;
    // COPY's lines: row 1 is line 1, row 2 ends on line 3, row 3 on line 6, row 4 is line 7
    // (a CR is data in LF text).
    expect([1, 3, 6, 7, 8].map((line) => lines.row(line))).to.deep.equal([1, 2, 3, 4, 5]);
    // Inside row 1 COPY does not know yet how lines end, and counts CR only.
    const first = reader(Buffer.from('a\n"one\ntwo\rthree"\nb\n'), 3);
    await first.start();
    for await (const piece of first.copyText()) expect(piece.length).to.be.above(0);
    expect([2, 3].map((line) => first.lines.row(line))).to.deep.equal([1, 2]);
    const none = new CopyLines();
    expect(none.row(42)).to.equal(42);
  });
});
