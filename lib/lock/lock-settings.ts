/**
 * Whether a run takes its job's run lock, and how: config `LOCK` (`bigrays run --lock`),
 * `LOCK_WAIT_MS` (`--wait-lock MS`: how long to wait for a lock another run holds; 0, the
 * default, fails at once) and `LOCK_LEASE_MS` (how long a lease outlives a run that stopped
 * renewing it). The command line (`--lock`, `--wait-lock MS`) wins over the job's config, as
 * `--set` keywords win over the job's own.
 */
import { configFlag, configMs, envName, isSet, KNOWN_CONFIG, type ConfigValues } from '../config';
import { ConfigurationError } from '../errors';

export interface LockSettings {
  /** Whether the run takes the lock at all. */
  readonly on: boolean;
  /** How long to wait for a lock another run holds, in ms (0: fail at once). */
  readonly waitMs: number;
  /** How long a lease lasts unless renewed, in ms. */
  readonly leaseMs: number;
}

/** The shortest lease: it is renewed every third of it, and a renewal is a write to the store. */
export const MIN_LEASE_MS = 1000;

/** A number of milliseconds that may be 0; ConfigurationError naming the env var otherwise. */
function zeroOrMoreMs(config: ConfigValues, key: string): number {
  const value = config[key];
  if (!isSet(value)) return Number(KNOWN_CONFIG[key]?.default ?? 0);
  const ms = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ConfigurationError(
      `${envName(key)} must be 0 or a positive number of milliseconds, got \`${String(value)}\``,
      { missing: [envName(key)] },
    );
  }
  return Math.round(ms);
}

/**
 * Reads the lock's settings from `config`, under `pinned` (the command line's `--lock` and
 * `--wait-lock MS`, when given); ConfigurationError naming the env var for a bad value.
 */
export function lockSettings(config: ConfigValues, pinned?: { readonly waitMs?: number }): LockSettings {
  const on = pinned !== undefined || configFlag(config, 'LOCK');
  const waitMs = pinned?.waitMs ?? zeroOrMoreMs(config, 'LOCK_WAIT_MS');
  const leaseMs = configMs(config, 'LOCK_LEASE_MS') ?? Number(KNOWN_CONFIG.LOCK_LEASE_MS.default);
  if (leaseMs < MIN_LEASE_MS) {
    throw new ConfigurationError(
      `${envName('LOCK_LEASE_MS')} must be at least ${MIN_LEASE_MS} ms, got ${leaseMs}: the lease is renewed every third of it`,
      { missing: [envName('LOCK_LEASE_MS')] },
    );
  }
  return { on, waitMs, leaseMs };
}
