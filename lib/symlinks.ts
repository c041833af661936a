/**
 * The words of every refusal of a symbolic link (local mode's folder, its SQLite files): one
 * message, naming the link, where it points and what to do.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { relative } from 'node:path';

/** `path` as a message shows it: relative to the working directory when inside it. */
export function display(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** lstat of `path` (a link itself, never followed); undefined when nothing is there. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return 'somewhere else';
  }
}

/** Why the symbolic link at `path` is not used (by `who`: local mode, the state store). */
export function symlinkRefusal(path: string, who = 'local mode'): string {
  return (
    `${display(path)} is a symbolic link (to ${linkTarget(path)}): ${who} never reads or writes through a link. ` +
    'Replace it with a copy of the file or folder it points to, or remove it.'
  );
}
