/** What a bench case is and gets: the types the harness, the cases and the clients share. */

/** What a case gets: where the table is, where to upload, what to load. */
export interface BenchEnv {
  dsn: string;
  /** The DSN's parts, for command-line clients. */
  pg: { host: string; port: number; user: string; password: string; database: string };
  endpoint: string;
  bucket: string;
  /** Where an export case uploads. */
  key: string;
  /** The query every export case runs. */
  query: string;
  /** How many rows the bench table has. */
  rows: number;
  /** The bench table as CSV with a header row (COPY's own bytes), a local file… */
  csvFile: string;
  /** …and the same bytes as an S3 object in `bucket`. */
  csvKey: string;
  /** The table a load case fills (replacing it). */
  table: string;
  /** The changes a merge case merges, as CSV with a header row (half of them rows of the bench table changed, half new), a local file… */
  changesFile: string;
  /** …and the same bytes as an S3 object in `bucket`. */
  changesKey: string;
}

/** Which kind of case: what its ratio is against. */
export type BenchKind = 'export' | 'export-gz' | 'load' | 'load-existing' | 'table' | 'merge';

/** Whether a kind of case uploads the bench table (an export, whatever its limit). */
export function isExport(kind: BenchKind): boolean {
  return kind === 'export' || kind.startsWith('export-');
}

export interface BenchCase {
  /** Short name shown in the table (and used with `--only`). */
  name: string;
  /** One line on what it does. */
  title: string;
  kind: BenchKind;
  /** Whether it is the limit its kind is measured against. */
  limit?: boolean;
  /** The end of an export's key (`.csv`, `.csv.gz`, `.parquet`). */
  ext?: string;
  /** Makes what the case starts from (a table to load into), in the bench's own process, before the case's process is spawned. */
  setup?(env: BenchEnv): Promise<void>;
  /** Loads what `run` needs, in the case's process (timed, as a job's start is). */
  prepare(env: BenchEnv): Promise<void>;
  /** Runs once, in the child; resolves when the data has moved. */
  run(env: BenchEnv): Promise<void>;
}
