/** SQLite files under a guarded folder: never opened through a symbolic link, even one planted as they open. */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SQLQuery } from '../../../../lib';
import { ConfigurationError } from '../../../../lib/errors';
import { runOn } from '../../../../lib/run';
import { Runtime } from '../../../../lib/runtime';
import { failure } from '../../../helpers';
import { checkBeforeOpen, verifyAfterOpen } from '../../../../lib/resources/sql/sqlite/sqlite-no-follow';

// better-sqlite3 ships no types; this is all the spec uses of it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string) => { pragma(source: string): unknown; close(): void };

describe('SQLite files opened without following links', () => {
  let base: string;
  let folder: string;
  let outside: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'bigrays-sqlite-links-'));
    folder = path.join(base, 'guarded');
    outside = path.join(base, 'outside');
    mkdirSync(folder);
    mkdirSync(outside);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('should open a plain file and leave files outside the folder alone', () => {
    const file = path.join(folder, 'job.sqlite');
    const check = checkBeforeOpen(file, folder)!;
    const db = new Database(file);
    try {
      expect(() => verifyAfterOpen(check, db)).not.to.throw();
    } finally {
      db.close();
    }
    expect(checkBeforeOpen(path.join(outside, 'other.sqlite'), folder)).to.equal(undefined);
    expect(checkBeforeOpen(':memory:', folder)).to.equal(undefined);
  });

  it('should refuse a link as the file or a companion before the open', () => {
    symlinkSync(path.join(outside, 'made.sqlite'), path.join(folder, 'job.sqlite'));
    expect(() => checkBeforeOpen(path.join(folder, 'job.sqlite'), folder)).to.throw(ConfigurationError, /job\.sqlite is a symbolic link \(to .*made\.sqlite\)/);
    symlinkSync(path.join(outside, 'made-wal'), path.join(folder, 'other.sqlite-wal'));
    expect(() => checkBeforeOpen(path.join(folder, 'other.sqlite'), folder)).to.throw(ConfigurationError, /other\.sqlite-wal is a symbolic link/);
    expect(readdirSync(outside)).to.deep.equal([]);
  });

  it('should find a link planted between the check and the open, before anything is written through it', () => {
    const file = path.join(folder, 'job.sqlite');
    const target = path.join(outside, 'empty.sqlite');
    writeFileSync(target, '');
    const check = checkBeforeOpen(file, folder)!;
    symlinkSync(target, file);
    const db = new Database(file);
    try {
      expect(() => verifyAfterOpen(check, db)).to.throw(ConfigurationError, /job\.sqlite is a symbolic link/);
    } finally {
      db.close();
    }
    expect(readFileSync(target)).to.have.length(0);
  });

  it('should find a file swapped for another between the check and the open', () => {
    const file = path.join(folder, 'job.sqlite');
    writeFileSync(file, '');
    const check = checkBeforeOpen(file, folder)!;
    writeFileSync(path.join(folder, 'swapped.sqlite'), '');
    renameSync(path.join(folder, 'swapped.sqlite'), file);
    const db = new Database(file);
    try {
      expect(() => verifyAfterOpen(check, db)).to.throw(ConfigurationError, /job\.sqlite was replaced while SQLite opened it/);
    } finally {
      db.close();
    }
  });

  it('should refuse a linked file only in a session whose config guards its folder, whatever another runtime does', async () => {
    const target = path.join(outside, 'made.sqlite');
    new Database(target).close();
    symlinkSync(target, path.join(folder, 'job.sqlite'));
    const dsn = `sqlite:${path.join(folder, 'job.sqlite')}`;
    class Guarded extends SQLQuery { query = 'select 1 as one'; resourceConfig = { DB_DSN: dsn, SQLITE_NO_FOLLOW_UNDER: folder }; }
    class Plain extends SQLQuery { query = 'select 1 as one'; resourceConfig = { DB_DSN: dsn }; }
    const error = (await failure(runOn(new Runtime(), [Guarded]))).errors[0] as Error;
    expect(error.message).to.match(/^Guarded: could not open .*job\.sqlite is a symbolic link/s);
    const report = await runOn(new Runtime(), [Plain]);
    expect(report.tasks[0]).to.include({ name: 'Plain', status: 'ok' });
  });
});
