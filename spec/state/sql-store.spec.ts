/** The database state store, on real engines: a row per job in bigrays_state, written only over the version read. */
import { expect } from 'chai';
import { knex as knexFactory, type Knex } from 'knex';
import { sessionSettings } from '../../lib/resources/sql/dsn';
import { openStateStore } from '../../lib/state/open-store';
import { SqlStateStore, STATE_TABLE } from '../../lib/state/sql-store';
import { StateConflictError, type StateStore } from '../../lib/state/store';
import { failure } from '../helpers';
import { freshMysqlDsn } from '../support/mariadb';
import { freshPostgresDsn, freshSqliteDsn, PG_PASSWORD, sqliteLoads } from '../support/sql-hooks';
import { ConfigurationError } from '../../lib';

interface Engine {
  name: string;
  dsn(): Promise<string | undefined>;
  /** Ends, from `look`'s own connection, every other connection to the database (as a server's idle timeout or a proxy does). */
  dropConnections?(look: Knex): Promise<void>;
}

const ENGINES: Engine[] = [
  {
    name: 'PostgreSQL',
    dsn: freshPostgresDsn,
    dropConnections: async (look) => {
      await look.raw('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    },
  },
  { name: 'SQLite', dsn: async () => (sqliteLoads() ? freshSqliteDsn() : undefined) },
  {
    name: 'MySQL',
    dsn: freshMysqlDsn,
    dropConnections: async (look) => {
      const [rows] = (await look.raw('select id from information_schema.processlist where db = database() and id <> connection_id()')) as [Array<{ id: number }>];
      for (const { id } of rows) await look.raw(`kill ${Number(id)}`).catch(() => undefined);
    },
  },
];

/** A knex of its own on `dsn`, to look at the table as another client would. */
function inspector(dsn: string): Knex {
  const settings = sessionSettings({ DB_DSN: dsn });
  const client = { postgres: 'pg', sqlite: 'better-sqlite3', mysql: 'mysql2' }[settings.dialect]!;
  return knexFactory({ client, connection: settings.connection, useNullAsDefault: true });
}

for (const engine of ENGINES) {
  describe(`state store on ${engine.name}`, function () {
    this.timeout(60_000);
    let dsn: string;
    const opened: StateStore[] = [];
    const open = async (): Promise<StateStore> => {
      const store = await openStateStore({ STATE_URL: dsn });
      opened.push(store);
      return store;
    };

    beforeEach(async function () {
      const fresh = await engine.dsn();
      if (fresh === undefined) return this.skip();
      dsn = fresh;
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('should create its table on first use and keep a document as a row with a version', async () => {
      const store = await open();
      expect(store).to.be.instanceOf(SqlStateStore);
      expect(await store.read('orders')).to.equal(undefined);
      const version = await store.write('orders', { tasks: { Extract: { cursor: 25000 } } }, undefined);
      const look = inspector(dsn);
      try {
        const rows = await look(STATE_TABLE).select('job', 'state', 'version', 'updated_at');
        expect(rows).to.have.length(1);
        expect(rows[0].job).to.equal('orders');
        expect(JSON.parse(rows[0].state)).to.deep.equal({ tasks: { Extract: { cursor: 25000 } } });
        expect(String(rows[0].version)).to.equal(version);
        expect(Date.parse(rows[0].updated_at)).to.be.above(Date.now() - 600_000);
      } finally {
        await look.destroy();
      }
      const read = await (await open()).read('orders');
      expect(read).to.deep.equal({ value: { tasks: { Extract: { cursor: 25000 } } }, version });
    });

    it('should refuse a write over another version, and a create over a row another writer made', async () => {
      const first = await open();
      const second = await open();
      const v1 = await first.write('orders', { n: 1 }, undefined);
      expect(await failure(second.write('orders', { n: 'lost' }, undefined))).to.be.instanceOf(StateConflictError);
      const v2 = await second.write('orders', { n: 2 }, v1);
      const stale = await failure<StateConflictError>(first.write('orders', { n: 'stale' }, v1));
      expect(stale).to.be.instanceOf(StateConflictError);
      expect(stale.message).to.contain('was changed by another writer').and.not.contain(PG_PASSWORD);
      expect(await first.read('orders')).to.deep.equal({ value: { n: 2 }, version: v2 });
    });

    it('should let exactly one of two writers of the same version win', async () => {
      const stores = [await open(), await open(), await open()];
      const v1 = await stores[0].write('race', { n: 0 }, undefined);
      const outcomes = await Promise.allSettled(stores.map((store, i) => store.write('race', { n: i + 1 }, v1)));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).to.have.length(1);
      for (const lost of outcomes.filter((o) => o.status === 'rejected')) expect((lost as PromiseRejectedResult).reason).to.be.instanceOf(StateConflictError);
      const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
      expect((await stores[0].read('race'))?.value).to.deep.equal({ n: winner + 1 });
    });

    it('should remove a document only at the version named', async () => {
      const store = await open();
      const v1 = await store.write('gone', { n: 1 }, undefined);
      const v2 = await store.write('gone', { n: 2 }, v1);
      expect(await failure(store.remove('gone', v1))).to.be.instanceOf(StateConflictError);
      expect((await store.read('gone'))?.value).to.deep.equal({ n: 2 });
      await store.remove('gone', v2);
      expect(await store.read('gone')).to.equal(undefined);
      // A new document starts again from no version.
      await store.write('gone', { n: 3 }, undefined);
      expect((await store.read('gone'))?.value).to.deep.equal({ n: 3 });
    });

    it('should never give a version twice: a writer holding one from before a reset is refused', async () => {
      const store = await open();
      const v1 = await store.write('orders', { cursor: 100 }, undefined);
      const v2 = await store.write('orders', { cursor: 200 }, v1);
      await store.remove('orders', v2);
      const v3 = await store.write('orders', { cursor: 5 }, undefined);
      expect([v1, v2]).not.to.include(v3);
      for (const stale of [v1, v2]) {
        expect(await failure(store.write('orders', { cursor: 300 }, stale)), stale).to.be.instanceOf(StateConflictError);
        expect(await failure(store.remove('orders', stale)), stale).to.be.instanceOf(StateConflictError);
      }
      expect(await store.read('orders')).to.deep.equal({ value: { cursor: 5 }, version: v3 });
      // An unconditional removal moves the version on too.
      await store.remove('orders');
      expect(await store.read('orders')).to.equal(undefined);
      const v4 = await store.write('orders', { cursor: 6 }, undefined);
      expect([v1, v2, v3]).not.to.include(v4);
      expect(await failure(store.write('orders', { cursor: 7 }, v3))).to.be.instanceOf(StateConflictError);
    });

    it('should find no state, and create no table, where there is none yet: only a write creates it', async () => {
      const store = await open();
      expect(await store.read('orders')).to.equal(undefined);
      await store.remove('orders');
      expect(await failure(store.remove('orders', '1'))).to.be.instanceOf(StateConflictError);
      const look = inspector(dsn);
      try {
        expect(await look.schema.hasTable(STATE_TABLE)).to.equal(false);
        await store.write('orders', { n: 1 }, undefined);
        expect(await look.schema.hasTable(STATE_TABLE)).to.equal(true);
      } finally {
        await look.destroy();
      }
    });

    it('should keep a document larger than 64 KB', async () => {
      const store = await open();
      const big = { tasks: { Seen: { ids: Array.from({ length: 20_000 }, (_, i) => `id-${i}`) } } };
      expect(JSON.stringify(big).length).to.be.above(200_000);
      const version = await store.write('big', big, undefined);
      expect(await (await open()).read('big')).to.deep.equal({ value: big, version });
    });

    it('should write after the server dropped the connections it had since the read (an idle timeout, a proxy)', async function () {
      if (!engine.dropConnections) return this.skip();
      const store = await open();
      const v1 = await store.write('orders', { cursor: 1 }, undefined);
      const read = await store.read('orders');
      const look = inspector(dsn);
      try {
        await engine.dropConnections(look);
      } finally {
        await look.destroy();
      }
      const v2 = await store.write('orders', { cursor: 2 }, read!.version);
      expect(v2).not.to.equal(v1);
      expect(await store.read('orders')).to.deep.equal({ value: { cursor: 2 }, version: v2 });
    });
  });
}

describe('state store URL', () => {
  it('should refuse a URL of no known kind, naming BIGRAYS_STATE_URL and the forms, the password masked', async () => {
    const error = await failure<ConfigurationError>(openStateStore({ STATE_URL: 'ftp://user:hunter2-secret@host/x' }));
    expect(error).to.be.instanceOf(ConfigurationError);
    expect(error.message).to.contain('BIGRAYS_STATE_URL must be s3://bucket/prefix/').and.contain('postgres://').and.contain('a folder path');
    expect(error.message).not.to.contain('hunter2-secret');
    expect(error.missing).to.deep.equal(['BIGRAYS_STATE_URL']);
  });

  it('should connect with the URL\'s own credentials, not the job database\'s DB_USER and DB_PWD', async function () {
    this.timeout(60_000);
    const store = await openStateStore({ STATE_URL: await freshPostgresDsn(), DB_USER: 'nobody', DB_PWD: 'not-the-password' });
    try {
      await store.write('orders', { n: 1 }, undefined);
      expect((await store.read('orders'))?.value).to.deep.equal({ n: 1 });
    } finally {
      await store.close();
    }
  });

  it('should say a database it cannot reach is the state store, not the job database, its password masked', async function () {
    this.timeout(30_000);
    const error = await failure<Error>(openStateStore({ STATE_URL: `postgres://etl:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:1/state`, DB_CONNECT_TIMEOUT_MS: 5000 }));
    expect(error.message).to.match(/^the state store \(BIGRAYS_STATE_URL\): /).and.not.contain('BIGRAYS_DB_DSN');
    expect(error.message).not.to.contain(PG_PASSWORD);
  });
});
