/**
 * The values a runtime fetched for its config references, by reference: a run reads its
 * config through them (`BigraysConfig.X`, each task's config), and a later run of the same
 * runtime (a warm Lambda invocation, a second `bigraysRun()`) reuses a value while it is
 * younger than `SECRETS_CACHE_MS`.
 */
import { isReference } from './reference';

interface Fetched {
  readonly value: string;
  readonly fetchedAt: number;
  /** Where it was fetched from (service, region, endpoint): fetched elsewhere, it is fetched again. */
  readonly source: string;
}

export class ReferenceCache {
  private readonly entries = new Map<string, Fetched>();

  /** `value`, or what was fetched for it when it is a reference fetched already. */
  valueOf(value: unknown): unknown {
    if (!isReference(value)) return value;
    return this.entries.get(String(value).trim())?.value ?? value;
  }

  /** The value fetched for `reference` from `source` less than `maxAgeMs` before `now`; undefined if none. */
  fresh(reference: string, source: string, maxAgeMs: number, now: number): string | undefined {
    const entry = this.entries.get(reference);
    if (!entry || entry.source !== source || now - entry.fetchedAt >= maxAgeMs) return undefined;
    return entry.value;
  }

  store(reference: string, value: string, source: string, now: number): void {
    this.entries.set(reference, { value, fetchedAt: now, source });
  }

  /** Forgets every value. */
  clear(): void {
    this.entries.clear();
  }
}
