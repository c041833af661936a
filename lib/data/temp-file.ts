/**
 * Temporary files named after the process that writes them, so that a later run can remove
 * the ones a killed process left behind (kill -9, an OOM kill: nothing of the process ran to
 * clean up) without ever touching a live process's file.
 *
 * A name holds `bigrays-<space>-<pid>-<random>`: `<space>` tells the host and its process-id
 * namespace (the host name's first label, and a short hash of the full name, the machine id and
 * the namespace, since a container has its own pids; the machine id tells apart two hosts of
 * the same name sharing a folder, whose root namespaces look alike), `<pid>` the writing process. A file is stale when it was
 * made in this process space by a process that is no longer alive (`kill(pid, 0)` says ESRCH);
 * a file of a live process, of this process, or of another host is left alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';

/** The longest part of the target's name kept in a temporary file's name (file names stop at 255 bytes). */
const MAX_BASE = 180;

/** What `read` gives, or '' when it fails (no such file on this system). */
function readOr(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}

function processSpace(): string {
  // No /proc (macOS, Windows), no machine id: the host name alone.
  const namespace = readOr(() => readlinkSync('/proc/self/ns/pid'));
  const machine = readOr(() => readFileSync('/etc/machine-id', 'utf8').trim());
  const host = hostname();
  const label = host.split('.')[0].toLowerCase().replace(/[^a-z0-9]/g, '_').slice(0, 24) || 'host';
  return `${label}_${createHash('sha256').update(`${host}\n${machine}\n${namespace}`).digest('hex').slice(0, 6)}`;
}

/**
 * A memo of a fact about the process, not state: its space cannot change while it runs, and
 * every runtime in it has the same.
 */
let space: string | undefined;

/** This process's space: host and process-id namespace (found on first use). */
function ownSpace(): string {
  space ??= processSpace();
  return space;
}

/** `<space>-<pid>-<random>`, as a name holds it. */
const STAMP = '([a-z0-9_]+)-(\\d+)-[0-9a-f]{8}';

/** Whether process `pid` is alive (or exists under another user): only ESRCH says it is gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** A kind of temporary file: how its name is made from the target's, and recognised. */
export class TempFiles {
  private readonly pattern: RegExp;

  /**
   * `prefix` + the target's name + `infix` + the owner stamp + `suffix`; e.g. ToCSV's
   * `.events.csv.bigrays-<space>-<pid>-<random>.tmp`.
   */
  constructor(private readonly prefix: string, private readonly infix: string, private readonly suffix: string) {
    const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.pattern = new RegExp(`^${escape(prefix)}[\\s\\S]*${escape(infix)}${STAMP}${escape(suffix)}$`);
  }

  /** A new temporary file's path beside `target`, owned by this process. */
  pathFor(target: string): string {
    const stamp = `${ownSpace()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    return path.join(path.dirname(target), `${this.prefix}${path.basename(target).slice(0, MAX_BASE)}${this.infix}${stamp}${this.suffix}`);
  }

  /** Whether `name` is one of these temporary files, left by a process of this host that is gone. */
  isStale(name: string): boolean {
    const match = this.pattern.exec(name);
    if (!match || match[1] !== ownSpace()) return false;
    const pid = Number(match[2]);
    return pid !== process.pid && !isAlive(pid);
  }

  /**
   * Removes the stale temporary files in `directory` (regular files only); their paths. Best
   * effort: an error removes nothing more. Synchronous: one folder's listing, read once per folder.
   */
  sweep(directory: string): string[] {
    const removed: string[] = [];
    try {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        if (!entry.isFile() || !this.isStale(entry.name)) continue;
        rmSync(path.join(directory, entry.name), { force: true });
        removed.push(path.join(directory, entry.name));
      }
    } catch {
      // A folder that cannot be read or a file that cannot be removed: the write says so if it matters.
    }
    return removed;
  }
}
