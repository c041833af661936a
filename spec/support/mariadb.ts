/**
 * Root hooks for the MySQL specs: one private MariaDB server for the whole run, started on first
 * use (a temp data folder, 127.0.0.1 and a free port) and stopped, its files removed, after all
 * specs. Each suite gets a fresh database from `freshMysqlDsn()`, as the user `bigrays` whose
 * password specs check never leaks.
 *
 * Where no MariaDB server is installed, `freshMysqlDsn()` resolves to undefined and the MySQL
 * specs are pending; with BIGRAYS_TEST_MARIADB=required (CI) a server that cannot start fails
 * the run instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigraysConfig } from '../../lib';
import { freePort } from './ports';

/** The password of the specs' user: specs check it never shows in a message. */
export const MYSQL_PASSWORD = 'my-Secret-4c1e8';
export const MYSQL_USER = 'bigrays';

/** How long the server may take to set up its data folder and to start, on a loaded machine. */
const START_MS = 90_000;

/** The parts of a mysql2 connection the hooks use. */
export interface AdminConnection {
  query(sql: string, values?: unknown[]): Promise<[unknown, unknown]>;
  end(): Promise<void>;
}

/** A running server: its process, port, data folder and socket. */
interface Server {
  process: ChildProcess;
  port: number;
  base: string;
  socket: string;
  /** What it printed, for the error of a server that does not start. */
  output: string[];
}


/** The first of `paths` that exists, else the name as PATH finds it, else undefined. */
function program(name: string, paths: string[]): string | undefined {
  const found = paths.find((path) => existsSync(path));
  if (found) return found;
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

/** A connection of the server's root user, over its socket. */
export async function adminConnection(server: { socket: string }, database?: string): Promise<AdminConnection> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as { createConnection(config: object): Promise<AdminConnection> };
  return mysql.createConnection({ socketPath: server.socket, user: 'root', database, multipleStatements: true });
}

/** Resolves once the server takes connections; rejects when it exits or does not in time. */
async function ready(server: Server): Promise<void> {
  const deadline = Date.now() + START_MS;
  for (;;) {
    if (server.process.exitCode !== null || server.process.signalCode !== null) {
      throw new Error(`mariadbd exited (${server.process.exitCode ?? server.process.signalCode}): ${server.output.join('').slice(-2000)}`);
    }
    try {
      const admin = await adminConnection(server);
      await admin.end();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`mariadbd did not take connections in ${START_MS} ms: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Sets up a data folder and starts mariadbd on it, with the specs' user; undefined when MariaDB is not installed. */
async function launch(): Promise<Server | undefined> {
  const daemon = program('mariadbd', ['/usr/sbin/mariadbd', '/usr/sbin/mysqld']);
  const install = program('mariadb-install-db', ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db']);
  if (!daemon || !install) return undefined;
  const root = process.getuid?.() === 0;
  const base = mkdtempSync(join(tmpdir(), 'bigrays-mariadb-'));
  // As root, the server runs as the mysql user, who must own its folder.
  const asUser = root ? ['--user=mysql'] : [];
  if (root) {
    const ids = spawnSync('id', ['-u', 'mysql'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'mysql'], { encoding: 'utf8' });
    chownSync(base, Number(ids.stdout), Number(gid.stdout));
  }
  const data = join(base, 'data');
  const setup = spawnSync(
    install,
    ['--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${data}`, '--skip-test-db', ...asUser],
    { encoding: 'utf8', timeout: START_MS },
  );
  if (setup.status !== 0) {
    rmSync(base, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (${setup.status ?? setup.signal}): ${`${setup.stdout}${setup.stderr}`.slice(-2000)}`);
  }
  const port = await freePort();
  const socket = join(base, 'sock');
  const child = spawn(
    daemon,
    [
      '--no-defaults', `--datadir=${data}`, `--port=${port}`, `--socket=${socket}`, `--pid-file=${join(base, 'pid')}`, ...asUser,
      '--bind-address=127.0.0.1', '--skip-name-resolve', '--local-infile=1',
      '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci',
      '--innodb-buffer-pool-size=32M', '--skip-log-bin', '--performance-schema=OFF',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const server: Server = { process: child, port, base, socket, output: [] };
  child.stdout?.on('data', (chunk: Buffer) => server.output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => server.output.push(chunk.toString()));
  const killNow = (): void => void child.kill('SIGKILL');
  process.once('exit', killNow);
  child.once('exit', () => process.removeListener('exit', killNow));
  try {
    await ready(server);
    const admin = await adminConnection(server);
    try {
      await admin.query(`CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD}'`);
      await admin.query(`GRANT ALL PRIVILEGES ON *.* TO '${MYSQL_USER}'@'%'`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await stop(server);
    throw error;
  }
  return server;
}

/** Stops the server (killed when it does not stop in time) and removes its files. */
async function stop(server: Server): Promise<void> {
  const { process: child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(server.base, { recursive: true, force: true });
}

/** The run's server, started once on first use. */
class MariadbHost {
  private starting?: Promise<Server | undefined>;
  private databases = 0;

  /** The running server; undefined when MariaDB is not installed here (an error when BIGRAYS_TEST_MARIADB=required). */
  async server(): Promise<Server | undefined> {
    this.starting ??= launch().then((server) => {
      if (!server && process.env.BIGRAYS_TEST_MARIADB === 'required') {
        throw new Error('BIGRAYS_TEST_MARIADB=required, but mariadbd is not installed (apt-get install mariadb-server)');
      }
      return server;
    });
    return this.starting;
  }

  /** A new, empty database; its name and DSN. */
  async fresh(): Promise<{ dsn: string; database: string } | undefined> {
    const server = await this.server();
    if (!server) return undefined;
    const database = `bigrays_${process.pid}_${++this.databases}`;
    const admin = await adminConnection(server);
    try {
      await admin.query(`CREATE DATABASE \`${database}\``);
    } finally {
      await admin.end();
    }
    return { dsn: `mysql://${MYSQL_USER}:${encodeURIComponent(MYSQL_PASSWORD)}@127.0.0.1:${server.port}/${database}`, database };
  }

  async stop(): Promise<void> {
    const starting = this.starting;
    this.starting = undefined;
    const server = await starting?.catch(() => undefined);
    if (server) await stop(server);
  }
}

const host = new MariadbHost();

/** A DSN for a new, empty MySQL database on the run's MariaDB server; undefined when MariaDB is not installed here. */
export async function freshMysqlDsn(): Promise<string | undefined> {
  return (await host.fresh())?.dsn;
}

/** A root connection to the run's server (for specs that look at its processlist or set its globals); undefined without one. */
export async function mysqlAdmin(): Promise<AdminConnection | undefined> {
  const server = await host.server();
  return server ? adminConnection(server) : undefined;
}

/**
 * Stops the run's server process (SIGSTOP) while `work` runs, as a hung host would be, and lets
 * it go on after (SIGCONT), whatever `work` does.
 */
export async function whileServerHangs<T>(work: () => Promise<T>): Promise<T> {
  const server = await host.server();
  if (!server) throw new Error('no MariaDB server runs');
  server.process.kill('SIGSTOP');
  try {
    return await work();
  } finally {
    server.process.kill('SIGCONT');
  }
}

/**
 * In a `describe`: a fresh MySQL database as DB_DSN before each of its specs, and an admin
 * connection to the server; the describe is pending where MariaDB is not installed here
 * (apt-get install mariadb-server). Read `dsn` and `admin` inside hooks and specs.
 */
export function useMysql(): { readonly dsn: string; readonly admin: AdminConnection } {
  const state = {} as { dsn: string; admin: AdminConnection };
  before(async function () {
    const dsn = await freshMysqlDsn();
    if (!dsn) return this.skip();
    state.dsn = dsn;
    state.admin = (await mysqlAdmin())!;
  });
  after(async () => {
    await state.admin?.end();
  });
  beforeEach(() => {
    BigraysConfig.DB_DSN = state.dsn;
  });
  return state;
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await host.stop();
  },
};
