/**
 * `--local`: run a job fully offline. The command starts the fauxqs S3/SNS emulator in its
 * own process (`local-emulator.ts`) and hands the job its endpoint, local keys, (unless
 * BIGRAYS_DB_DSN is set) a SQLite database under `.bigrays/` and (unless BIGRAYS_STATE_URL is
 * set) the state folder `.bigrays/state/` through the env; the job's side
 * keeps every task on them, and the job's state and run lock (a lease) in that state store,
 * whatever the job assigns in code (`lib/job/local-overlay.ts`). Nothing is sent to AWS.
 *
 * Buckets and topics are created on first use, by a hook in the emulator's HTTP server. The
 * emulator keeps objects in memory, so `.bigrays/s3/<bucket>/<key>` mirrors them
 * (`local-mirror.ts`): files there are loaded into the emulator before the run, and objects
 * the run uploads are written there after it. Published messages are appended to
 * `.bigrays/sns/<topic>.jsonl`. Nothing there is read or written through a symbolic link
 * (`local-folder.ts`).
 *
 * Local mode fetches no config reference (`local-references.ts`): one in a key it sets itself
 * is let go, any other is refused before anything starts.
 */
import { basename, extname, join } from 'node:path';
import { envName } from '../config';
import { LOCAL_DIR, LOCAL_STATE_DIR } from '../job/local-overlay';
import { maskDsnValue } from '../secrets';
import { display } from '../symlinks';
import { emulatorEnv, startEmulator, type LocalEmulator } from './local-emulator';
import { checkFilesIn, filesUnder, LocalFolderError, makeFolder } from './local-folder';
import { LocalMirror, S3_DIR, SNS_DIR } from './local-mirror';
import { givesDatabase, refuseLocalReferences } from './local-references';

export { LOCAL_DIR };

export interface LocalSession {
  /** What the job's env gets: the emulator's endpoint and keys, and the database. */
  env: Record<string, string>;
  /** What goes where, before the run. */
  notes(): string[];
  /** Saves what the run produced; lines saying where it went. */
  finish(): Promise<string[]>;
  stop(): Promise<void>;
}

/** SQL on SQLite under .bigrays/ unless BIGRAYS_DB_DSN is set; the env for it and the note saying which. */
function localSql(job: string, env: NodeJS.ProcessEnv, notes: string[]): Record<string, string> {
  const given = env[envName('DB_DSN')];
  if (given !== undefined && givesDatabase(env)) {
    notes.push(`SQL: ${maskDsnValue(given)} (from BIGRAYS_DB_DSN)`);
    return {};
  }
  const file = join(LOCAL_DIR, `${basename(job, extname(job))}.sqlite`);
  notes.push(`SQL: SQLite database ${display(file)}`);
  return { [envName('DB_DSN')]: `sqlite:${file}` };
}

/** The jobs' state in the local folder's `state/`, unless BIGRAYS_STATE_URL names a store. */
function localState(env: NodeJS.ProcessEnv): Record<string, string> {
  const given = env[envName('STATE_URL')];
  return given !== undefined && given !== '' ? {} : { [envName('STATE_URL')]: LOCAL_STATE_DIR };
}

/**
 * Refuses, before anything starts, a symbolic link at a path local mode opens: the folder
 * itself, the job's SQLite files (its own and those of tasks naming another database) and
 * their companions, the SNS folder and its files, and in a dry run the S3 folder (a run
 * checks it as it loads it). The job's side checks the SQLite files again as it opens them.
 */
function refuseLinks(job: string, dryRun: boolean): void {
  if (!dryRun) makeFolder(LOCAL_DIR, LOCAL_DIR);
  const stem = basename(job, extname(job)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  checkFilesIn(LOCAL_DIR, LOCAL_DIR, new RegExp(`^${stem}(-\\d+)?\\.sqlite(-journal|-wal|-shm)?$`));
  filesUnder(LOCAL_DIR, SNS_DIR);
  if (dryRun) filesUnder(LOCAL_DIR, S3_DIR);
}

/** The emulator with the mirror loaded into it (stopped again if the load fails). */
async function startMirrored(mirror: LocalMirror): Promise<LocalEmulator> {
  const emulator = await startEmulator(mirror.savedElsewhere);
  try {
    await mirror.load(emulator);
  } catch (error) {
    await emulator.close();
    throw error;
  }
  return emulator;
}

/** Saves what the run left in the emulator: the notes, then a line per output saved; refuses with every output it did not save. */
async function finish(mirror: LocalMirror, emulator: LocalEmulator, notes: string[]): Promise<string[]> {
  const { lines, refused } = await mirror.save(emulator);
  if (refused.length > 0) {
    throw new LocalFolderError(LOCAL_DIR, `${refused.join('\n')}${lines.length > 0 ? `\n(the other outputs were saved: ${lines.join('; ')})` : ''}`);
  }
  return [...notes, ...lines];
}

/** `env`: the environment the command runs in (the job's starts from it). */
export async function startLocal(job: string, dryRun: boolean, env: NodeJS.ProcessEnv = process.env): Promise<LocalSession> {
  const cleared = refuseLocalReferences(env);
  refuseLinks(job, dryRun);
  const notes: string[] = [];
  const storeEnv = { ...cleared, ...localSql(job, env, notes), ...localState(env) };
  if (dryRun) {
    // Nothing starts in a dry run: the plan only needs the AWS configuration to be complete.
    notes.push(`S3 and SNS: an emulator; objects under ${display(S3_DIR)}, messages under ${display(SNS_DIR)}`);
    return { env: { ...storeEnv, ...emulatorEnv('http://127.0.0.1') }, notes: () => notes, finish: async () => notes, stop: async () => undefined };
  }
  const mirror = new LocalMirror();
  const emulator = await startMirrored(mirror);
  const loaded = mirror.loaded;
  notes.push(`S3 and SNS: an emulator (nothing is sent to AWS)${loaded > 0 ? `; ${loaded} ${loaded === 1 ? 'object' : 'objects'} loaded from ${display(S3_DIR)}` : ''}`);
  return {
    env: { ...storeEnv, ...emulatorEnv(emulator.endpoint) },
    notes: () => notes,
    finish: () => finish(mirror, emulator, notes),
    stop: () => emulator.close(),
  };
}
