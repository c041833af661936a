/**
 * `ToCSV`: writes the task's `input` to a local file, as CSV when it is tabular. The bytes go
 * to a temporary file in the same directory, renamed into place when complete, so a failure
 * never leaves a truncated file. The temporary file names its process; one that a killed
 * process left behind is removed by the next ToCSV that writes in that directory.
 */
import { createWriteStream } from 'node:fs';
import { link, lstat, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TempFiles } from '../data/temp-file';
import { isOneShot, type Compression, type DataFormat, type Payload } from '../data/payload';
import { TaskError } from '../errors';
import { trackMetrics } from '../live-metrics';
import { taskMessage } from '../messages';
import { ifExistsOf, ifExistsPlan, ifExistsProblems, type WriteIfExists } from '../stores/if-exists';
import { Task } from '../task';
import { inputPayload, textAttribute, checkAttributes } from './attributes';
import { formatOptions, formatProblems } from './output-format';
import { inputToWrite } from './write-empty';
import type { TaskInput } from './task-input';

/** What `ToCSV` returns. */
export interface ToCSVOutput {
  /** The absolute path written. */
  path: string;
  /** Bytes written. */
  bytes: number;
  /** Rows written, when the input was tabular. */
  rows?: number;
  /** `false` when nothing was written because there were no rows to write (`writeEmpty`): a file at `path` is not this run's. */
  written?: false;
}

/** Errors of `link` on file systems without hard links: fall back to a checked rename. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** ToCSV's temporary files: `.events.csv.bigrays-<host>-<pid>-<random>.tmp` beside `events.csv`. */
const csvTemps = new TempFiles('.', '.bigrays-', '.tmp');

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes `input` to `filename`. A DataFrame, an array of row objects, `{ columns, rows }` or a
 * stream of row objects is written as CSV with the same writer as ToS3 (header, no index); a
 * string, bytes or a stream of bytes as they are. An existing file is refused, left as it is
 * (the task reports skipped) or replaced, as `ifExists` says; the directory must exist. Output: `ToCSVOutput`.
 */
export abstract class ToCSV extends Task<ToCSVOutput> {
  static override requiredAttributes: readonly string[] = ['input', 'filename'];

  /** What to write: a DataFrame, row objects, `{ columns, rows }`, a string, a Buffer/Uint8Array or a readable stream. */
  abstract input: TaskInput;

  /** The file to write, relative to the working directory or absolute; `{keyword}` placeholders are filled. */
  abstract filename: string;

  /** How tabular input is written: `'csv'` (header, no index), `'jsonl'` (one JSON object per row) or `'parquet'`. @default 'csv' */
  format: DataFormat = 'csv';

  /** `'gzip'` compresses the file. @default 'gzip' when the filename ends in `.gz`, else 'none' */
  compression?: Compression;

  /**
   * Write a file when there are no rows (a CSV of its header alone). With `false`, streamed rows
   * are read one row ahead (an SQLStream's by bigrays, not through COPY); no file is written
   * when there is none, and the output says `written: false`.
   * @default true, except for an incremental task's rows: false (no file)
   */
  writeEmpty?: boolean;
  /**
   * When the file is there already: `'fail'` refuses to replace it, `'skip'` leaves it as it is
   * (nothing is read or written; the task reports skipped, its output the file there),
   * `'overwrite'` replaces it. @default 'fail' ('overwrite' with `overwriteIfExists = true`)
   */
  ifExists?: WriteIfExists;

  override attributeProblems(): string[] {
    return [...formatProblems(this), ...ifExistsProblems(this)];
  }

  /** What a dry run says `ifExists` will do. */
  override planAttributes(): Record<string, string> {
    return { ifExists: ifExistsPlan(this, 'an existing file') };
  }

  async run(): Promise<ToCSVOutput> {
    const filename = textAttribute(this, 'filename');
    checkAttributes(this);
    const options = formatOptions(this, filename);
    const target = path.resolve(filename);
    const directory = path.dirname(target);
    await this.checkDirectory(directory);
    const ifExists = ifExistsOf(this);
    const existed = await exists(target);
    // With 'skip', a file there is left before the input is read at all.
    if (existed && ifExists === 'skip') return this.skipped(target);
    const toWrite = await inputToWrite(this.input, this.writeEmpty);
    if ('empty' in toWrite) {
      this.skip(toWrite.empty);
      this.recordMetrics({ bytes: 0, rows: 0 });
      return { path: target, bytes: 0, rows: 0, written: false };
    }
    for (const stale of csvTemps.sweep(directory)) this.log('removed %s, left by a process that is gone', stale);
    if (existed && ifExists === 'fail') {
      if (this.input instanceof Readable) this.input.destroy();
      throw this.refusal(target);
    }

    const payload = await inputPayload(this, options, toWrite.input);
    const temp = csvTemps.pathFor(target);
    let bytes: number;
    try {
      bytes = await this.writeTemp(payload, temp);
      if (!(await this.moveIntoPlace(temp, target, ifExists))) {
        // Created by another writer since the look: left as it is, as if it had been there then.
        await rm(temp, { force: true });
        if (ifExists === 'skip') return this.skipped(target);
        throw this.refusal(target);
      }
    } catch (error) {
      if (payload.body instanceof Readable) payload.body.destroy();
      await rm(temp, { force: true });
      if (error instanceof TaskError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      const state = existed ? 'the existing file is unchanged' : 'no file was written';
      throw new TaskError(taskMessage(this, `writing ${target} failed: ${reason}; ${state}`), {
        cause: error,
        taskName: this.taskName,
      });
    }

    const rows = payload.rows();
    this.recordMetrics(rows === undefined ? { bytes } : { bytes, rows });
    this.log('wrote %d bytes to %s', bytes, target);
    return { path: target, bytes, ...(rows === undefined ? {} : { rows }) };
  }

  /** A retry is safe when the input can be read again: a failed write leaves no file. */
  override canRetry(): boolean {
    return !isOneShot(this.input);
  }

  /** The output of a file left as it is, as a write would have output it; the task reports skipped. */
  private async skipped(target: string): Promise<ToCSVOutput> {
    this.skip(`${target} exists`);
    this.log('%s exists: left as it is', target);
    return { path: target, bytes: (await stat(target)).size };
  }

  private refusal(target: string): TaskError {
    return new TaskError(taskMessage(this, `${target} exists already. Set overwriteIfExists = true to replace it.`), {
      taskName: this.taskName,
    });
  }

  private async checkDirectory(directory: string): Promise<void> {
    let isDirectory = false;
    try {
      isDirectory = (await stat(directory)).isDirectory();
    } catch {
      isDirectory = false;
    }
    if (!isDirectory) {
      throw new TaskError(taskMessage(this, `the directory ${directory} does not exist; create it before writing ${this.filename}`), {
        taskName: this.taskName,
      });
    }
  }

  /** Writes the payload to `temp` (created new); resolves to the bytes written. */
  private async writeTemp(payload: Payload, temp: string): Promise<number> {
    if (Buffer.isBuffer(payload.body)) {
      await writeFile(temp, payload.body, { flag: 'wx', signal: this.signal });
      return payload.body.length;
    }
    const file = createWriteStream(temp, { flags: 'wx' });
    trackMetrics(this, () => ({ rows: payload.rows(), bytes: file.bytesWritten }));
    // Stopped (deadline, signal): the pipeline ends at once and the temp file is removed.
    try {
      await pipeline(payload.body, file, { signal: this.signal });
    } catch (error) {
      // A failure before the file finished opening: it is created after all, then closed; the
      // caller removes it only once that happened, or the removal comes first and misses it.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      throw error;
    }
    return file.bytesWritten;
  }

  /**
   * Renames `temp` to `target`. Unless `ifExists` is 'overwrite', links instead, which fails if a
   * file appeared at `target` meanwhile, rather than replacing it: then false, `temp` left.
   */
  private async moveIntoPlace(temp: string, target: string, ifExists: WriteIfExists): Promise<boolean> {
    if (ifExists === 'overwrite') {
      await rename(temp, target);
      return true;
    }
    try {
      await link(temp, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') return false;
      if (!NO_HARD_LINKS.has(code)) throw error;
      if (await exists(target)) return false;
      await rename(temp, target);
      return true;
    }
    await rm(temp, { force: true });
    return true;
  }
}
