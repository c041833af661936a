/**
 * `SqlRows`: the rows of a query as a lazy, single-use stream (the output of `SQLStream`).
 * Nothing runs until a task reads them; the task that reads them consumes them.
 */
import type { Readable } from 'node:stream';
import { finished, PassThrough } from 'node:stream';
import { TaskError } from '../errors';
import { attributeMessage, attributeName, taskMessage } from '../messages';
import { activeContext } from '../output';
import { isMarkedQueryFailure, isQueryFailure, RowsQueryFailure, watchedRows } from './rows-failure';
import type { SqlColumn } from './sql-columns';

/** A query being read: its columns, its rows (arrays in column order), and how to stop. */
export interface OpenRows {
  columns: string[];
  rows: AsyncIterable<unknown[]>;
  release(): Promise<void>;
  /** The columns' types as the database declares them, when its driver says (undefined otherwise). */
  columnTypes?: readonly SqlColumn[];
}

/** CSV bytes written by the database itself (PostgreSQL's COPY), and the data rows in them. */
export interface CsvCopy {
  stream: Readable;
  rows(): number | undefined;
}

/** The server's CSV of a query (a header line, then records) with the query's columns as the server declares them. */
export interface ServerCsv extends CsvCopy {
  columns: readonly SqlColumn[];
}

/** Who reads the rows: the task running now, and its signal. */
export interface RowsReader {
  taskName: string;
  signal?: AbortSignal;
}

/** The query of an `SqlRows`, as its task holds it (keywords filled), and its bound values. */
export interface SqlRowsQuery {
  sql: string;
  params?: unknown;
}

/** Where the rows of an `SqlRows` come from (the SQL session of the task that made it). */
export interface SqlRowsSource {
  /** The session the rows are read on. */
  readonly session?: unknown;
  /** The query the rows are of. */
  readonly query?: SqlRowsQuery;
  /** The query as messages show it (when `query` is not given: the rows cannot be loaded on the server). */
  readonly text?: string;
  /** Starts the query; rows as they are read. */
  open(reader: RowsReader): Promise<OpenRows>;
  /** Starts the query as CSV the database writes itself; undefined when it cannot (another engine, bound params). */
  copyCsv(reader: RowsReader): Promise<CsvCopy | undefined>;
  /** `copyCsv` with the query's column types, known before the first byte; undefined when it cannot. */
  copyTyped?(reader: RowsReader): Promise<ServerCsv | undefined>;
  /** Lets go of the session once the rows are read, failed or given up (it closes if nothing else uses it). */
  done(): Promise<void>;
  /** Why the rows cannot be read any more, if so (the session closed at the end of the run). */
  unavailable(): string | undefined;
}

function reader(): RowsReader {
  const context = activeContext();
  return { taskName: context?.current?.name ?? 'the reader', signal: context?.taskSignal };
}

/**
 * The rows of an `SQLStream`'s query, read once, by the task that takes them as `input` (ToS3,
 * ToCSV, SQLWrite) or iterates them (`for await (const row of rows)`).
 *
 * Each row is an array of values in the order of `columns`, as `SQLQuery` keeps them: integers
 * as numbers (as `bigint` beyond 2^53), numeric/decimal as text, timestamps as ISO 8601 text with
 * their microseconds (timestamptz in UTC, `Z`), dates as `YYYY-MM-DD`, booleans as booleans,
 * bytes as a Buffer, NULL as `null`. `columns` is known once reading has begun.
 */
export class SqlRows implements AsyncIterable<unknown[]> {
  private readBy?: string;
  private opened?: OpenRows;
  private released = false;
  private failed?: RowsQueryFailure;

  constructor(
    /** The task that made the rows, as messages name it. */
    readonly taskName: string,
    private readonly source: SqlRowsSource,
  ) {}

  /** Whether the rows are read on `session` (which then cannot do anything else until they are read). */
  readsOn(session: unknown): boolean {
    return this.source.session !== undefined && this.source.session === session;
  }

  /** The column names, once reading has begun (a TaskError before). */
  get columns(): string[] {
    if (!this.opened) {
      throw new TaskError(attributeMessage(this.taskName, 'output', 'its columns are known once its rows are being read (iterate it, or call open())'), {
        taskName: this.taskName,
      });
    }
    return this.opened.columns;
  }

  /** How the query failed while a task read the rows, if it did (the stream's failure, not its reader's). */
  get failure(): RowsQueryFailure | undefined {
    return this.failed;
  }

  /** Notes `error`, met reading the rows for `who`, as the query's failure when it is one. */
  private noteFailure(error: unknown, who: RowsReader, isTheQuery = isQueryFailure(error, this.taskName)): void {
    if (this.failed || who.signal?.aborted || this.released || !isTheQuery) return;
    this.failed = new RowsQueryFailure(this.taskName, who.taskName, error, this.source.query?.sql ?? this.source.text);
  }

  /** Whether a task has begun reading the rows (they can be read once). */
  get consumed(): boolean {
    return this.readBy !== undefined || this.released;
  }

  private claim(who: RowsReader): void {
    const output = attributeName(this.taskName, 'output');
    if (this.readBy !== undefined) {
      throw new TaskError(
        taskMessage(
          who,
          `${output} was read already by ${this.readBy}: the rows of an SQLStream can be read once. ` +
            `Read them in one task, or add a second SQLStream for ${who.taskName}`,
        ),
        { taskName: who.taskName },
      );
    }
    if (this.released) {
      throw new TaskError(taskMessage(who, `${output} was released unread (its reader failed or was skipped)`), { taskName: who.taskName });
    }
    const gone = this.source.unavailable();
    if (gone) throw new TaskError(taskMessage(who, `${output} cannot be read: ${gone}`), { taskName: who.taskName });
    this.readBy = who.taskName;
  }

  /** Starts the query: its columns, and its rows as they are read. Once only. */
  async open(): Promise<OpenRows> {
    const who = reader();
    this.claim(who);
    let opened: OpenRows;
    try {
      opened = await this.source.open(who);
    } catch (error) {
      this.noteFailure(error, who);
      await this.source.done();
      throw error;
    }
    const source = this.source;
    const rows = watchedRows(opened.rows, (error) => this.noteFailure(error, who), async () => {
      await opened.release();
      await source.done();
    });
    this.opened = {
      columns: opened.columns,
      columnTypes: opened.columnTypes,
      rows,
      release: async () => {
        await opened.release();
        await source.done();
      },
    };
    return this.opened;
  }

  /**
   * The rows as CSV written by the database itself (PostgreSQL: `COPY (query) TO STDOUT WITH
   * (FORMAT csv, HEADER)`), when it can; else undefined, and the rows are still unread.
   * @internal ToS3 and ToCSV use it.
   */
  async copyCsv(): Promise<CsvCopy | undefined> {
    return this.serverCopy((who) => this.source.copyCsv(who));
  }

  /**
   * `copyCsv` with the query's columns as the server declares them, known before the COPY
   * starts; undefined, the rows still unread, when the source cannot give them.
   * @internal ToS3 and ToCSV use it for formats written from the server's text.
   */
  async copyTyped(): Promise<ServerCsv | undefined> {
    const copyTyped = this.source.copyTyped?.bind(this.source);
    return copyTyped ? this.serverCopy(copyTyped) : undefined;
  }

  private async serverCopy<T extends CsvCopy>(start: (who: RowsReader) => Promise<T | undefined>): Promise<T | undefined> {
    const who = reader();
    this.claim(who);
    let copy: T | undefined;
    try {
      copy = await start(who);
    } catch (error) {
      this.noteFailure(error, who);
      await this.source.done();
      throw error;
    }
    if (!copy) {
      this.readBy = undefined;
      return undefined;
    }
    finished(copy.stream, () => void this.source.done());
    return { ...copy, stream: this.watchedCopy(copy.stream, who) };
  }

  /**
   * The bytes of a copy as its reader reads them: an error of the copy itself (the server's)
   * is noted as the query's failure, one of the reader's (which destroys what it reads) is not;
   * a reader that stops early stops the copy.
   */
  private watchedCopy(copy: Readable, who: RowsReader): Readable {
    const read = new PassThrough();
    copy.on('error', (error) => {
      if (read.destroyed) return;
      this.noteFailure(error, who);
      read.destroy(error);
    });
    read.once('close', () => {
      if (!copy.destroyed && !copy.readableEnded) copy.destroy();
    });
    // The error is the reader's to meet when it next reads (a destroyed stream gives it again);
    // a reader not reading at that moment (a Parquet writer loading its parts, an upload starting)
    // must not make it an error nobody listens for.
    read.on('error', () => undefined);
    return copy.pipe(read);
  }

  /**
   * When the rows are unread, read on `session`, and `can(query)`: runs `load` with their query
   * in place of reading them (a load on the server, `INSERT … SELECT`), and the rows count as
   * read. Undefined, the rows untouched, otherwise.
   * @internal SQLWrite uses it.
   */
  async loadOnServer<T>(
    session: unknown,
    can: (query: SqlRowsQuery) => boolean,
    load: (query: SqlRowsQuery) => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    const query = this.source.query;
    if (!query || this.consumed || !this.readsOn(session) || !can(query)) return undefined;
    this.claim(reader());
    try {
      return { value: await load(query) };
    } catch (error) {
      this.noteFailure(error, reader(), isMarkedQueryFailure(error));
      throw error;
    } finally {
      await this.source.done();
    }
  }

  /** The rows, each an array of values in column order. Once only. */
  async *[Symbol.asyncIterator](): AsyncGenerator<unknown[]> {
    const opened = this.opened && this.readBy === reader().taskName ? this.opened : await this.open();
    yield* opened.rows;
  }

  /** The rows as an async iterable (the same as iterating this object). */
  get rows(): AsyncIterable<unknown[]> {
    return this;
  }

  /** Stops reading (or gives the rows up unread) and lets go of the session. */
  async release(): Promise<void> {
    this.released = true;
    if (this.opened) await this.opened.release();
    else await this.source.done();
  }
}

/** Whether `value` is an `SqlRows`. */
export function isSqlRows(value: unknown): value is SqlRows {
  return value instanceof SqlRows;
}
