/**
 * A query's result columns without running it: the extended protocol's Parse of the query as
 * the unnamed statement, Describe of it and Sync, as a custom query on a `pg` connection (pg
 * hands it the server's RowDescription). The server plans nothing and reads no row; the unnamed
 * statement is replaced by the next query. A statement without rows (NoData) has no columns.
 */
import type { PgField } from './results';

interface PgProtocol {
  parse(query: { text: string }): void;
  describe(message: { type: 'S' }): void;
  sync(): void;
}

export class Describe {
  private fields?: PgField[];
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly callback: (error: Error | undefined, fields: PgField[] | undefined) => void,
  ) {}

  /** Called by pg when the query's turn comes. */
  submit(connection: PgProtocol): void {
    connection.parse({ text: this.text });
    connection.describe({ type: 'S' });
    connection.sync();
  }

  handleRowDescription(message: { fields: PgField[] }): void {
    this.fields = message.fields;
  }

  handleError(error: Error): void {
    this.settle(error, undefined);
  }

  handleReadyForQuery(): void {
    this.settle(undefined, this.fields);
  }

  private settle(error: Error | undefined, fields: PgField[] | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.callback(error, fields);
  }
}

/** The statements `COPY (…) TO STDOUT` takes; not utility statements (EXPLAIN, SHOW…), which a cursor reads. */
const COPYABLE = new Set(['select', 'with', 'values', 'table', 'insert', 'update', 'delete', 'merge']);

/** Whether `COPY (text) TO STDOUT` can run `text`, by its first word (after comments and parentheses). */
export function copyTakes(text: string): boolean {
  const first = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*([A-Za-z]+)/.exec(text);
  return first !== null && COPYABLE.has(first[1].toLowerCase());
}

/** The result columns of `text` on the pg `connection`; undefined for a statement without rows. */
export function describeQuery(connection: unknown, text: string): Promise<PgField[] | undefined> {
  return new Promise((resolve, reject) => {
    (connection as { query(query: Describe): void }).query(new Describe(text, (error, fields) => (error ? reject(error) : resolve(fields))));
  });
}
