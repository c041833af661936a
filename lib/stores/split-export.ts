/**
 * A split export (ToS3's `maxRowsPerObject`): rows written as one object per part, in turn, each
 * complete on its own, at the key with `{part}` filled. If any part fails, or the task is
 * stopped, the parts already written are deleted, so a failed export leaves nothing behind.
 * With `ifExists = 'skip'`, part 0 speaks for the export: when it is there, the export was
 * written already (`existing()` finds its parts); a later part that is there is refused.
 */
import { Readable } from 'node:stream';
import { isTabular } from '../data/csv';
import type { Format } from '../data/formats/format';
import { partPayloads, type PartOptions, type PayloadPart } from '../data/parts';
import type { Payload } from '../data/payload';
import { isSqlRows } from '../data/sql-rows';
import { TaskError, TaskInterfaceError } from '../errors';
import { formatTemplate, templateKeywords } from '../format';
import { attributeMessage, taskMessage } from '../messages';
import type { ObjectWriter, WriteContext } from './object-writer';
import { UploadError } from './object-writer';

/** One object an export wrote. */
export interface WrittenObject {
  key: string;
  /** The object's address (`s3://bucket/key`). */
  uri: string;
  bytes: number;
  /** Rows in the object, when the input was tabular. */
  rows?: number;
}

/** The parts written so far, and the deletion of those begun when the task was stopped. */
interface Written {
  objects: WrittenObject[];
  early?: { count: number; deleted: Promise<boolean> };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

/** Whether a key template uses `{part}`. */
export function keyHasPart(key: string): boolean {
  try {
    return templateKeywords(key).includes('part');
  } catch {
    return false; // a malformed key is reported by the keyword check
  }
}

/** Whether `input` is rows a split export can cut into parts. */
function isSplittable(input: unknown): boolean {
  return isTabular(input) || isSqlRows(input) || (isAsyncIterable(input) && !(input instanceof Readable && !input.readableObjectMode));
}

export class SplitExport {
  private rowsWritten = 0;
  private current: Payload | undefined;

  constructor(
    private readonly writer: ObjectWriter,
    private readonly task: WriteContext,
  ) {}

  /** Rows written so far, the part being written included. */
  rows(): number {
    return this.rowsWritten + (this.current?.rows() ?? 0);
  }

  /** Writes `input` in parts of at most `maxRows` rows at `template`'s keys; the objects written, in order. */
  async write(input: unknown, template: string, options: PartOptions, maxRows: number): Promise<WrittenObject[]> {
    const { taskName, signal } = this.task;
    if (!isSplittable(input)) {
      if (input instanceof Readable) input.destroy();
      throw new TaskInterfaceError(
        attributeMessage(
          taskName,
          'input',
          "maxRowsPerObject splits rows (a DataFrame, row objects, { columns, rows }, an SQLStream's rows or a stream of row objects); " +
            'unset maxRowsPerObject to upload other input as one object',
        ),
        { taskName, attributes: { [taskName]: ['input', 'maxRowsPerObject'] } },
      );
    }
    const store = this.writer.store;
    const written: Written = { objects: [] };
    // Stopped (deadline, signal): the parts written go first, while the run still waits for the task.
    const stop = (): void => {
      written.early = { count: written.objects.length, deleted: store.delete(written.objects.map((o) => o.key)) };
    };
    signal.addEventListener('abort', stop, { once: true });
    const parts = partPayloads(input, options, maxRows);
    try {
      for (let next = await parts.next(); !next.done; next = await parts.next()) {
        written.objects.push(await this.writePart(template, written.objects.length, next.value));
      }
      // Stopped as the last part completed: its parts are being deleted, so the export failed.
      if (written.early) throw new TaskError(taskMessage(taskName, 'stopped as its last part was written'), { cause: signal.reason, taskName });
    } catch (error) {
      // The source is closed; a stopped task does not wait for a stalled one to close (the run would wait for it).
      const closing = parts.return(undefined).catch(() => undefined);
      if (!signal.aborted) await closing;
      throw await this.failure(error, template, options.format, written);
    } finally {
      signal.removeEventListener('abort', stop);
    }
    return written.objects;
  }

  /**
   * The parts of an export written earlier at `template`'s keys, when its part 0 is there:
   * parts 0, 1, … up to the first one missing. Undefined when part 0 is not there.
   */
  async existing(template: string): Promise<WrittenObject[] | undefined> {
    const objects: WrittenObject[] = [];
    for (let index = 0; ; index++) {
      const key = this.partKey(template, index);
      const head = await this.writer.find(key);
      if (head === undefined) return objects.length === 0 ? undefined : objects;
      objects.push({ key, uri: this.writer.store.uri(key), bytes: head.size ?? 0 });
    }
  }

  /** Writes part `index`, its payload made now. */
  private async writePart(template: string, index: number, part: PayloadPart): Promise<WrittenObject> {
    const key = this.partKey(template, index);
    await this.checkPart(key, index);
    this.current = await part.payload();
    const { bytes } = await this.writer.write(key, this.current);
    const rows = this.current.rows() ?? 0;
    this.rowsWritten += rows;
    this.current = undefined;
    const uri = this.writer.store.uri(key);
    this.task.log('uploaded part %d, %d bytes, to %s', index, bytes, uri);
    return { key, uri, bytes, rows };
  }

  /** Looks at a part's key before writing it: with 'skip', part 0 was looked at already (`existing()`), a later one is refused. */
  private async checkPart(key: string, index: number): Promise<void> {
    const { ifExists } = this.task;
    if (ifExists !== 'skip') await this.writer.check(key);
    else if (index > 0) await this.writer.check(key, 'fail');
  }

  /** The key of part `index`: `{part}` filled in the key (whose other keywords are filled already). */
  private partKey(template: string, index: number): string {
    const { taskName } = this.task;
    try {
      return formatTemplate(template, { part: index });
    } catch (error) {
      throw new TaskInterfaceError(attributeMessage(taskName, 'key', `${(error as Error).message} in ${JSON.stringify(template)}`), {
        cause: error,
        taskName,
        attributes: { [taskName]: ['key'] },
      });
    }
  }

  /**
   * The error of a split export that failed writing the part after those `written`, once the
   * parts already written are deleted: it names that part's object, the format and what was deleted.
   */
  private async failure(error: unknown, template: string, format: Format, written: Written): Promise<Error> {
    const store = this.writer.store;
    const { objects, early } = written;
    const count = objects.length;
    // The failed part itself, when its upload was stopped after the store wrote it.
    const failed = error instanceof UploadError ? error : undefined;
    const left = failed?.found?.kind === 'ours' ? [{ key: failed.key, uri: store.uri(failed.key) }] : [];
    const rest = [...objects.slice(early?.count ?? 0), ...left];
    const [before, after] = await Promise.all([early?.deleted ?? true, store.delete(rest.map((o) => o.key))]);
    const gone = [...objects, ...left];
    const cleanup =
      gone.length === 0
        ? ''
        : before && after
          ? `; the ${gone.length} object(s) already written${left.length > 0 ? `, this part's included,` : ''} were deleted`
          : `; ${gone.length} object(s) already written could not all be deleted: ${gone.map((o) => o.uri).join(', ')}`;
    let uri: string;
    try {
      uri = store.uri(formatTemplate(template, { part: count }));
    } catch {
      uri = store.uri(template);
    }
    const unknown = failed?.found?.kind === 'unknown' ? `; ${uri} may hold this part all the same: look at it and delete it` : '';
    const part = `part ${count} of a ${format.label} export split by maxRowsPerObject`;
    if (error instanceof TaskError || error instanceof TaskInterfaceError) {
      error.message = `${error.message.replace(/\.$/, '')}. It was ${part}${error.message.includes(uri) ? '' : ` (${uri})`}${cleanup}${unknown}`;
      return error;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const { taskName } = this.task;
    return new TaskError(taskMessage(taskName, `writing ${part} (${uri}) failed: ${reason}${cleanup}`), { cause: error, taskName });
  }
}
