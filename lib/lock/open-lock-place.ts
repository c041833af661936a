/**
 * Where a job's run lock lives: the job's PostgreSQL database (an advisory lock) when config
 * `DB_DSN` names one, else a lease in the state store (config `STATE_URL`). Under
 * `bigrays run --local` it is always a lease in the local state store.
 */
import { isSet, type ConfigValues } from '../config';
import { sessionSettings } from '../resources/sql/dsn';
import { openStateStore } from '../state/open-store';
import { AdvisoryLockPlace } from './advisory-lock';
import type { LockHolder } from './holder';
import { LeaseLockPlace } from './lease-lock';
import type { LockPlace } from './lock-place';
import type { LockSettings } from './lock-settings';

/**
 * Where `job`'s lock lives for `config`; `holder`: this run, as the lock records it. `local`:
 * local mode, where the job's database is never locked (the job may name a real one in code).
 */
export async function openLockPlace(job: string, holder: LockHolder, settings: LockSettings, config: ConfigValues, local: boolean): Promise<LockPlace> {
  if (!local && isSet(config.DB_DSN)) {
    const session = sessionSettings(config);
    if (session.dialect === 'postgres') return new AdvisoryLockPlace(job, holder, session, config);
  }
  return new LeaseLockPlace(await openStateStore(config), job, holder, settings.leaseMs);
}
