/**
 * `--local`: run a job fully offline. SQL goes to SQLite under `.bigrays/` (unless
 * BIGRAYS_DB_DSN is set).
 */
import { mkdirSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { BigraysConfig, isSet } from '../config';
import { maskDsn } from '../secrets';

export const LOCAL_DIR = '.bigrays';

export interface LocalSession {
  /** Where outputs go, before the run. */
  notes(): string[];
  /** Saves what the run produced; lines saying where it went. */
  finish(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startLocal(job: string, dryRun: boolean): Promise<LocalSession> {
  const notes: string[] = [];
  if (!isSet(BigraysConfig.DB_DSN)) {
    const file = join(LOCAL_DIR, `${basename(job, extname(job))}.sqlite`);
    if (!dryRun) mkdirSync(LOCAL_DIR, { recursive: true });
    BigraysConfig.DB_DSN = `sqlite:${file}`;
    notes.push(`SQL: SQLite database ${relative(process.cwd(), file)}`);
  } else {
    notes.push(`SQL: ${maskDsn(String(BigraysConfig.DB_DSN))} (from BIGRAYS_DB_DSN)`);
  }
  return {
    notes: () => notes,
    finish: async () => notes,
    stop: async () => undefined,
  };
}
