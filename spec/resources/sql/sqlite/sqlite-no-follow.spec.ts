/** SQLite files under a guarded folder: never opened through a symbolic link, even one planted as they open. */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigurationError } from '../../../../lib/errors';
import { checkBeforeOpen, openSqliteWithoutLinksUnder, verifyAfterOpen } from '../../../../lib/resources/sql/sqlite/sqlite-no-follow';

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
    openSqliteWithoutLinksUnder(folder);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('should open a plain file and leave files outside the folder alone', () => {
    const file = path.join(folder, 'job.sqlite');
    const check = checkBeforeOpen(file)!;
    const db = new Database(file);
    try {
      expect(() => verifyAfterOpen(check, db)).not.to.throw();
    } finally {
      db.close();
    }
    expect(checkBeforeOpen(path.join(outside, 'other.sqlite'))).to.equal(undefined);
    expect(checkBeforeOpen(':memory:')).to.equal(undefined);
  });

  it('should refuse a link as the file or a companion before the open', () => {
    symlinkSync(path.join(outside, 'made.sqlite'), path.join(folder, 'job.sqlite'));
    expect(() => checkBeforeOpen(path.join(folder, 'job.sqlite'))).to.throw(ConfigurationError, /job\.sqlite is a symbolic link \(to .*made\.sqlite\)/);
    symlinkSync(path.join(outside, 'made-wal'), path.join(folder, 'other.sqlite-wal'));
    expect(() => checkBeforeOpen(path.join(folder, 'other.sqlite'))).to.throw(ConfigurationError, /other\.sqlite-wal is a symbolic link/);
    expect(readdirSync(outside)).to.deep.equal([]);
  });

  it('should find a link planted between the check and the open, before anything is written through it', () => {
    const file = path.join(folder, 'job.sqlite');
    const target = path.join(outside, 'empty.sqlite');
    writeFileSync(target, '');
    const check = checkBeforeOpen(file)!;
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
    const check = checkBeforeOpen(file)!;
    writeFileSync(path.join(folder, 'swapped.sqlite'), '');
    renameSync(path.join(folder, 'swapped.sqlite'), file);
    const db = new Database(file);
    try {
      expect(() => verifyAfterOpen(check, db)).to.throw(ConfigurationError, /job\.sqlite was replaced while SQLite opened it/);
    } finally {
      db.close();
    }
  });
});
