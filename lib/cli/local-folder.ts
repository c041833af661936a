/**
 * Files in local mode's folder (`.bigrays/`), read and written without ever following a
 * symbolic link: every component of a path under the folder (the folder itself included) is
 * checked with lstat, files are opened with O_NOFOLLOW where the system has it, and a file is
 * written to a temporary name beside it, then renamed (or, to create it only if it does not
 * exist, hard-linked) into place. A link planted in the folder is refused, so nothing outside
 * it is read, written or removed. The temporary name names its process: the first write into
 * a folder removes the temporary files there of processes that are gone (a killed run).
 */
import {
  closeSync, constants, createReadStream, createWriteStream, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync,
  renameSync, rmSync, unlinkSync, writeSync, type ReadStream, type Stats,
} from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, join, relative, sep } from 'node:path';
import { TempFiles } from '../data/temp-file';
import { BigraysError } from '../errors';
import { display, lstatOrUndefined, symlinkRefusal } from '../symlinks';

/** 0 where the system has no O_NOFOLLOW (Windows): the lstat checks still stand. */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** Marks a temporary file beside its target. `objectPath` %-encodes `%`, so no object's file holds it. */
const TEMP_MARK = '%bigrays-tmp-';

/** Temporary files beside their targets: `x.csv%bigrays-tmp-<host>-<pid>-<random>`, named after their process. */
export const localTemps = new TempFiles('', TEMP_MARK, '');

/**
 * Folders swept of stale temporary files by this process: once each is enough. The command's
 * own process (one command, one run of local mode): a memo of what it has done, no job reads it.
 */
const swept = new Set<string>();

/** Codes of a file system without hard links, where creating a file falls back to check-then-rename. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);

/** A path in local mode's folder is a symbolic link (or not a file or folder): local mode refuses to use it. */
export class LocalFolderError extends BigraysError {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

/** The refusal of the symbolic link at `path`. */
export function linkRefusal(path: string): LocalFolderError {
  return new LocalFolderError(path, symlinkRefusal(path));
}

/**
 * Checks that `path` and every folder between `root`'s parent and it is no symbolic link;
 * with `create`, makes the missing folders (one by one, none through a link). `path` must lie
 * within `root`'s parent. Resolves to the path's own lstat, undefined when it does not exist.
 */
function walk(root: string, path: string, create: boolean): Stats | undefined {
  const parts = relative(dirname(root), path).split(sep);
  let current = dirname(root);
  let stats: Stats | undefined;
  for (let i = 0; i < parts.length; i++) {
    current = join(current, parts[i]);
    stats = lstatOrUndefined(current);
    const last = i === parts.length - 1;
    if (stats === undefined) {
      if (!create) return undefined;
      try {
        mkdirSync(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      stats = lstatSync(current);
    }
    if (stats.isSymbolicLink()) throw linkRefusal(current);
    if (!last && !stats.isDirectory()) {
      const error = new Error(`${display(current)} is a file, not a folder`) as NodeJS.ErrnoException;
      error.code = 'ENOTDIR';
      throw error;
    }
  }
  return stats;
}

/** Makes folder `dir` (within `root`) and the folders above it up to `root`, none through a link. */
export function makeFolder(root: string, dir: string): void {
  const stats = walk(root, dir, true);
  if (stats && !stats.isDirectory()) throw new Error(`${display(dir)} is a file, not a folder`);
}

/**
 * Every file under `dir` (within `root`), without following links: a symbolic link anywhere,
 * or something that is neither file nor folder, is a LocalFolderError. Temporary files a
 * crashed save left behind are skipped. None when `dir` does not exist.
 */
export function filesUnder(root: string, dir: string): string[] {
  const stats = walk(root, dir, false);
  if (stats === undefined) return [];
  if (!stats.isDirectory()) throw new LocalFolderError(dir, `${display(dir)} is a file, not a folder: move it away`);
  const found: string[] = [];
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isSymbolicLink()) throw linkRefusal(path);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) {
        if (!entry.name.includes(TEMP_MARK)) found.push(path);
      } else throw new LocalFolderError(path, `${display(path)} is neither a file nor a folder: local mode reads only files; remove it`);
    }
  };
  visit(dir);
  return found;
}

/**
 * Checks, without following links, the entries of folder `dir` (within `root`) whose names
 * match `names`: each must be a file, not a link. Nothing is checked when `dir` does not exist.
 */
export function checkFilesIn(root: string, dir: string, names: RegExp): void {
  const stats = walk(root, dir, false);
  if (stats === undefined) return;
  if (!stats.isDirectory()) throw new LocalFolderError(dir, `${display(dir)} is a file, not a folder: move it away`);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!names.test(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) throw linkRefusal(path);
    if (!entry.isFile()) throw new LocalFolderError(path, `${display(path)} is not a file: local mode opens it as one; remove it`);
  }
}

/** A descriptor of file `path` (within `root`), opened for reading without following a link. */
function openToRead(root: string, path: string): number {
  walk(root, path, false);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw linkRefusal(path);
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new LocalFolderError(path, `${display(path)} is not a file`);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** A stream of file `path` (within `root`), opened without following a link: a file of any size, a little at a time. */
export function readStreamIn(root: string, path: string): ReadStream {
  return createReadStream(path, { fd: openToRead(root, path) });
}

/** Creates the temporary file `temp`, never through a link; its descriptor. */
function createTemp(temp: string): number {
  return openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o666);
}

/** Streams `source` to a new temporary file beside `target`; its path. */
async function streamTemp(target: string, source: Readable): Promise<string> {
  const temp = localTemps.pathFor(target);
  try {
    await pipeline(source, createWriteStream(temp, { fd: createTemp(temp) }));
  } catch (error) {
    source.destroy();
    rmSync(temp, { force: true });
    throw error;
  }
  return temp;
}

/** How `writeStreamIn` treats a file already at the target. */
export type WriteMode = 'replace' | 'create';

/**
 * Makes `target`'s folders (within `root`) and checks what is at `target`: false when
 * `'create'` finds a file there; a LocalFolderError for a link, an Error for a folder.
 */
function prepareTarget(root: string, target: string, mode: WriteMode): boolean {
  makeFolder(root, dirname(target));
  // What a killed process left beside its target; the folder was checked for links just now.
  if (!swept.has(dirname(target))) {
    swept.add(dirname(target));
    localTemps.sweep(dirname(target));
  }
  const existing = lstatOrUndefined(target);
  if (existing?.isSymbolicLink()) throw linkRefusal(target);
  if (existing?.isDirectory()) throw new Error(`${display(target)} is a folder`);
  return !(existing && mode === 'create');
}

/** Puts the written temporary file `temp` in place at `target`, as `mode` says; whether it did. */
function placeTemp(temp: string, target: string, mode: WriteMode): boolean {
  try {
    if (mode === 'replace') {
      renameSync(temp, target);
      return true;
    }
    try {
      linkSync(temp, target);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') {
        if (lstatSync(target).isSymbolicLink()) throw linkRefusal(target);
        return false;
      }
      if (!NO_HARD_LINKS.has(code)) throw error;
      if (lstatOrUndefined(target) !== undefined) return false;
      renameSync(temp, target);
      return true;
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Streams `source` to `target` (within `root`), whole or not at all, never through a link: the
 * folders are made as needed, the bytes go to a temporary file beside the target, which is
 * then renamed over it (`'replace'`) or hard-linked to it (`'create'`, which fails when a file
 * appeared there meanwhile). Resolves to false when `'create'` found a file in place, which
 * is left as it was; rejects with LocalFolderError for a link, an Error for a folder in the way.
 * An object of any size, a little at a time.
 */
export async function writeStreamIn(root: string, target: string, source: Readable, mode: WriteMode): Promise<boolean> {
  let write: boolean;
  try {
    write = prepareTarget(root, target, mode);
  } catch (error) {
    source.destroy();
    throw error;
  }
  if (!write) {
    source.destroy();
    return false;
  }
  return placeTemp(await streamTemp(target, source), target, mode);
}

/** Whether a file (not a folder) is at `path` (within `root`); false when a link is in the way. */
export function fileExistsIn(root: string, path: string): boolean {
  try {
    const stats = walk(root, path, false);
    return stats !== undefined && !stats.isDirectory();
  } catch (error) {
    // A link on the way is no file: saving the object refuses it, saying so.
    if (error instanceof LocalFolderError || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

/** Removes file `path` (within `root`) when it is one; a link there or on the way is a LocalFolderError, and stays. */
export function removeFileIn(root: string, path: string): void {
  const stats = walk(root, path, false);
  if (stats?.isFile()) unlinkSync(path);
}

/** Appends `text` to file `path` (within `root`), created if missing, never through a link. */
export function appendFileIn(root: string, path: string, text: string): void {
  makeFolder(root, dirname(path));
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw linkRefusal(path);
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new LocalFolderError(path, `${display(path)} is not a file`);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
