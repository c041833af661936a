/**
 * Where a query result's text goes once it holds more than a bound: a temporary file in the OS
 * temp folder. The text columns of one result share a `TextSpill`; each joined batch is kept in
 * memory while the result's characters stay within the bound, and later batches are written to
 * the file, only their place in it kept. A batch is written in the encoding that keeps its exact
 * code units at the fewest bytes: latin1 when every code unit is below 256, UTF-8 when the text
 * is well-formed UTF-16, else UTF-16LE (a lone surrogate).
 *
 * The file is removed from its folder as soon as it is opened: nothing is left behind however the
 * process ends (an error, SIGTERM, kill -9), and its room is given back when the file is closed,
 * at `close()` or when the result is let go of.
 */
import { closeSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BigraysError } from '../errors';
import { TempFiles } from './temp-file';

const SPILL_FILES = new TempFiles('query-text', '.bigrays-', '.tmp');

/** Where a spilled batch lies in the file, and how it was written. */
export interface SpilledText {
  readonly offset: number;
  readonly bytes: number;
  readonly encoding: BufferEncoding;
}

/** The open file of a spill: closed when its spill is let go of without `close()`. */
const closeOnCollect = new FinalizationRegistry<SpillFile>((file) => closeFile(file));

/** The file's descriptor while open, and its path while it is still in its folder. */
interface SpillFile {
  fd?: number;
  path?: string;
}

function closeFile(file: SpillFile): void {
  const { fd, path: left } = file;
  file.fd = undefined;
  file.path = undefined;
  if (fd !== undefined) closeSync(fd);
  if (left !== undefined) rmSync(left, { force: true });
}

/** The encoding that keeps `text`'s code units exactly, in the fewest bytes. */
function encodingOf(text: string): BufferEncoding {
  if (!/[^\x00-\xff]/.test(text)) return 'latin1';
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed() ? 'utf8' : 'utf16le';
}

export class TextSpill {
  private held = 0;
  private spilling = false;
  private readonly file: SpillFile = {};
  private position = 0;

  /**
   * Keeps up to `limitChars` characters in memory (a query: the config's `QUERY_TEXT_MB`), the
   * rest in a file in `folder`. `label` names what the text belongs to in an error (`SQLQuery Pull`).
   */
  constructor(
    private readonly limitChars: number,
    readonly folder = tmpdir(),
    private readonly label = 'the query',
  ) {}

  /** Whether a batch of `chars` characters stays in memory (false: `write` it). */
  keeps(chars: number): boolean {
    if (this.spilling || this.held + chars > this.limitChars) {
      this.spilling = true;
      return false;
    }
    this.held += chars;
    return true;
  }

  /** Writes `text` to the file; where it lies. */
  write(text: string): SpilledText {
    const encoding = encodingOf(text);
    const buffer = Buffer.from(text, encoding);
    const offset = this.position;
    try {
      const fd = this.open();
      for (let done = 0; done < buffer.length; ) done += writeSync(fd, buffer, done, buffer.length - done, offset + done);
    } catch (error) {
      throw this.failure(error);
    }
    this.position += buffer.length;
    return { offset, bytes: buffer.length, encoding };
  }

  /** The text written at `spilled`, as it was put in. */
  read(spilled: SpilledText): string {
    const buffer = Buffer.allocUnsafe(spilled.bytes);
    for (let done = 0; done < spilled.bytes; ) {
      const read = readSync(this.file.fd as number, buffer, done, spilled.bytes - done, spilled.offset + done);
      if (read === 0) throw new BigraysError(`The text of ${this.label} spilled to ${this.folder} ended early: the result was closed or its file cut short`);
      done += read;
    }
    return buffer.toString(spilled.encoding);
  }

  /** Closes the file (its room is given back); nothing spilled can be read after. */
  close(): void {
    closeFile(this.file);
    closeOnCollect.unregister(this);
  }

  private open(): number {
    if (this.file.fd !== undefined) return this.file.fd;
    const file = SPILL_FILES.pathFor(path.join(this.folder, 'query-text'));
    const fd = openSync(file, 'wx+', 0o600);
    this.file.fd = fd;
    closeOnCollect.register(this, this.file, this);
    try {
      unlinkSync(file);
    } catch {
      // A system that cannot remove an open file: it goes when the file is closed.
      this.file.path = file;
    }
    return fd;
  }

  private failure(error: unknown): Error {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOSPC' ? 'the disk is full (ENOSPC)' : code ? `${code}: ${(error as Error).message}` : String(error);
    return new BigraysError(
      `${this.label} holds more text than BIGRAYS_QUERY_TEXT_MB keeps in memory, and the rest could not be written to the temp folder ${this.folder}: ${reason}. ` +
        'Free room there, point TMPDIR at a folder with room, or stream the result (SQLStream) instead',
    );
  }
}
