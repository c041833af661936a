/** ToCSV.ifExists: a rerun that finds its file there refuses it, leaves it as it is, or replaces it. */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  bigraysRun, BigraysConfig, outputOf, register, SQLStream, Task, TaskError, TaskInterfaceError, ToCSV,
} from '../../lib';
import { freshPostgresDsn, freshSqliteDsn } from '../support/sql-hooks';
import { failure } from '../helpers';
import { WatchedSession } from '../support/sql-sessions';


describe('ToCSV ifExists', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-to-csv-if-exists-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A file written an hour ago, so that any write after would show in its mtime. */
  function oldFile(name: string, text: string): { file: string; mtimeMs: number } {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(file, hourAgo, hourAgo);
    return { file, mtimeMs: statSync(file).mtimeMs };
  }

  for (const engine of ['PostgreSQL', 'SQLite'] as const) {
    it(`should leave an existing file as it is with 'skip', close an SQLStream's rows unread on ${engine}, and give a later task that file`, async () => {
      BigraysConfig.DB_DSN = engine === 'PostgreSQL' ? await freshPostgresDsn() : freshSqliteDsn();
      const { file, mtimeMs } = oldFile('orders.csv', 'id\n1\n2\n');
      const watched = new WatchedSession();
      const seen: string[] = [];
      @register class Orders extends SQLStream { override requiredResource = watched; query = 'select 1 as id'; }
      @register class Save extends ToCSV { input = Orders.output; filename = file; ifExists = 'skip' as const; }
      @register class Check extends Task {
        run() {
          seen.push(readFileSync(outputOf(Save).path, 'utf8'));
        }
      }
      const report = await bigraysRun();

      expect(report.tasks.map((t) => [t.name, t.status, t.reason])).to.deep.equal([
        ['Orders', 'ok', undefined], ['Save', 'skipped', `${file} exists`], ['Check', 'ok', undefined],
      ]);
      // Let go of, not left unread: the session closes with the run, no task having read them.
      expect(report.tasks[0]).not.to.have.property('unread');
      expect(watched.events).to.deep.equal(['open', 'close']);
      expect(seen).to.deep.equal(['id\n1\n2\n']);
      expect(statSync(file).mtimeMs).to.equal(mtimeMs);
      expect(outputOf(Save)).to.deep.equal({ path: file, bytes: 7 });
      expect(readdirSync(dir)).to.deep.equal(['orders.csv']);
    });
  }

  it("should write the file with 'skip' when it is not there, and report the task ok", async () => {
    const file = path.join(dir, 'new.csv');
    @register class Save extends ToCSV { input = [{ a: 1 }]; filename = file; ifExists = 'skip' as const; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'ok', rows: 1 }).and.not.have.property('reason');
    expect(readFileSync(file, 'utf8')).to.equal('a\n1\n');
    expect(Save).to.be.a('function');
  });

  it("should let go of a stream input unread with 'skip'", async () => {
    const { file } = oldFile('raw.txt', 'old');
    const input = Readable.from((async function* () { yield Buffer.from('new'); })());
    @register class Save extends ToCSV { input = input; filename = file; ifExists = 'skip' as const; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'skipped', reason: `${file} exists` });
    expect(input.destroyed).to.equal(true);
    expect(readFileSync(file, 'utf8')).to.equal('old');
    expect(Save).to.be.a('function');
  });

  it("should skip, with 'skip', when another writer puts the file in place while this one writes it", async () => {
    const file = path.join(dir, 'raced.csv');
    const input = Readable.from((async function* () {
      yield Buffer.from('mine,');
      writeFileSync(file, "the other writer's");
      yield Buffer.from('all mine');
    })());
    @register class Save extends ToCSV { input = input; filename = file; ifExists = 'skip' as const; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'skipped', reason: `${file} exists` });
    expect(readFileSync(file, 'utf8')).to.equal("the other writer's");
    expect(outputOf(Save)).to.deep.equal({ path: file, bytes: "the other writer's".length });
    expect(readdirSync(dir), 'no temporary file is left').to.deep.equal(['raced.csv']);
  });

  it("should replace the file with 'overwrite'", async () => {
    const { file, mtimeMs } = oldFile('r.csv', 'old');
    @register class Save extends ToCSV { input = 'new'; filename = file; ifExists = 'overwrite' as const; }
    const report = await bigraysRun();
    expect(report.tasks[0]).to.include({ status: 'ok', bytes: 3 });
    expect(readFileSync(file, 'utf8')).to.equal('new');
    expect(statSync(file).mtimeMs).to.be.above(mtimeMs);
    expect(Save).to.be.a('function');
  });

  it("should refuse an existing file with 'fail' as without ifExists, in the same words", async () => {
    const { file } = oldFile('keep.csv', 'old');
    @register class Again extends ToCSV { input = [{ a: 1 }]; filename = file; ifExists = 'fail' as const; }
    const error = await failure(bigraysRun());
    expect(error.errors[0]).to.be.instanceOf(TaskError);
    expect((error.errors[0] as Error).message).to.equal(`Again: ${file} exists already. Set overwriteIfExists = true to replace it.`);
    expect(readFileSync(file, 'utf8')).to.equal('old');
    expect(Again).to.be.a('function');
  });

  it('should refuse an unknown ifExists, and one that overwriteIfExists = true contradicts, before anything runs', async () => {
    const ran: string[] = [];
    @register class First extends Task { run() { ran.push('First'); } }
    @register class Keep extends ToCSV { input = 'x'; filename = path.join(dir, 'a.csv'); ifExists = 'keep' as never; }
    @register class Both extends ToCSV { input = 'x'; filename = path.join(dir, 'b.csv'); ifExists = 'fail' as const; overwriteIfExists = true; }
    const error = await failure(bigraysRun());
    expect(error).to.be.instanceOf(TaskInterfaceError);
    expect(error.message).to.contain(`Keep ifExists must be one of 'fail', 'skip', 'overwrite', got "keep"`);
    expect(error.message).to.contain(
      "Both ifExists is 'fail', but overwriteIfExists = true says 'overwrite': unset overwriteIfExists, or set ifExists = 'overwrite'",
    );
    expect(ran).to.deep.equal([]);
    expect(readdirSync(dir)).to.deep.equal([]);
    expect(First && Keep && Both).to.be.a('function');
  });
});
