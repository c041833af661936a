/**
 * For a run of every spec file (`npm test`, whose files run in worker processes side by side):
 * one embedded PostgreSQL, started before the first file and stopped after the last, shared by
 * the workers through BIGRAYS_TEST_PG_PORT. Without this file (`npm run spec -- FILE`), the
 * SQL hooks start a server when a spec first asks for a database.
 */
import { rmSync } from 'node:fs';
import { launchPostgres, removeRelocatedBinaries, SHARED_PG_PORT_ENV, type LaunchedPostgres } from './sql-hooks';

/** Mocha's context for the run's setup and teardown: what one starts, the other stops. */
interface GlobalContext {
  postgres?: LaunchedPostgres;
}

export async function mochaGlobalSetup(this: GlobalContext): Promise<void> {
  this.postgres = await launchPostgres('bigrays-pg-');
  process.env[SHARED_PG_PORT_ENV] = String(this.postgres.port);
}

export async function mochaGlobalTeardown(this: GlobalContext): Promise<void> {
  const launched = this.postgres;
  this.postgres = undefined;
  delete process.env[SHARED_PG_PORT_ENV];
  if (launched) {
    await launched.server.stop();
    rmSync(launched.base, { recursive: true, force: true });
  }
  removeRelocatedBinaries();
}
