/**
 * An open SQL session: a knex instance over the session's ONE connection, and the operations
 * the SQL tasks run on it (query, stream, COPY out, execute, write), each under a guard that an
 * abort or a lost connection ends at once.
 */
import type { Knex } from 'knex';
import { PassThrough, type Readable } from 'node:stream';
import type { Table } from '../../data/frame';
import { FrameColumns } from '../../data/frame-columns';
import type { TextSpill } from '../../data/text-spill';
import type { SqlColumn } from '../../data/sql-columns';
import { finallyRows } from '../../data/row-batches';
import { TaskError } from '../../errors';
import { logger } from '../../log';
import { acquire } from './connection';
import type { Dialect, TableStream } from './dialect';
import { abortError, CLEANUP_MS, limitHint, SessionLink, within } from './link';
import type { Guard, SilenceLimit } from './limits';
import { writeSource, writeTable, type IfExists } from './write';
import { writeQueryTable } from './write-query';

const log = logger('resource:sql');

/** How much longer than `DB_STATEMENT_TIMEOUT_MS` the client waits on a silent server: the server's own timeout speaks first. */
const STATEMENT_MARGIN_MS = 2_000;

/** Query parameters: named (`:day` ↔ `{ day }`) or positional (`?` ↔ `[value]`). */
export type SqlParams = Record<string, unknown> | readonly unknown[];

/** Options of one session operation. */
export interface SqlCallOptions {
  /** Aborting it cancels the statement on the server and rejects the operation at once. */
  signal?: AbortSignal;
  /** The task on whose behalf it runs, as errors name it. */
  taskName?: string;
}

/** The open session: a knex instance over ONE connection, and query helpers. */
export class SqlSession {
  constructor(
    /** The knex instance; its pool holds the session's one connection. */
    readonly knex: Knex,
    readonly dialect: Dialect,
    /** The DSN, password masked. */
    readonly description: string,
    /** The session's one driver connection and what became of it (absent: not watched). */
    readonly link?: SessionLink,
  ) {}

  /** Streams not yet read to the end: each holds the session's one connection. */
  private readonly openStreams = new Set<{ release(): Promise<void> }>();

  /** Driver work an aborted operation left running (a cancelled statement rolling back). */
  private unsettled?: Promise<unknown>;

  /** Whether the session's connection was lost: no operation runs on it any more. */
  get lost(): boolean {
    return this.link?.lost ?? false;
  }

  /** Refuses to wait forever for the connection an unread stream holds. */
  private checkIdle(): void {
    if (this.openStreams.size > 0) {
      throw new TaskError(
        'the SQL session is busy with a stream that was not read to the end: read it (e.g. as toS3 input) or call its release() first',
      );
    }
  }

  /** Whether a stream not yet read to the end holds the session's connection: nothing else can run on it until then. */
  get busy(): boolean {
    return this.openStreams.size > 0;
  }

  /** Releases every stream still open (when the session closes); never waits long. */
  async releaseStreams(): Promise<void> {
    await within(Promise.all([...this.openStreams].map((stream) => stream.release())), CLEANUP_MS);
  }

  /** `sql` with knex bindings turned into the driver's placeholders. */
  compile(sql: string, params?: SqlParams): { sql: string; bindings: readonly unknown[] } {
    if (params === undefined || params === null) return { sql, bindings: [] };
    const native = this.knex.raw(sql, params as Knex.RawBinding).toSQL().toNative();
    return { sql: native.sql, bindings: native.bindings };
  }

  /** A driver error with the deadline that raised it named, so the reader knows what to change. */
  private explain(error: unknown): unknown {
    const limits = this.link?.limits;
    if (!(error instanceof Error) || !limits) return error;
    const code = (error as { code?: unknown }).code;
    if (this.dialect.isStatementTimeout?.(error) && limits.statementMs) {
      error.message += ` (the statement ran longer than ${limitHint('DB_STATEMENT_TIMEOUT_MS', limits.statementMs)})`;
    } else if (code === 'SQLITE_BUSY') {
      error.message += ` (another connection held a lock on the database for longer than ${limits.statementMs ?? limits.connectMs} ms)`;
    }
    return error;
  }

  /**
   * How long an operation may wait on a server that sends nothing. A statement: its
   * `DB_STATEMENT_TIMEOUT_MS` (none when unset), with a margin so that a server that is there
   * says it first. A streamed read or a load: `DB_IDLE_TIMEOUT_MS`.
   */
  private silenceLimit(kind: 'statement' | 'stream'): SilenceLimit | undefined {
    const limits = this.link?.limits;
    if (!limits) return undefined;
    if (kind === 'stream') return { key: 'DB_IDLE_TIMEOUT_MS', ms: limits.idleMs };
    return limits.statementMs ? { key: 'DB_STATEMENT_TIMEOUT_MS', ms: limits.statementMs, marginMs: STATEMENT_MARGIN_MS } : undefined;
  }

  /**
   * Starts an operation: fails at once on a lost session or an aborted signal, waits for what
   * an earlier aborted operation left running, and gives the guard its driver work runs under.
   */
  private async begin(options: SqlCallOptions, what: string, kind: 'statement' | 'stream'): Promise<Guard | undefined> {
    const { signal, taskName } = options;
    const link = this.link;
    if (link?.lost) throw link.goneError(taskName);
    if (signal?.aborted) throw abortError(signal, what);
    const guard = link?.guard(signal, taskName, what, (error) => this.explain(error), this.silenceLimit(kind));
    if (this.unsettled && guard) await guard.run(this.unsettled.then(() => undefined, () => undefined));
    this.unsettled = undefined;
    if (link?.cancelling) await link.cancelling;
    if (link) link.cancelling = undefined;
    return guard;
  }

  /**
   * Runs driver work under `guard`. If the guard gives up on it (abort, lost connection), the
   * work goes on in the background: `abandon` then cleans up what it yields, and the next
   * operation waits for it.
   */
  private async guarded<T>(guard: Guard | undefined, work: Promise<T>, abandon?: (value: T) => Promise<void>): Promise<T> {
    if (!guard) return work;
    try {
      return await guard.run(work);
    } catch (error) {
      const left = work.then((value) => abandon?.(value)).catch(() => undefined);
      if (!this.lost) this.unsettled = left;
      throw error;
    }
  }

  /** Runs a query; columns (kept when there are no rows) and rows as arrays. */
  async query(sql: string, params?: SqlParams, options: SqlCallOptions = {}): Promise<Table> {
    this.checkIdle();
    const compiled = this.compile(sql, params);
    const guard = await this.begin(options, 'the query', 'statement');
    return this.guarded(guard, this.dialect.query(this.knex, compiled.sql, compiled.bindings));
  }

  /** Runs a query as `query` does; the result held as columns, never as an array per row (text past `spill`'s bound in its file). */
  async queryColumns(sql: string, params?: SqlParams, options: SqlCallOptions & { spill?: TextSpill } = {}): Promise<FrameColumns> {
    this.checkIdle();
    const compiled = this.compile(sql, params);
    const guard = await this.begin(options, 'the query', 'statement');
    const work = this.dialect.queryColumns
      ? this.dialect.queryColumns(this.knex, compiled.sql, compiled.bindings, options.spill)
      : this.dialect.query(this.knex, compiled.sql, compiled.bindings).then((table) => FrameColumns.fromRows(table.columns, table.rows, options.spill));
    return this.guarded(guard, work);
  }

  /**
   * Runs a query and reads its rows as they are consumed (a cursor on PostgreSQL, an iterator
   * on SQLite), so a large result never sits whole in memory. Hand it to `ToS3`/`ToCSV` as
   * `input`. The session is busy until the rows are read to the end or `release()` is called.
   * Aborting `signal` cancels the query and fails the reader at once, as a lost connection does.
   */
  async stream(
    sql: string,
    params?: SqlParams,
    options: { batchSize?: number } & SqlCallOptions = {},
  ): Promise<TableStream> {
    const compiled = this.compile(sql, params);
    const batchSize = options.batchSize ?? 5000;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new TypeError(`batchSize must be a positive integer, got ${String(options.batchSize)}`);
    }
    this.checkIdle();
    const guard = await this.begin(options, 'the streamed query', 'stream');
    const stream = await this.guarded(
      guard,
      this.dialect.stream(this.knex, compiled.sql, compiled.bindings, batchSize, guard),
      (opened) => opened.release(),
    );
    const release = stream.release;
    const tracked: TableStream = {
      get complete() {
        return stream.complete;
      },
      columns: stream.columns,
      columnTypes: stream.columnTypes,
      rows: finallyRows(stream.rows, () => {
        this.openStreams.delete(tracked);
      }),
      release: async () => {
        this.openStreams.delete(tracked);
        await release();
      },
    };
    this.openStreams.add(tracked);
    return tracked;
  }

  /** Whether `copyCsv` can run on this engine. */
  get canCopyCsv(): boolean {
    return this.dialect.copyCsv !== undefined;
  }

  /** The result columns of `sql` as the server declares them, without running it; undefined when the engine cannot tell or it has none. */
  async describe(sql: string, options: SqlCallOptions = {}): Promise<SqlColumn[] | undefined> {
    if (!this.dialect.describe) return undefined;
    this.checkIdle();
    const guard = await this.begin(options, 'the query', 'statement');
    return this.guarded(guard, this.dialect.describe(this.knex, withoutTerminator(sql)));
  }

  /**
   * Runs `sql` as CSV the server writes itself (PostgreSQL: `COPY (sql) TO STDOUT WITH (FORMAT
   * csv, HEADER)`): the bytes are exactly COPY's. COPY takes no bound parameters. The session is
   * busy until the stream ends; destroying the stream early cancels the COPY. Aborting `signal`
   * cancels it on the server and fails the stream at once, as a lost connection does.
   */
  async copyCsv(sql: string, options: SqlCallOptions = {}): Promise<Readable & { readonly rowCount: number | undefined }> {
    const copyCsv = this.dialect.copyCsv;
    if (!copyCsv) throw new TaskError(`${options.taskName ?? 'copyCsv'}: COPY … TO STDOUT needs PostgreSQL, not ${this.dialect.name}`);
    this.checkIdle();
    const guard = await this.begin(options, 'the COPY', 'stream');
    const { connection, release } = await acquire(this.knex);
    let copy: Readable & { rowCount?: number };
    try {
      copy = copyCsv(connection, withoutTerminator(sql));
    } catch (error) {
      await release();
      throw error;
    }
    const out = new PassThrough();
    Object.defineProperty(out, 'rowCount', { get: () => (settled || copy.readableEnded ? copy.rowCount : undefined), enumerable: true });
    const ended = new Promise<void>((resolve, reject) => {
      copy.once('end', resolve);
      copy.once('error', reject);
    });
    let settled = false;
    // Settles once the COPY is over and its connection given back, however it ended.
    let cleaned!: () => void;
    const cleanup = new Promise<void>((resolve) => {
      cleaned = resolve;
    });
    const tracked = {
      release: async (): Promise<void> => {
        // Read to the end already (its end not yet seen here): not a reader that gave up.
        if (!settled && !copy.readableEnded) out.destroy();
        await cleanup;
      },
    };
    this.openStreams.add(tracked);
    // A COPY given up on (failed, aborted, its reader gone): its data still in flight is drained
    // to nowhere until the server ends it, so the connection is free again; never for long.
    const abandon = async (): Promise<void> => {
      copy.unpipe(out);
      copy.resume();
      if (!(await within(ended.catch(() => undefined), CLEANUP_MS))) {
        log('the COPY on %s did not end in %d ms after it was given up: dropping the connection', this.description, CLEANUP_MS);
        this.link?.markLost('dropped', new Error('a cancelled COPY did not end'));
      }
    };
    const finish = (how: Promise<void>): void => {
      void how
        .catch(() => undefined)
        .then(async () => {
          this.openStreams.delete(tracked);
          await release().catch(() => undefined);
        })
        .finally(cleaned);
    };
    const watched = guard ? guard.run(ended) : ended;
    watched.then(
      () => {
        if (settled) return;
        settled = true;
        finish(Promise.resolve());
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        out.destroy(error instanceof Error ? error : new Error(String(error)));
        const left = abandon();
        if (!this.lost) this.unsettled = left;
        finish(left);
      },
    );
    out.once('close', () => {
      // Closed after the COPY's end (read to the end): the end settles it, not a cancel.
      if (settled || copy.readableEnded) return;
      // The reader stopped before the end: the server stops too.
      settled = true;
      const left = (this.link ? this.link.cancel() : Promise.resolve()).then(abandon);
      if (!this.lost) this.unsettled = left;
      finish(left);
    });
    copy.pipe(out);
    return out as PassThrough & { readonly rowCount: number | undefined };
  }

  /** Runs a statement, or a batch of statements without params, in a transaction rolled back on error. */
  async execute(sql: string, params?: SqlParams, options: SqlCallOptions = {}): Promise<number | undefined> {
    this.checkIdle();
    const compiled = this.compile(sql, params);
    const guard = await this.begin(options, 'the statement', 'statement');
    return this.guarded(guard, this.dialect.execute(this.knex, compiled.sql, compiled.bindings));
  }

  /**
   * Writes a DataFrame, row objects, or a streamed input (`{ columns, rows }` whose rows are
   * arrays or row objects, e.g. `SqlRows` or FromS3's csv output) to `tablename` in one
   * transaction; resolves to rows written. A streamed input is read as it is loaded, never held
   * whole. The fourth argument is the options, or (as before) the task name.
   */
  async write(
    tablename: string,
    input: unknown,
    ifExists: IfExists = 'fail',
    options: WriteCallOptions | string = {},
  ): Promise<number> {
    const { signal, taskName = 'write', ...write } = typeof options === 'string' ? { taskName: options } as WriteCallOptions : options;
    this.checkIdle();
    const source = writeSource(input);
    if (!source) {
      throw new TaskError(
        `${taskName}: input must be a DataFrame, an array of row objects or { columns, rows } (e.g. SqlRows), got ${Array.isArray(input) ? 'an array of non-objects' : input === null ? 'null' : typeof input}`,
        { taskName },
      );
    }
    const guard = await this.begin({ signal, taskName }, 'the write', 'stream');
    return this.guarded(guard, writeTable(this.knex, this.dialect, taskName, tablename, source, ifExists, { ...write, guard }));
  }

  /** Whether this engine can write the rows of `sql` to a table on the server (see `writeQuery`). */
  canWriteQuery(sql: string): boolean {
    return this.dialect.loadQuery?.accepts(withoutTerminator(sql)) ?? false;
  }

  /**
   * Writes the rows of the query `sql` to `tablename` on the server (`INSERT … SELECT`), in one
   * transaction on this session (its temp tables visible to the query), `ifExists` and
   * `columnTypes` as for `write`; a table it creates takes the query's column types. No row
   * leaves the database. Resolves to the rows inserted.
   */
  async writeQuery(
    tablename: string,
    sql: string,
    params: SqlParams | undefined,
    ifExists: IfExists = 'fail',
    options: WriteCallOptions = {},
  ): Promise<number> {
    const { signal, taskName = 'write', ...write } = options;
    this.checkIdle();
    const query = this.compile(withoutTerminator(sql), params);
    const guard = await this.begin({ signal, taskName }, 'the write', 'statement');
    return this.guarded(guard, writeQueryTable(this.knex, this.dialect, taskName, tablename, query, ifExists, { ...write, guard }));
  }
}

/** Options of `SqlSession.write`. */
export interface WriteCallOptions extends SqlCallOptions {
  /** SQL column types by column name for a table the write creates; the others are inferred. */
  columnTypes?: Readonly<Record<string, string>>;
  /** With `ifExists = 'merge'`: the columns that identify a row, and what a key that comes twice does. */
  mergeKeys?: readonly string[];
  dedupe?: 'error' | 'last';
  /** Adds the input's columns the table lacks (merge, append). */
  addColumns?: boolean;
}

/** `sql` without the `;` (and blanks) that may end it: COPY takes it in parentheses. */
function withoutTerminator(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}
