/**
 * `{keyword}` templates with Python `str.format` rules: `{{` and `}}` are literal braces,
 * fields may reach into values (`{run.day}`, `{days[0]}`), take a conversion (`!s`, `!r`)
 * and a format spec (`{n:05d}`, `{rate:.2%}`, `{day:%Y-%m-%d}` for dates, in UTC).
 *
 * SQL text is filled with an `SqlQuoting`: there `{kw!q}` is a string literal and `{kw!i}` a
 * quoted name, escaped for the engine, `{kw!sql}` a trusted fragment inserted as it is, and a
 * plain `{kw}` takes only a value that cannot change the statement's shape (a number or a
 * single word: see sql-keyword-shape.ts).
 *
 * The parts: ./template/parts.ts (parsing), ./template/fill.ts (filling),
 * ./template/sql-fields.ts (SQL conversions and checks), ./template/format-spec.ts (format
 * specs), ./template/format-error.ts (errors). Here: the global keywords and the public names.
 */
import type { FormatKws } from './keywords';
import { activeContext, resolveKeywordRefs } from './output';
import { currentRuntime, type Runtime } from './runtime';

export type { FormatKws };
export { formatTemplate, type FormatOptions } from './template/fill';
export { FormatError, UnsafeKeywordError, type FormatProblem, type UnsafeHow } from './template/format-error';
export { templateKeywords } from './template/parts';
export type { SqlQuoting } from './template/sql-fields';

// ---------------------------------------------------------------------------
// Global keywords: kept by a runtime's keyword store (the public functions: the default runtime's)

/** Merges `kws` into the global format keywords (later calls win). */
export function updateFormatKws(kws: FormatKws): void {
  currentRuntime().keywords.update(kws);
}

/** The run's own keywords (`{job}`, `{runId}`, …) of the run in progress here, under every keyword the job sets. */
function withRunKeywords(kws: FormatKws, runtime: Runtime): FormatKws {
  const run = activeContext(runtime)?.runKeywords;
  return run ? { ...run, ...kws } : kws;
}

/** The keywords a task with these `formatKws` sees: the run's, global, then the task's, then the command's `--set` (task outputs resolved while it runs). */
export function keywordsFor(formatKws?: FormatKws | null, runtime: Runtime = currentRuntime()): FormatKws {
  return resolveKeywordRefs(withRunKeywords(runtime.keywords.for(formatKws), runtime), runtime);
}

/** A copy of the global format keywords, with the command's `--set` ones over them. */
export function getFormatKws(): FormatKws {
  const store = currentRuntime().keywords;
  return store.watched(store.all());
}

/**
 * The keywords a task's own code reads (`this.keywords`): like `keywordsFor`, noting which `--set`
 * ones it reads. The run's own (`this.keywords.job`, …) are there to read, but not listed: the
 * object's keys are the job's keywords.
 */
export function taskKeywords(formatKws?: FormatKws | null, runtime: Runtime = currentRuntime()): FormatKws {
  const store = runtime.keywords;
  const kws = store.watched(resolveKeywordRefs(store.for(formatKws), runtime));
  for (const [name, value] of Object.entries(activeContext(runtime)?.runKeywords ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(kws, name)) Object.defineProperty(kws, name, { value, enumerable: false, writable: true, configurable: true });
  }
  return kws;
}

/** Notes the keywords a template uses, and a task's `formatKws`: a `--set` key none of them has is pointed out. */
export function noteKeywordsUsed(names: Iterable<string>, formatKws?: FormatKws | null, runtime: Runtime = currentRuntime()): void {
  runtime.keywords.noteUsed(names, formatKws);
}

/** Forgets every global format keyword (keywords set by the command's --set stay). */
export function clearFormatKws(): void {
  currentRuntime().keywords.clear();
}
