/** The folder state store: atomic, conditional writes that processes racing cannot both win, and no symbolic link followed. */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FolderStateStore } from '../../lib/state/folder-store';
import { openStateStore } from '../../lib/state/open-store';
import { StateConflictError } from '../../lib/state/store';
import { failure } from '../helpers';
import { root } from '../support/cli';
import { spawnNode } from '../support/spawn';

describe('state store in a folder', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should be the default, .bigrays/state, and take file: URLs', async () => {
    expect((await openStateStore({})).where).to.equal(path.resolve('.bigrays/state'));
    expect((await openStateStore({ STATE_URL: `file:${dir}/s` })).where).to.equal(path.join(dir, 's'));
  });

  it('should write only over the version read, and create only where nothing is', async () => {
    const store = new FolderStateStore(path.join(dir, 'state'));
    const v1 = await store.write('orders', { n: 1 }, undefined);
    expect(await failure(store.write('orders', { n: 'again' }, undefined))).to.be.instanceOf(StateConflictError);
    const v2 = await store.write('orders', { n: 2 }, v1);
    const stale = await failure<StateConflictError>(store.write('orders', { n: 'stale' }, v1));
    expect(stale).to.be.instanceOf(StateConflictError);
    expect(stale.message).to.contain('was changed by another writer meanwhile');
    expect(await store.read('orders')).to.deep.equal({ value: { n: 2 }, version: v2 });
    expect(await failure(store.remove('orders', v1))).to.be.instanceOf(StateConflictError);
    await store.remove('orders', v2);
    expect(await store.read('orders')).to.equal(undefined);
    // No temporary or lock file left behind.
    expect(readdirSync(path.join(dir, 'state'))).to.deep.equal([]);
  });

  it('should refuse a writer holding a version from before the document was removed and made again', async () => {
    const store = new FolderStateStore(path.join(dir, 'state'));
    const v1 = await store.write('orders', { cursor: 100, runId: 'a' }, undefined);
    await store.remove('orders', v1);
    const v2 = await store.write('orders', { cursor: 5, runId: 'b' }, undefined);
    expect(v2).not.to.equal(v1);
    expect(await failure(store.write('orders', { cursor: 200 }, v1))).to.be.instanceOf(StateConflictError);
    expect(await store.read('orders')).to.deep.equal({ value: { cursor: 5, runId: 'b' }, version: v2 });
  });

  /** Starts processes that each write `race` over version `v1` at once; resolves to what each says (won, conflict, error …). */
  const race = async (folder: string, v1: string): Promise<string[]> => {
    const go = path.join(dir, 'go');
    const script = `
      const { existsSync } = require('node:fs');
      const { FolderStateStore } = require(${JSON.stringify(path.join(root, 'dist/state/folder-store.js'))});
      const { StateConflictError } = require(${JSON.stringify(path.join(root, 'dist/state/store.js'))});
      const store = new FolderStateStore(process.argv[1]);
      console.log('ready');
      const wait = () => existsSync(process.argv[2]) ? go() : setTimeout(wait, 5);
      const go = () => store.write('race', { n: Number(process.argv[4]) }, process.argv[3]).then(
        () => console.log('won'),
        (e) => { console.log(e instanceof StateConflictError ? 'conflict' : 'error ' + e.message); });
      wait();`;
    const racers = [1, 2, 3, 4].map((n) => spawnNode(['-e', script, folder, go, v1, String(n)]));
    await Promise.all(racers.map((r) => r.printed(/ready/)));
    writeFileSync(go, '');
    return Promise.all(racers.map(async (r) => (await r.finished).stdout.replace('ready', '').trim()));
  };

  it('should let exactly one of several processes writing over the same version win', async () => {
    const folder = path.join(dir, 'state');
    const v1 = await new FolderStateStore(folder).write('race', { n: 0 }, undefined);
    const outcomes = await race(folder, v1);
    expect(outcomes.filter((o) => o === 'won'), outcomes.join(', ')).to.have.length(1);
    expect(outcomes.filter((o) => o === 'conflict')).to.have.length(3);
    const winner = outcomes.indexOf('won') + 1;
    expect(JSON.parse(readFileSync(path.join(folder, 'race.json'), 'utf8'))).to.deep.equal({ n: winner });
    expect(readdirSync(folder)).to.deep.equal(['race.json']);
  });

  it('should let exactly one of several processes take over a lock file a killed writer left, and win', async () => {
    const folder = path.join(dir, 'state');
    const v1 = await new FolderStateStore(folder).write('race', { n: 0 }, undefined);
    const lock = path.join(folder, 'race.json.lock');
    writeFileSync(lock, '');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lock, anHourAgo, anHourAgo);
    const outcomes = await race(folder, v1);
    expect(outcomes.filter((o) => o === 'won'), outcomes.join(', ')).to.have.length(1);
    expect(outcomes.filter((o) => o === 'conflict'), outcomes.join(', ')).to.have.length(3);
    expect(JSON.parse(readFileSync(path.join(folder, 'race.json'), 'utf8'))).to.deep.equal({ n: outcomes.indexOf('won') + 1 });
    expect(readdirSync(folder)).to.deep.equal(['race.json']);
  });

  it('should refuse a state folder or a state file that is a symbolic link, leaving what it points to unchanged', async () => {
    const elsewhere = path.join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(path.join(elsewhere, 'orders.json'), '{"tasks":{}}');
    const linked = path.join(dir, 'linked');
    symlinkSync(elsewhere, linked);
    const store = new FolderStateStore(linked);
    expect((await failure<Error>(store.read('orders'))).message).to.contain(`${linked} is a symbolic link (to ${elsewhere}): the state store never reads or writes through a link`);
    expect((await failure<Error>(store.write('new', { n: 1 }, undefined))).message).to.contain('is a symbolic link');
    expect(existsSync(path.join(elsewhere, 'new.json'))).to.equal(false);

    const folder = path.join(dir, 'state');
    mkdirSync(folder);
    symlinkSync(path.join(elsewhere, 'orders.json'), path.join(folder, 'orders.json'));
    const inFolder = new FolderStateStore(folder);
    expect((await failure<Error>(inFolder.read('orders'))).message).to.contain('orders.json is a symbolic link');
    expect((await failure<Error>(inFolder.write('orders', { n: 2 }, undefined))).message).to.contain('is a symbolic link');
    expect(readFileSync(path.join(elsewhere, 'orders.json'), 'utf8')).to.equal('{"tasks":{}}');
  });
});
