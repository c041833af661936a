/**
 * One run of an incremental task: the cursor read from the job's state, the lower bound made
 * from it, the query that reads past it (`{since}` filled, or the query wrapped), and the new
 * cursor staged once the rows are read.
 */
import { TaskError } from '../errors';
import type { SqlQuoting } from '../format';
import { attributeMessage, taskMessage } from '../messages';
import type { RunContext } from '../runtime';
import type { TableStream } from '../resources/sql/dialect';
import type { SqlCallOptions, SqlParams, SqlSession } from '../resources/sql/session';
import { jobStateOf, type JobState } from '../state/job-state';
import { parse } from '../template/parts';
import { SINCE, type Incremental, type IncrementalMark, type IncrementalTask } from './incremental';
import { columnIndex, LargestValue, TrackedRows } from './incremental-rows';
import { boundFrom, boundLiteral, boundParam, cursorJson, type CursorJson } from './incremental-values';

/** A task's part of the job's state when it reads incrementally. */
export interface CursorState {
  cursor: CursorJson;
  column: string;
}

/** The alias of the wrapped query. */
const ALIAS = 'bigrays_incremental';

/** The cursor `part` holds for `column`; undefined when there is none (or it is of another column). */
function storedCursor(task: string, part: unknown, column: string, log: (format: string, ...args: unknown[]) => void): CursorJson | undefined {
  if (part === undefined || part === null) return undefined;
  const { cursor, column: of } = part as Partial<CursorState>;
  if (typeof part !== 'object' || (typeof cursor !== 'number' && typeof cursor !== 'string')) {
    throw new TaskError(
      taskMessage(task, `its part of the job's state is not { cursor, column } (it is ${JSON.stringify(part)}): set it with \`bigrays state set JOB ${task}.cursor VALUE\` or clear it with \`bigrays state reset JOB ${task}\``),
      { taskName: task },
    );
  }
  if (of !== undefined && of !== column) {
    log('the stored cursor is of column %s, not %s: reading from incremental.initial', of, column);
    return undefined;
  }
  return cursor;
}

export class IncrementalRead {
  /** Whether this read staged a cursor (taken back by `unstage`). */
  private staged = false;

  private constructor(
    private readonly task: IncrementalTask,
    private readonly settings: Incremental,
    private readonly state: JobState,
    /** Puts back the task's staged part as it was when the read started (`unstage`). */
    private readonly restore: () => void,
    /** The stored cursor, if any. */
    readonly cursor: CursorJson | undefined,
    /** The lower bound (the cursor or `initial`, less the lookback); undefined: every row. */
    readonly bound: unknown,
  ) {}

  /** Reads the task's cursor from the job's state and makes the bound; a TaskError for a bound that cannot be made. */
  static async start(task: IncrementalTask, context: RunContext | undefined, log: (format: string, ...args: unknown[]) => void): Promise<IncrementalRead> {
    const name = task.taskName;
    if (!context) throw new TaskError(taskMessage(name, 'incremental reads need a run (the job state is the run\'s): run the task with bigraysRun()'), { taskName: name });
    const settings = task.incremental as Incremental;
    const state = jobStateOf(context);
    if (!state.claim(name, Object.getPrototypeOf(task)?.constructor)) {
      throw new TaskError(
        taskMessage(name, `another incremental task named ${name} read its cursor in this run: the two would share one cursor (tasks.${name} of the job's state); give each task a class name of its own`),
        { taskName: name },
      );
    }
    const restore = state.keep(name);
    const cursor = storedCursor(name, await state.get(name), settings.column, log);
    const start = cursor ?? settings.initial ?? undefined;
    if (start === undefined) {
      log('no cursor yet and no incremental.initial: every row is read');
      return new IncrementalRead(task, settings, state, restore, undefined, undefined);
    }
    const made = boundFrom(start, settings.lookback, settings.lookbackMs);
    if ('problem' in made) throw new TaskError(taskMessage(name, made.problem), { taskName: name });
    log('reading the rows where %s > %s (cursor %s)', settings.column, String(made.bound), String(cursor));
    return new IncrementalRead(task, settings, state, restore, cursor, made.bound);
  }

  /** The cursor (else `initial`) as messages show it. */
  get since(): string | undefined {
    const start = this.cursor ?? this.settings.initial;
    return start === undefined || start === null ? undefined : start instanceof Date ? start.toISOString() : String(start);
  }

  /**
   * The SQL to run and its params: `query` (filled by the runner, `{since}` kept) with
   * `{since}` as a literal of the bound; or, without `{since}`, wrapped to read past the bound,
   * ordered by the column. The wrapped query's bound is a literal too when the task has no
   * params (its SQL, which may hold a `?` of its own, is then never read for placeholders);
   * with params it is bound as `:since`, or `?` after the task's own `?` params.
   */
  query(quoting: SqlQuoting): { sql: string; params?: SqlParams } {
    const { task } = this;
    const parts = parse(task.query);
    const params = task.params as SqlParams | undefined;
    if (this.usesSince()) {
      if (this.bound === undefined) {
        throw new TaskError(
          attributeMessage(task.taskName, 'incremental.initial', `the query reads past {since}, and there is no cursor yet: set incremental.initial to the value the first run reads past (incremental = { column: '${this.settings.column}', initial: 0 })`),
          { taskName: task.taskName },
        );
      }
      return { sql: parts.map((part) => (part.kind === 'literal' ? part.text : this.literal(quoting))).join(''), params };
    }
    const column = quoting.identifier([this.settings.column]);
    const head = `select * from (\n${this.inner()}\n) ${ALIAS}`;
    const order = ` order by ${column}`;
    if (this.bound === undefined) return { sql: head + order, params };
    if (params === undefined || params === null) return { sql: `${head} where ${column} > ${this.literal(quoting)}${order}` };
    const value = boundParam(this.bound);
    if (Array.isArray(params)) return { sql: `${head} where ${column} > ?${order}`, params: [...(params as unknown[]), value] };
    return { sql: `${head} where ${column} > :${SINCE}${order}`, params: { ...((params as Record<string, unknown> | undefined) ?? {}), [SINCE]: value } };
  }

  /** The bound as an SQL literal of its type. */
  private literal(quoting: SqlQuoting): string {
    return boundLiteral(this.bound, (text) => quoting.literal(text));
  }

  /** The task's query as it runs inside the wrapped one: filled, without a final `;`. */
  private inner(): string {
    return parse(this.task.query).map((part) => (part.kind === 'literal' ? part.text : part.source)).join('').replace(/[\s;]+$/, '');
  }

  /**
   * The error to report for `error`, a failure of the wrapped query: when the column is not in
   * the task's result (asked of the database with a query that returns no row), a TaskError
   * naming the column and the columns there are; else `error` itself.
   */
  async explain(error: unknown, session: SqlSession, options: SqlCallOptions): Promise<unknown> {
    if (this.usesSince() || session.lost || options.signal?.aborted) return error;
    let columns: string[];
    try {
      const probe = `select * from (\n${this.inner()}\n) ${ALIAS} where 1 = 0`;
      columns = (await session.query(probe, this.task.params as SqlParams | undefined, options)).columns;
    } catch {
      return error;
    }
    try {
      columnIndex(this.task.taskName, columns, this.settings.column, error);
      return error;
    } catch (missing) {
      return missing;
    }
  }

  private usesSince(): boolean {
    return parse(this.task.query).some((part) => part.kind === 'field' && part.name === SINCE);
  }

  /** Stages the cursor: the largest of the stored one and those read, when a row was read. */
  private stage(largest: LargestValue): void {
    if (!largest.seen) return;
    const next: CursorState = { cursor: cursorJson(largest.value), column: this.settings.column };
    this.state.set(this.task.taskName, next);
    this.staged = true;
  }

  /** Takes back the cursor this read staged: the task's part is staged again as it was when the read started. */
  unstage(): void {
    if (!this.staged) return;
    this.restore();
    this.staged = false;
  }

  /** The streamed rows, their column's largest value staged once they are read to the end (not when reading stops short). */
  track(stream: TableStream): TrackedRows {
    const index = columnIndex(this.task.taskName, stream.columns, this.settings.column);
    const largest = new LargestValue(this.cursor);
    return new TrackedRows(stream, index, largest, () => this.stage(largest));
  }

  /** Stages the largest value of the column of a query's result. */
  stageTable(table: { columns: readonly string[]; rows: Iterable<readonly unknown[]> }): void {
    const largest = new LargestValue(this.cursor);
    largest.offerRows(table.rows, columnIndex(this.task.taskName, table.columns, this.settings.column));
    this.stage(largest);
  }

  /** The mark of rows whose emptiness `hasRows` tells. */
  mark(hasRows: () => Promise<boolean>, release: () => Promise<void>): IncrementalMark {
    return { since: this.since, hasRows, release, unstage: () => this.unstage() };
  }
}
