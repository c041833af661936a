/**
 * The keyword store: the format keywords every task sees, and the ones that win over all
 * others (the command's `--set`). It also notes which keywords the job's templates use and
 * which its own code reads, so that a `--set` key nothing uses can be pointed out.
 */
import { BigraysError } from './errors';

/** The format keywords a template is filled from. */
export type FormatKws = Record<string, unknown>;

function check(kws: FormatKws, caller: string): void {
  if (kws === null || typeof kws !== 'object' || Array.isArray(kws)) {
    throw new BigraysError(`${caller} expects an object of keywords, such as { day: '2026-01-01' }, got ${Array.isArray(kws) ? 'an array' : kws === null ? 'null' : typeof kws}`);
  }
}

export class KeywordStore {
  private global: FormatKws = {};
  /** Keywords that win over the global ones and every task's own `formatKws`. */
  private pinnedKws: FormatKws = {};
  /** Keywords the templates filled or checked so far use. */
  private readonly inTemplates = new Set<string>();
  /** Keywords set by something besides `--set`: `updateFormatKws`, a task's `formatKws`, or read by the job's code. */
  private readonly otherwiseKnown = new Set<string>();

  /** Merges `kws` into the global keywords (later calls win). */
  update(kws: FormatKws, caller = 'updateFormatKws'): void {
    check(kws, caller);
    this.global = { ...this.global, ...kws };
    for (const name of Object.keys(kws)) this.otherwiseKnown.add(name);
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

  /**
   * `kws` as the job's own code gets them (`getFormatKws()`, `this.keywords`): a plain object
   * whose pinned keywords note it when the code reads them (an accessor each, which any write
   * turns back into a plain value).
   */
  watched(kws: FormatKws): FormatKws {
    for (const name of Object.keys(this.pinnedKws)) {
      if (!Object.prototype.hasOwnProperty.call(kws, name)) continue;
      let value = kws[name];
      const seen = this.otherwiseKnown;
      Object.defineProperty(kws, name, {
        enumerable: true,
        configurable: true,
        get() {
          seen.add(name);
          return value;
        },
        set(next: unknown) {
          value = next;
        },
      });
    }
    return kws;
  }

  /** Notes keywords a template uses, and the keys of a task's `formatKws`. */
  noteUsed(templateKeywords: Iterable<string>, formatKws?: FormatKws | null): void {
    for (const name of templateKeywords) this.inTemplates.add(name);
    if (formatKws && typeof formatKws === 'object') for (const name of Object.keys(formatKws)) this.otherwiseKnown.add(name);
  }

  /** The keywords the templates filled or checked so far use, sorted. */
  templateKeywords(): string[] {
    return [...this.inTemplates].sort();
  }

  /**
   * Pinned (`--set`) keys nothing uses so far: no template, no `updateFormatKws`, no task's
   * `formatKws`, no read by the job's code. Each with the closest keyword the job does use.
   */
  unusedPinned(): Array<{ name: string; closest?: string }> {
    const known = new Set([...this.inTemplates, ...this.otherwiseKnown]);
    return Object.keys(this.pinnedKws)
      .filter((name) => !known.has(name))
      .map((name) => ({ name, closest: closest(name, known) }));
  }

  /** Forgets the global keywords; pinned ones stay. */
  clear(): void {
    this.global = {};
  }

  /** Forgets everything, pinned keywords too. */
  reset(): void {
    this.global = {};
    this.pinnedKws = {};
    this.inTemplates.clear();
    this.otherwiseKnown.clear();
  }
}

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate `name` is most likely a typo of (case aside, or a couple of edits away), if any. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  const limit = name.length >= 7 ? 2 : 1;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** The warning for `--set` keys the job does not use, or undefined when there are none. */
export function unusedSetWarning(store: KeywordStore): string | undefined {
  const unused = store.unusedPinned();
  if (unused.length === 0) return undefined;
  const used = store.templateKeywords();
  const lines = unused.map(({ name, closest }) =>
    `--set ${name}=… changes nothing: no template of this job uses {${name}}, and the job sets and reads no keyword \`${name}\`` +
    (closest ? `. Did you mean --set ${closest}=…?` : ''),
  );
  lines.push(used.length > 0 ? `The job's templates use: ${used.join(', ')}.` : "The job's templates use no keywords.");
  return lines.join('\n');
}
