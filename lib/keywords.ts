/**
 * The keyword store: the format keywords every task sees, and the ones that win over all
 * others (the command's `--set`).
 */
import { BigraysError } from './errors';
import type { FormatKws } from './format';

function check(kws: FormatKws, caller: string): void {
  if (kws === null || typeof kws !== 'object' || Array.isArray(kws)) {
    throw new BigraysError(`${caller} expects an object of keywords, such as { day: '2026-01-01' }, got ${Array.isArray(kws) ? 'an array' : kws === null ? 'null' : typeof kws}`);
  }
}

export class KeywordStore {
  private global: FormatKws = {};
  /** Keywords that win over the global ones and every task's own `formatKws`. */
  private pinnedKws: FormatKws = {};

  /** Merges `kws` into the global keywords (later calls win). */
  update(kws: FormatKws, caller = 'updateFormatKws'): void {
    check(kws, caller);
    this.global = { ...this.global, ...kws };
  }

  /** Keywords that win over every other (the command's `--set`). */
  pin(kws: FormatKws): void {
    check(kws, 'pin');
    this.pinnedKws = { ...this.pinnedKws, ...kws };
  }

  /** The keywords a task with these `formatKws` sees: global, then the task's, then pinned ones. */
  for(formatKws?: FormatKws | null): FormatKws {
    return { ...this.global, ...(formatKws ?? {}), ...this.pinnedKws };
  }

  /** The global keywords as tasks see them: pinned ones over the job's own. */
  all(): FormatKws {
    return { ...this.global, ...this.pinnedKws };
  }

  /** Forgets the global keywords; pinned ones stay. */
  clear(): void {
    this.global = {};
  }

  /** Forgets everything, pinned keywords too. */
  reset(): void {
    this.global = {};
    this.pinnedKws = {};
  }
}
