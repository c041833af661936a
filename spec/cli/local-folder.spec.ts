/** Files in local mode's folder: read and written whole, never through a symbolic link. */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import {
  appendFileIn, filesUnder, LocalFolderError, localTemps, readStreamIn, removeFileIn, writeStreamIn, type WriteMode,
} from '../../lib/cli/local-folder';

/** Saves `text` to `target` as local mode saves an object. */
const save = (root: string, target: string, text: string, mode: WriteMode): Promise<boolean> => writeStreamIn(root, target, Readable.from([Buffer.from(text)]), mode);

describe('local mode\'s folder', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'bigrays-folder-'));
    root = path.join(base, '.bigrays');
    outside = path.join(base, 'outside.txt');
    writeFileSync(outside, 'outside');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('should write a file whole, making its folders, and replace or keep what is there as told', async () => {
    const file = path.join(root, 's3', 'b', 'k', 'x.csv');
    expect(await save(root, file, 'one', 'create')).to.equal(true);
    expect(await save(root, file, 'two', 'create')).to.equal(false);
    expect(readFileSync(file, 'utf8')).to.equal('one');
    expect(await save(root, file, 'three', 'replace')).to.equal(true);
    expect(readFileSync(file, 'utf8')).to.equal('three');
    expect(readdirSync(path.dirname(file))).to.deep.equal(['x.csv']); // no temporary file left
    expect(filesUnder(root, path.join(root, 's3'))).to.deep.equal([file]);
  });

  it('should refuse a symbolic link as the file, as a folder on the way, or as the folder itself', async () => {
    const dir = path.join(root, 's3', 'b');
    mkdirSync(dir, { recursive: true });
    symlinkSync(outside, path.join(dir, 'x.csv'));
    for (const mode of ['create', 'replace'] as const) {
      await expect(save(root, path.join(dir, 'x.csv'), 'new', mode)).to.be.rejectedWith(LocalFolderError, /b\/x\.csv is a symbolic link/);
    }
    expect(() => readStreamIn(root, path.join(dir, 'x.csv'))).to.throw(LocalFolderError);
    expect(() => appendFileIn(root, path.join(dir, 'x.csv'), 'line\n')).to.throw(LocalFolderError);
    expect(() => filesUnder(root, path.join(root, 's3'))).to.throw(LocalFolderError);
    expect(() => removeFileIn(root, path.join(dir, 'x.csv'))).to.throw(LocalFolderError);

    symlinkSync(base, path.join(root, 's3', 'linked'));
    await expect(save(root, path.join(root, 's3', 'linked', 'y.csv'), 'new', 'replace')).to.be.rejectedWith(LocalFolderError, /s3\/linked is a symbolic link/);
    expect(() => removeFileIn(root, path.join(root, 's3', 'linked', 'outside.txt'))).to.throw(LocalFolderError);
    expect(readFileSync(outside, 'utf8')).to.equal('outside');
    expect(readdirSync(base).sort()).to.deep.equal(['.bigrays', 'outside.txt']);
  });

  it('should stream a file in and out whole, never through a link', async () => {
    const file = path.join(root, 's3', 'b', 'big.bin');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 7, 'ab');
    expect(await writeStreamIn(root, file, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), 'create')).to.equal(true);
    expect(await writeStreamIn(root, file, Readable.from([Buffer.from('other')]), 'create')).to.equal(false);
    const read: Buffer[] = [];
    for await (const chunk of readStreamIn(root, file)) read.push(chunk as Buffer);
    expect(Buffer.concat(read).equals(bytes)).to.equal(true);
    expect(readdirSync(path.dirname(file))).to.deep.equal(['big.bin']);
    symlinkSync(outside, path.join(root, 's3', 'b', 'linked.bin'));
    await expect(writeStreamIn(root, path.join(root, 's3', 'b', 'linked.bin'), Readable.from([Buffer.from('new')]), 'replace')).to.be.rejectedWith(LocalFolderError);
    expect(() => readStreamIn(root, path.join(root, 's3', 'b', 'linked.bin'))).to.throw(LocalFolderError);
    expect(readFileSync(outside, 'utf8')).to.equal('outside');
  });

  it('should skip a temporary file a crashed save left behind when listing', () => {
    const dir = path.join(root, 's3', 'b');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'x.csv%bigrays-tmp-123-abcd'), 'half');
    writeFileSync(path.join(dir, 'y.csv'), 'whole');
    expect(filesUnder(root, path.join(root, 's3'))).to.deep.equal([path.join(dir, 'y.csv')]);
  });

  it('should remove, on its first write into a folder, the temporary files there of processes that are gone, not of live ones', async () => {
    const dir = path.join(root, 's3', 'b');
    mkdirSync(dir, { recursive: true });
    // A process that names a temporary file as a save does, writes it, and is gone (as after kill -9).
    const script = `require('node:fs').writeFileSync(require(${JSON.stringify(path.join(__dirname, '../../lib/cli/local-folder'))}).localTemps.pathFor(${JSON.stringify(path.join(dir, 'x.csv'))}), 'half')`;
    execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script]);
    const [stale] = readdirSync(dir);
    expect(stale).to.match(/^x\.csv%bigrays-tmp-[a-z0-9_]+-\d+-[0-9a-f]{8}$/);
    const live = path.basename(localTemps.pathFor(path.join(dir, 'y.csv')));
    writeFileSync(path.join(dir, live), 'being written');
    writeFileSync(path.join(dir, 'x.csv%bigrays-tmp-123-abcd'), 'an older name, owner unknown');
    // The same gone pid on another host (a shared folder): that host's process may be alive.
    const otherHost = stale.replace(/%bigrays-tmp-[a-z0-9_]+-/, '%bigrays-tmp-otherhost_abc123-');
    writeFileSync(path.join(dir, otherHost), 'another host');

    expect(await save(root, path.join(dir, 'z.csv'), 'z', 'create')).to.equal(true);
    expect(readdirSync(dir).sort()).to.deep.equal([live, otherHost, 'x.csv%bigrays-tmp-123-abcd', 'z.csv'].sort());
    expect(filesUnder(root, path.join(root, 's3'))).to.deep.equal([path.join(dir, 'z.csv')]);
  });
});
