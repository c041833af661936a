/** Which copy of bigrays runs the job (the job's own, when it has one, else the command's), and in which process. */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunCommand } from './args';

/** The job entry of the command's own copy. */
export const OWN_ENTRY = join(__dirname, '..', 'job', 'child.js');

/** bigrays' copy the job imports, when it has one of its own; else this one. Its job entry runs the job. */
export function jobEntry(job: string): string {
  try {
    const theirs = dirname(require.resolve('bigrays/package.json', { paths: [dirname(job)] }));
    const entry = join(theirs, 'dist', 'job', 'child.js');
    if (existsSync(entry) && realpathSync(entry) !== realpathSync(OWN_ENTRY)) return entry;
  } catch {
    /* the job does not import bigrays, or has no copy of its own */
  }
  return OWN_ENTRY;
}

/**
 * Whether the job runs in the command's own process (./in-process): unless --json (stdout is
 * the report's alone, and whatever the job or what it starts prints goes to stderr), --local
 * (the emulator and the saving of its outputs are the command's), or the job imports a copy
 * of bigrays of its own. Else in a process of its own (./parent).
 */
export function runsInProcess(command: RunCommand, job: string): boolean {
  return !command.json && !command.local && jobEntry(job) === OWN_ENTRY;
}
