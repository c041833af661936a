/**
 * What a dialect's load of rows is given and how it fails: the table the rows go to, and the
 * error naming the row the database refused.
 */

/** Where the rows go and how they look. */
export interface LoadTarget {
  schema?: string;
  name: string;
  /** `schema.name` as the user wrote it, for messages. */
  tablename: string;
  columns: string[];
}

/** What a dialect's bulk load reports when a row fails: the row (1-based) when it knows it. */
export class LoadError extends Error {
  constructor(
    message: string,
    readonly row: number | undefined,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'LoadError';
  }
}
