/**
 * `incremental = { column, initial?, lookback?, lookbackMs? }` on SQLStream and SQLQuery: what
 * it may hold (checked before the run), and the mark its rows carry, by which a writer (ToS3,
 * ToCSV) tells that rows with nothing new need no object or file.
 */
import { isDataFrame } from '../data/frame';
import { shown } from '../messages';
import { parse, type Field } from '../template/parts';
import { quotedWith } from '../template/sql-fields';
import { wrapProblems } from './incremental-shape';
import { isInitialValue, kindOf } from './incremental-values';

/** How a query reads only the rows past the ones read before (see the README's "Nightly jobs"). */
export interface Incremental {
  /** The column whose largest value among the rows read is kept as the job's cursor: the next run reads the rows above it. Required. */
  column: string;
  /** The bound of the first run, before there is a cursor: a number, a digit string, an ISO date/time or a Date. @default none (the first run reads every row) */
  initial?: number | bigint | string | Date;
  /** For a numeric cursor: read from this much below it again, for rows that arrive late. @default 0 */
  lookback?: number;
  /** For a timestamp cursor: read from this many milliseconds before it again, for rows that arrive late. @default 0 */
  lookbackMs?: number;
}

/** What an incremental task is, to the code that reads its rows. */
export interface IncrementalTask {
  readonly taskName: string;
  incremental?: Incremental;
  query: string;
  params?: unknown;
}

/** The keyword bigrays fills with the lower bound (`{since}`). */
export const SINCE = 'since';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function lookbackProblems(settings: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const name of ['lookback', 'lookbackMs']) {
    const value = settings[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(`incremental.${name} must be a number ≥ 0${name === 'lookbackMs' ? ' (milliseconds)' : ''}, got ${shown(value)}`);
    }
  }
  if (settings.lookback && settings.lookbackMs) {
    problems.push('incremental.lookback and incremental.lookbackMs are both set: lookback is for a numeric column, lookbackMs for a timestamp column; keep one');
  }
  return problems;
}

/** The `{since}` fields of `template`, each with the quote written around it (if any); undefined when it does not parse (pre-flight says so). */
function sinceFields(template: string): { field: Field; quoted?: string }[] | undefined {
  try {
    const parts = parse(template);
    return parts.flatMap((part, index) => (part.kind === 'field' && part.name === SINCE ? [{ field: part, quoted: quotedWith(parts, index) }] : []));
  } catch {
    return undefined;
  }
}

/** The SQL text of template `query`, each `{keyword}` as a bare `?` (its value is not SQL text one can know); undefined when it does not parse. */
function sqlText(query: unknown): string | undefined {
  if (typeof query !== 'string') return undefined;
  try {
    return parse(query).map((part) => (part.kind === 'literal' ? part.text : ' ? ')).join('');
  } catch {
    return undefined;
  }
}

/** Whether `query` names the bound itself with `{since}`. */
export function usesSince(query: unknown): boolean {
  return typeof query === 'string' && (sinceFields(query)?.length ?? 0) > 0;
}

/**
 * What is wrong with a task's `incremental` (and the `query`/`params` around it), each problem
 * starting with the attribute's name; `engine` (as messages name it) when the task's is known.
 */
export function incrementalProblems(task: IncrementalTask, engine?: string): string[] {
  const settings: unknown = task.incremental;
  if (settings === undefined || settings === null) return [];
  if (!isPlainObject(settings)) {
    return [`incremental must be an object like { column: 'id' } (the column whose largest value is kept between runs), got ${shown(settings)}`];
  }
  const problems: string[] = [];
  const { column, initial } = settings;
  if (typeof column !== 'string' || column.trim() === '') {
    problems.push(`incremental.column must name the column whose largest value is kept between runs (a non-empty string), got ${shown(column)}`);
  }
  if (initial !== undefined && initial !== null && !isInitialValue(initial)) {
    problems.push(`incremental.initial must be a number, a string of digits, an ISO date/time ('2026-01-01T00:00:00Z') or a Date, got ${shown(initial)}`);
  }
  problems.push(...lookbackProblems(settings));
  const { lookback } = settings;
  if (typeof lookback === 'number' && lookback > 0 && !Number.isInteger(lookback) && initial !== undefined && initial !== null && kindOf(initial) === 'integer') {
    problems.push(`incremental.lookback must be a whole number for an integer cursor (incremental.initial is ${shown(initial)}), got ${lookback}`);
  }
  const unknown = Object.keys(settings).filter((key) => !['column', 'initial', 'lookback', 'lookbackMs'].includes(key));
  if (unknown.length > 0) problems.push(`incremental.${unknown[0]} is not a setting of incremental (column, initial, lookback, lookbackMs)`);
  for (const { field, quoted } of sinceFields(typeof task.query === 'string' ? task.query : '') ?? []) {
    if (field.conversion !== undefined || field.spec.length > 0 || field.path.length > 0) {
      problems.push(`query writes ${field.source}: bigrays fills {since} itself, as a literal of the cursor's type (a number as digits, anything else quoted): write {since}`);
    } else if (quoted !== undefined) {
      problems.push(`query writes ${quoted}{since}${quoted}: bigrays fills {since} with a literal that makes its own quotes: write {since} bare, without the quotes around it`);
    }
  }
  const sql = sqlText(task.query);
  if (sql !== undefined && !usesSince(task.query)) problems.push(...wrapProblems(sql, engine));
  const params = task.params;
  if (!usesSince(task.query) && isPlainObject(params) && Object.prototype.hasOwnProperty.call(params, SINCE)) {
    problems.push('params.since is taken: bigrays binds the lower bound of an incremental query as :since; rename your parameter');
  }
  return problems;
}

/** The mark on the rows of an incremental task (an SQLStream's SqlRows, an SQLQuery's DataFrame). */
const INCREMENTAL_ROWS = Symbol('bigrays incremental rows');

/** What the mark tells a writer. */
export interface IncrementalMark {
  /** The cursor the rows were read after, as messages show it (undefined: the first run). */
  readonly since: string | undefined;
  /** Whether there is a row (an SQLStream's query starts, its first rows read ahead). */
  hasRows(): Promise<boolean>;
  /** Lets go of rows that will not be read. */
  release(): Promise<void>;
  /** Takes back the cursor their reading staged: rows not written must be read again by the next run. */
  unstage(): void;
}

/** Marks `rows` as an incremental task's. */
export function markIncremental<T extends object>(rows: T, mark: IncrementalMark): T {
  Object.defineProperty(rows, INCREMENTAL_ROWS, { value: mark, enumerable: false });
  return rows;
}

/** The mark of `input`, if it is an incremental task's rows. */
export function incrementalMark(input: unknown): IncrementalMark | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  return (input as { [INCREMENTAL_ROWS]?: IncrementalMark })[INCREMENTAL_ROWS];
}

/** Whether in-memory rows (a DataFrame, an array of rows, `{ columns, rows: [] }`) are empty; undefined for anything else. */
function emptyInMemory(input: unknown): boolean | undefined {
  if (isDataFrame(input)) return (input as unknown as { shape: [number, number] }).shape[0] === 0;
  if (Array.isArray(input)) return input.length === 0;
  const rows = input !== null && typeof input === 'object' ? (input as { rows?: unknown }).rows : undefined;
  return Array.isArray(rows) ? rows.length === 0 : undefined;
}

/**
 * Why a writer writes nothing for `input`: an incremental task's rows with nothing new ("no
 * new rows since 25000"), unless `writeEmpty` is true; with `writeEmpty = false`, also empty
 * rows held in memory ("no rows"). Undefined: write as usual. Rows that will not be written
 * are let go (an SQLStream's session is free again).
 */
export async function emptyIncrementalInput(input: unknown, writeEmpty?: boolean): Promise<string | undefined> {
  if (writeEmpty === true) return undefined;
  const mark = incrementalMark(input);
  if (mark) {
    if (await mark.hasRows()) return undefined;
    await mark.release();
    mark.unstage();
    return mark.since === undefined ? 'no rows yet' : `no new rows since ${mark.since}`;
  }
  return writeEmpty === false && emptyInMemory(input) === true ? 'no rows' : undefined;
}

/**
 * Lets go of `input` when the task given it does not write it (it skipped, or failed): an
 * incremental task's rows are released and the cursor their reading staged is taken back.
 */
export async function letGoIncremental(input: unknown): Promise<boolean> {
  const mark = incrementalMark(input);
  if (!mark) return false;
  await mark.release().catch(() => undefined);
  mark.unstage();
  return true;
}
