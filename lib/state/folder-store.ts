/**
 * A state store in a local folder: one `<key>.json` file per document, replaced atomically
 * (written beside it, then renamed over it), its version the digest of its bytes. A
 * conditional write holds `<key>.json.lock` (created exclusively) while it compares and
 * renames, so two processes cannot both replace the version they read; a lock file left by a
 * killed process is taken over once it is older than STALE_LOCK_MS, by one writer at a time
 * (see removeStaleLock), then created anew, exclusively. Symbolic links are never followed:
 * the folder and each file are checked with lstat and opened with O_NOFOLLOW.
 *
 * The version is a digest of the file's bytes: it changes whenever the document does, and two
 * versions are equal only when the documents are byte for byte the same, so a writer whose
 * version still matches replaces exactly the document it read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { lstatOrUndefined, symlinkRefusal } from '../symlinks';
import { StateConflictError, type StateStore, type StoredDocument } from './store';
import { BigraysError } from '../errors';

/** 0 where the system has no O_NOFOLLOW (Windows): the lstat checks still stand. */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
/** A lock file older than this was left by a process that died mid-write. */
const STALE_LOCK_MS = 30_000;
/** How long a writer waits for another's lock file before it gives up. */
const LOCK_WAIT_MS = 10_000;

function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

export class FolderStateStore implements StateStore {
  readonly where: string;

  constructor(private readonly folder: string) {
    this.where = folder;
  }

  private file(key: string): string {
    return join(this.folder, `${key}.json`);
  }

  /** Refuses a folder or file that is a symbolic link. */
  private checkNoLink(path: string): void {
    if (lstatOrUndefined(path)?.isSymbolicLink()) throw new BigraysError(symlinkRefusal(path, 'the state store'));
  }

  private async readBytes(key: string): Promise<Buffer | undefined> {
    const path = this.file(key);
    this.checkNoLink(this.folder);
    this.checkNoLink(path);
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async read(key: string): Promise<StoredDocument | undefined> {
    const bytes = await this.readBytes(key);
    if (bytes === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new BigraysError(`the state file ${this.file(key)} is not JSON: ${(error as Error).message}; fix or remove it`, { cause: error });
    }
    return { value, version: digest(bytes) };
  }

  async write(key: string, value: unknown, expected: string | undefined): Promise<string> {
    const bytes = Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    return this.whileLocked(key, async () => {
      await this.expectVersion(key, expected);
      const temp = join(this.folder, `.${key}.json.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temp, this.file(key));
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return digest(bytes);
    });
  }

  async remove(key: string, expected?: string): Promise<void> {
    await this.whileLocked(key, async () => {
      if (expected !== undefined) await this.expectVersion(key, expected);
      this.checkNoLink(this.file(key));
      await rm(this.file(key), { force: true });
    });
  }

  async close(): Promise<void> {
    // Nothing stays open between calls.
  }

  /** Throws StateConflictError unless the document under `key` is at `expected` (undefined: absent). */
  private async expectVersion(key: string, expected: string | undefined): Promise<void> {
    const bytes = await this.readBytes(key);
    const current = bytes === undefined ? undefined : digest(bytes);
    if (current === expected) return;
    throw new StateConflictError(
      current === undefined
        ? `${this.file(key)} was removed by another writer meanwhile`
        : expected === undefined
          ? `${this.file(key)} was created by another writer meanwhile`
          : `${this.file(key)} was changed by another writer meanwhile`,
      key,
    );
  }

  /**
   * Removes `lock` when it is older than STALE_LOCK_MS; true when the lock may be tried again.
   * Only the writer that creates `<lock>.takeover` (exclusively) may remove a stale lock, and
   * only if it is still the very file found stale: of two writers that found it so, the
   * second sees the lock the first made since, and waits for it.
   */
  private async removeStaleLock(lock: string): Promise<boolean> {
    const found = await stat(lock).catch(() => undefined);
    if (found === undefined) return true;
    if (Date.now() - found.mtimeMs <= STALE_LOCK_MS) return false;
    const claim = `${lock}.takeover`;
    try {
      await (await open(claim, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o600)).close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Another writer is taking it over; a claim left by a writer killed meanwhile goes once stale.
      const claimed = await stat(claim).catch(() => undefined);
      if (claimed && Date.now() - claimed.mtimeMs > STALE_LOCK_MS) await rm(claim, { force: true });
      return false;
    }
    try {
      const now = await stat(lock).catch(() => undefined);
      if (now?.ino === found.ino && now.mtimeMs === found.mtimeMs) await rm(lock, { force: true });
    } finally {
      await rm(claim, { force: true });
    }
    return true;
  }

  /** Runs `work` holding `<key>.json.lock`, creating the folder first. */
  private async whileLocked<T>(key: string, work: () => Promise<T>): Promise<T> {
    this.checkNoLink(this.folder);
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    this.checkNoLink(this.folder);
    const lock = `${this.file(key)}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o600);
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (await this.removeStaleLock(lock)) continue;
        if (Date.now() > deadline) throw new BigraysError(`${lock} has been held for over ${LOCK_WAIT_MS} ms by another writer; if no bigrays process is running, remove it`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }
}
