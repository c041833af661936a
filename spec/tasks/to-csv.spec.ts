import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  bigraysRun, outputOf, register, Task, TaskError, TaskInterfaceError, ToCSV, updateFormatKws,
} from '../../lib';
import { loadDanfo } from '../../lib/data/danfo';
import { failure } from '../helpers';

describe('ToCSV', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-to-csv-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('should write row objects as CSV to a file named with format keywords, and report rows and bytes', async () => {
    updateFormatKws({ day: '2026-01-02' });
    const target = path.join(dir, 'report-{day}.csv');
    @register class Report extends ToCSV {
      input = [{ id: 1, note: null, text: 'a,b' }, { id: 2, note: '', text: 'ok' }];
      filename = target;
    }
    const report = await bigraysRun();
    const written = path.join(dir, 'report-2026-01-02.csv');
    const expected = 'id,note,text\n1,,"a,b"\n2,"",ok\n';
    expect(readFileSync(written, 'utf8')).to.equal(expected);
    expect(report.tasks[0]).to.include({ status: 'ok', rows: 2, bytes: Buffer.byteLength(expected) });
    expect(Report.output).to.deep.equal({ path: written, bytes: Buffer.byteLength(expected), rows: 2 });
    expect(readdirSync(dir)).to.deep.equal(['report-2026-01-02.csv']);
  });

  it('should write the output of an earlier task given as a DataFrame', async () => {
    const target = path.join(dir, 'frame.csv');
    @register class Frame extends Task {
      run() {
        const { DataFrame } = loadDanfo();
        return new DataFrame([[1, 'x'], [2, null]], { columns: ['n', 's'] });
      }
    }
    @register class Save extends ToCSV { input = Frame.output; filename = target; }
    await bigraysRun();
    expect(readFileSync(target, 'utf8')).to.equal('n,s\n1,x\n2,\n');
    expect(outputOf(Save).rows).to.equal(2);
  });

  it('should refuse to overwrite an existing file, leaving it untouched', async () => {
    const target = path.join(dir, 'keep.csv');
    writeFileSync(target, 'old,data\n');
    @register class Overwrites extends ToCSV { input = [{ a: 1 }]; filename = target; }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    expect((error.errors[0] as Error).message).to.equal(`Overwrites: ${target} exists already. Set overwriteIfExists = true to replace it.`);
    expect(readFileSync(target, 'utf8')).to.equal('old,data\n');
    expect(readdirSync(dir)).to.deep.equal(['keep.csv']);
    expect(Overwrites).to.be.a('function');
  });

  it('should replace an existing file with overwriteIfExists', async () => {
    const target = path.join(dir, 'replace.csv');
    writeFileSync(target, 'old,data\n');
    @register class Replaces extends ToCSV { input = [{ a: 1 }]; filename = target; overwriteIfExists = true; }
    await bigraysRun();
    expect(readFileSync(target, 'utf8')).to.equal('a\n1\n');
    expect(Replaces).to.be.a('function');
  });

  it('should leave no file, partial or temporary, when the input stream fails half-way', async () => {
    const target = path.join(dir, 'partial.csv');
    async function* rows() {
      for (let i = 0; i < 5000; i += 1) yield { n: i, text: 'x'.repeat(100) };
      throw new Error('source went away');
    }
    @register class Streams extends ToCSV { input = Readable.from(rows()); filename = target; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.match(/Streams: writing .*partial\.csv failed: source went away; no file was written/);
    expect(readdirSync(dir)).to.deep.equal([]);
    expect(Streams).to.be.a('function');
  });

  it('should leave an existing file unchanged when overwriting fails half-way', async () => {
    const target = path.join(dir, 'existing.csv');
    writeFileSync(target, 'before\n');
    const chunks = (async function* () {
      yield Buffer.from('a,b\n1,2\n');
      throw new Error('disk feed broke');
    })();
    @register class Breaks extends ToCSV { input = chunks; filename = target; overwriteIfExists = true; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.match(/disk feed broke; the existing file is unchanged/);
    expect(readFileSync(target, 'utf8')).to.equal('before\n');
    expect(readdirSync(dir)).to.deep.equal(['existing.csv']);
    expect(Breaks).to.be.a('function');
  });

  it('should write a string, bytes and a byte stream as they are', async () => {
    @register class Text extends ToCSV { input = 'a;b\n1;2\n'; filename = path.join(dir, 'text.csv'); }
    @register class Bytes extends ToCSV { input = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]); filename = path.join(dir, 'bytes.csv'); }
    @register class Stream extends ToCSV { input = Readable.from([Buffer.from('x\n'), Buffer.from('1\n')]); filename = path.join(dir, 'stream.csv'); }
    const report = await bigraysRun();
    expect(readFileSync(path.join(dir, 'text.csv'), 'utf8')).to.equal('a;b\n1;2\n');
    expect(readFileSync(path.join(dir, 'bytes.csv'))).to.deep.equal(Buffer.from([0xef, 0xbb, 0xbf, 0x61]));
    expect(readFileSync(path.join(dir, 'stream.csv'), 'utf8')).to.equal('x\n1\n');
    expect(report.tasks.map((t) => t.bytes)).to.deep.equal([8, 4, 4]);
    expect(report.tasks.every((t) => t.rows === undefined)).to.equal(true);
    expect(Text && Bytes && Stream).to.be.a('function');
  });

  it('should say which directory is missing, before reading the input', async () => {
    const target = path.join(dir, 'nowhere', 'out.csv');
    let read = false;
    const input = Readable.from((function* () { read = true; yield { a: 1 }; })());
    @register class Lost extends ToCSV { input = input; filename = target; }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.contain(`the directory ${path.dirname(target)} does not exist`);
    expect(read).to.equal(false);
    expect(Lost).to.be.a('function');
  });

  it('should name the task and the accepted kinds for an input it cannot write', async () => {
    @register class Odd extends ToCSV { input = 42; filename = path.join(dir, 'odd.csv'); }
    const error = await failure(bigraysRun());
    expect((error.errors[0] as Error).message).to.match(/^Odd\.input: input must be a DataFrame, an array of row objects, .* got number$/);
    expect(readdirSync(dir)).to.deep.equal([]);
    expect(Odd).to.be.a('function');
  });

  it('should catch a missing filename before any task runs', async () => {
    const ran: string[] = [];
    @register class First extends Task { run() { ran.push('First'); } }
    // @ts-expect-error: filename is abstract, as a JavaScript user could forget it
    @register class NoName extends ToCSV { input = [{ a: 1 }]; }
    await expect(bigraysRun()).to.be.rejectedWith(TaskInterfaceError, /NoName must define `filename`/);
    expect(ran).to.deep.equal([]);
    expect(First && NoName).to.be.a('function');
  });

  it('should refuse text with a lone surrogate (UTF-8 cannot hold it), naming task, row and column, and write nothing', async () => {
    const rows = path.join(dir, 'rows.csv');
    const text = path.join(dir, 'text.csv');
    const parquet = path.join(dir, 'rows.parquet');
    @register class Rows extends ToCSV { input = [{ id: 1, note: 'ok 🎉' }, { id: 2, note: 'cut \ud83c here' }]; filename = rows; }
    const fromRows = await failure(bigraysRun());
    expect((fromRows.errors[0] as Error).message).to.equal(
      `Rows: writing ${rows} failed: CSV: column \`note\` of row 2 holds a lone surrogate (U+D83C at character 4), ` +
        'which UTF-8 cannot hold (it is not written as U+FFFD); no file was written',
    );
    class Text extends ToCSV { input = 'a,b\n\udc00,x\n'; filename = text; }
    const fromText = await failure(bigraysRun(Text));
    expect((fromText.errors[0] as Error).message).to.equal(
      'Text.input: the string holds a lone surrogate (U+DC00 at character 4), which UTF-8 cannot hold (it is not written as U+FFFD)',
    );
    class Columnar extends ToCSV { input = [{ id: 1, note: 'fine' }, { id: 2, note: '\ud800' }]; filename = parquet; format = 'parquet' as const; }
    const fromParquet = await failure(bigraysRun(Columnar));
    expect((fromParquet.errors[0] as Error).message).to.include('Parquet: column `note` of row 2 holds a lone surrogate (U+D800 at character 0)');
    expect(readdirSync(dir)).to.deep.equal([]);
    expect(Rows).to.be.a('function');
  });
});
