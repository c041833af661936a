/**
 * Where a session connects, and what a failed connect says: a DSN is read one way only (the
 * host a message names is the host connected to), and a refused port or an unknown host is
 * named for what it is.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import * as path from 'node:path';
import { bigraysRun, BigraysConfig, ConfigurationError, register, ResourceError, SQLQuery, SQLSession } from '../../lib';
import { admin } from '../support/pg-admin';
import { spawnNode } from '../support/spawn';
import { freshPostgresDsn, postgresPort } from '../support/sql-hooks';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli/main.js');

/** A TCP server on 127.0.0.1 that counts the connections it gets and closes them. */
async function trap(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server: Server = createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Opens a session on `dsn` and expects it to fail; resolves to the error. */
async function failedOpen(dsn: string, extra: Record<string, string> = {}): Promise<Error> {
  const resource = new SQLSession();
  return resource.open({ DB_DSN: dsn, ...extra }).then(
    async (session) => {
      await resource.close(session);
      throw new Error(`connected to ${dsn}`);
    },
    (error: Error) => error,
  );
}

describe('connecting to a database', function () {
  this.timeout(60_000);

  describe('with a password holding @ / # ? %', () => {
    const password = 'Qz7k@/#?%Vx9m';
    const role = `bigrays_odd_${process.pid}`;
    let base: string;
    let database: string;

    before(async () => {
      base = await freshPostgresDsn();
      database = new URL(base).pathname.slice(1);
      await admin(base, `create role ${role} login password '${password}'`);
    });

    after(async () => {
      await admin(base, `drop role if exists ${role}`);
    });

    it('should connect when the password is percent-encoded', async () => {
      const dsn = `postgres://${role}:${encodeURIComponent(password)}@127.0.0.1:${postgresPort()}/${database}`;
      const rows = await admin<{ who: string }>(dsn, 'select current_user as who');
      expect(rows).to.deep.equal([{ who: role }]);
    });

    it('should refuse it unescaped before any task runs, with the form to write and without the password', async () => {
      BigraysConfig.DB_DSN = `postgres://${role}:${password}@127.0.0.1:${postgresPort()}/${database}`;
      const ran: string[] = [];
      @register class Who extends SQLQuery {
        query = 'select current_user as who';
        override run() { ran.push('Who'); return super.run(); }
      }
      const error = (await bigraysRun().catch((e: unknown) => e)) as Error;
      expect(error).to.be.instanceOf(ConfigurationError);
      expect(error.message).to.contain(`postgres://${role}:<password, percent-encoded>@127.0.0.1:${postgresPort()}/${database}`);
      expect(error.message).not.to.contain('Qz7k').and.not.to.contain('Vx9m');
      expect(ran).to.deep.equal([]);
      expect(Who).to.be.a('function');
    });
  });

  describe('the bigrays command with a password holding an unescaped @ / # ?', () => {
    it('should exit 2 before connecting anywhere, saying to percent-encode the password and not showing it', async () => {
      const [first, second] = [await trap(), await trap()];
      try {
        // Read as a URL, the host is 127.0.0.1:<first> (and the password `Qz7k`); read to the
        // last `@`, it is 127.0.0.1:<second>. Neither may be connected to.
        const dsn = `postgres://postgres:Qz7k@127.0.0.1:${first.port}/w#Vx9m?Jw4t@127.0.0.1:${second.port}/probe`;
        const run = spawnNode([cli, 'run', 'spec/fixtures/jobs/needs-db.ts'], { cwd: root, env: { BIGRAYS_DB_DSN: dsn }, limitMs: 30_000 });
        const result = await run.finished;
        const output = result.stdout + result.stderr;
        expect(result.code, output).to.equal(2);
        expect(output).to.contain('ConfigurationError: BIGRAYS_DB_DSN is not a valid database URL');
        expect(output).to.contain(`postgres://postgres:<password, percent-encoded>@127.0.0.1:${second.port}/probe`);
        expect(output).to.contain('`@` → `%40`, `/` → `%2F`, `#` → `%23`, `?` → `%3F`');
        for (const piece of ['Qz7k', 'Vx9m', 'Jw4t', `${first.port}`]) expect(output).not.to.contain(piece);
        expect(first.connections() + second.connections()).to.equal(0);
      } finally {
        await first.close();
        await second.close();
      }
    });
  });

  describe('a host that cannot be reached', () => {
    it('should say the connection was refused, naming host and port, when nothing listens there', async () => {
      const closed = await trap();
      await closed.close();
      const error = await failedOpen(`postgres://postgres:Conn-Secret-1@127.0.0.1:${closed.port}/x`);
      expect(error).to.be.instanceOf(ResourceError);
      expect(error.message).to.equal(
        `could not connect to 127.0.0.1:${closed.port}/x (postgres://postgres:***@127.0.0.1:${closed.port}/x): ` +
          `connection refused: nothing accepts connections on 127.0.0.1:${closed.port}. ` +
          'Check the host and port of the DSN (BIGRAYS_DB_DSN), and that the server runs',
      );
    });

    it('should say the host name was not found when it does not resolve', async () => {
      const error = await failedOpen('postgres://postgres:Conn-Secret-1@no-such-host.invalid:5432/x', { DB_CONNECT_TIMEOUT_MS: '5000' });
      expect(error).to.be.instanceOf(ResourceError);
      expect(error.message).to.match(/^could not connect to no-such-host\.invalid:5432\/x \(postgres:\/\/postgres:\*\*\*@no-such-host\.invalid:5432\/x\): /);
      expect(error.message).to.match(/the host name `no-such-host\.invalid` (was not found \(DNS lookup failed\)|could not be looked up)/);
      expect(error.message).not.to.match(/pool is probably full|transacting/);
    });
  });
});
