/**
 * The table a write fills under another name before it takes the target's place: a `replace`
 * whose old table must stay until the new one is full, and, on an engine whose CREATE and DROP
 * commit at once (`capabilities.ddlCommits`), every write that makes a table, so that a failure
 * leaves no half-filled table and loses no old one.
 */
import { randomBytes } from 'node:crypto';
import type { Dialect } from './dialect';

/** A name for a staging table: unique, short enough for any engine. */
export function stagingName(): string {
  return `bigrays_staging_${randomBytes(6).toString('hex')}`;
}

/** Whether a write makes a table on `dialect` through a staging table because DDL commits at once there (every write but an append to a table that exists). */
export function stagedForDdl(dialect: Dialect, exists: boolean, ifExists: 'fail' | 'append' | 'replace'): boolean {
  return dialect.capabilities.ddlCommits && !(exists && ifExists === 'append');
}
