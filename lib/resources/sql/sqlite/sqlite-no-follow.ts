/**
 * SQLite files opened without following a symbolic link: those under the folder a session's
 * config names in `SQLITE_NO_FOLLOW_UNDER` (local mode sets it to its `.bigrays/` in every SQL
 * task's `resourceConfig`: it travels with the session it guards, so a runtime without it is
 * unaffected; it is not a setting users are meant to give). better-sqlite3 opens a database by
 * path, and SQLite resolves the links in it, so a database cannot be opened with O_NOFOLLOW.
 * Instead, just before the open, the file, its `-journal`, `-wal` and `-shm` companions and the
 * folders between it and the named folder are checked with lstat (none may be a link); just
 * after, before any statement, the file SQLite opened (`PRAGMA database_list`, its path with
 * every link resolved) must be the path itself, and the path and its folders must have the
 * same device and inode as before and still be no link. SQLite opens the companions itself
 * with O_NOFOLLOW.
 *
 * What remains: a link planted in the instant between the check and the open is found and the
 * database closed before anything is read or written through it, but when that link dangles,
 * SQLite will have created an empty file at its target.
 */
import { realpathSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { ConfigValues } from '../../../config';
import { ConfigurationError } from '../../../errors';
import { display, lstatOrUndefined, symlinkRefusal } from '../../../symlinks';

const COMPANIONS = ['-journal', '-wal', '-shm'];

/** The config key naming the folder (absolute) whose SQLite files are opened without following a link. */
export const NO_FOLLOW_UNDER = 'SQLITE_NO_FOLLOW_UNDER';

/** The config that has a session open its SQLite files under `folder` (relative to the working directory) without following a link. */
export function noFollowConfig(folder: string): ConfigValues {
  return { [NO_FOLLOW_UNDER]: resolve(folder) };
}

/** The guarded folder `config` names, if any. */
export function noFollowFolder(config: ConfigValues): string | undefined {
  const folder = config[NO_FOLLOW_UNDER];
  return typeof folder === 'string' && folder !== '' ? resolve(folder) : undefined;
}

/** What an open is checked against afterwards. */
export interface OpenCheck {
  /** The file as given, absolute. */
  file: string;
  /** lstat of the file (undefined: not there yet) and of each folder from the guarded one down. */
  before: Array<[string, Stats | undefined]>;
}

/** Whether `file` lies in `folder`. */
function isInside(folder: string, file: string): boolean {
  const inside = relative(folder, file);
  return inside !== '' && !inside.startsWith(`..${sep}`) && inside !== '..' && !inside.startsWith(sep);
}

/** The paths checked for `file`: the guarded folder, each folder below it, the file. */
function pathsOf(folder: string, file: string): string[] {
  const paths = [folder];
  for (const part of relative(folder, file).split(sep)) paths.push(join(paths[paths.length - 1], part));
  return paths;
}

function refusal(path: string, why: string): ConfigurationError {
  return new ConfigurationError(`${display(path)} ${why}: local mode opens its SQLite files only where they are, never through a link; remove what is there`);
}

/**
 * Checks `filename` before SQLite opens it: throws when it, a companion or a folder on the
 * way is a link. Undefined for a file outside the guarded `folder`, or with none (opened as given).
 */
export function checkBeforeOpen(filename: string, folder: string | undefined): OpenCheck | undefined {
  if (folder === undefined || filename === ':memory:' || filename === '') return undefined;
  const file = resolve(filename);
  if (!isInside(folder, file)) return undefined;
  const before: OpenCheck['before'] = [];
  for (const path of [...pathsOf(folder, file), ...COMPANIONS.map((c) => file + c)]) {
    const stats = lstatOrUndefined(path);
    if (stats?.isSymbolicLink()) throw new ConfigurationError(symlinkRefusal(path));
    const isFile = path.startsWith(file);
    if (stats && isFile && !stats.isFile()) throw refusal(path, 'is not a file');
    if (stats && !isFile && !stats.isDirectory()) throw refusal(path, 'is not a folder');
    if (!COMPANIONS.some((c) => path === file + c)) before.push([path, stats]);
  }
  return { file, before };
}

/** The file SQLite has open as its main database, every link resolved. */
function openedFile(db: { pragma(source: string): unknown }): string | undefined {
  const list = db.pragma('database_list') as Array<{ name: string; file: string }>;
  return list.find((d) => d.name === 'main')?.file;
}

/** Verifies, right after the open, that SQLite opened `check.file` itself; throws when it did not. */
export function verifyAfterOpen(check: OpenCheck, db: { pragma(source: string): unknown }): void {
  for (const [path, stats] of check.before) {
    const now = lstatOrUndefined(path);
    if (now?.isSymbolicLink()) throw new ConfigurationError(symlinkRefusal(path));
    if (now === undefined || (stats !== undefined && (stats.dev !== now.dev || stats.ino !== now.ino))) {
      throw refusal(path, 'was replaced while SQLite opened it');
    }
  }
  const expected = join(realpathSync(dirname(check.file)), basename(check.file));
  const opened = openedFile(db);
  if (opened !== expected) throw refusal(check.file, `led SQLite to open ${opened ?? 'another file'}`);
}
