/**
 * The words of every refusal of a symbolic link (local mode's folder, its SQLite files): one
 * message, naming the link, where it points and what to do.
 */
import { readlinkSync } from 'node:fs';
import { relative } from 'node:path';

function display(path: string): string {
  return relative(process.cwd(), path) || path;
}

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return 'somewhere else';
  }
}

/** Why the symbolic link at `path` is not used. */
export function symlinkRefusal(path: string): string {
  return (
    `${display(path)} is a symbolic link (to ${linkTarget(path)}): local mode never reads or writes through a link. ` +
    'Replace it with a copy of the file or folder it points to, or remove it.'
  );
}
