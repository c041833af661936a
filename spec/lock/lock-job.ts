/**
 * The run lock's specs run spec/fixtures/jobs/lock-holds.ts with `bigrays run`, as a user would:
 * each run tagged, its Hold task waiting for a `release` file, its Record task inserting its tag
 * into lock_runs of the job's database (PostgreSQL, or a SQLite file whose lock is a lease in a
 * folder state store).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { root } from '../support/cli';
import { admin } from '../support/pg-admin';
import { spawnNode, type Finished, type Spawned } from '../support/spawn';

const cli = path.join(root, 'dist/cli/main.js');
const job = path.join('spec/fixtures/jobs/lock-holds.ts');
let counter = 0;

export interface Run {
  spawned: Spawned;
  /** When the job had loaded (it prints a line then): its run starts right after. */
  loaded: Promise<number>;
  finished: Promise<Finished & { sinceLoadedMs: number }>;
}

export class LockJob {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'bigrays-lock-'));
  readonly name = `lockspec_${process.pid}_${++counter}`;

  constructor(readonly dsn: string, private readonly env: Record<string, string> = {}) {}

  /** Creates lock_runs in the job's database. */
  async setUp(): Promise<this> {
    await admin(this.dsn, 'create table if not exists lock_runs (tag varchar(40))');
    return this;
  }

  /** `bigrays run lock-holds.ts …args` tagged `tag`. */
  start(tag: string, args: string[] = ['--lock'], env: Record<string, string> = {}): Run {
    const spawned = spawnNode([cli, 'run', job, ...args], {
      cwd: root,
      limitMs: 80_000,
      env: {
        BIGRAYS_DB_DSN: this.dsn,
        BIGRAYS_STATE_URL: path.join(this.dir, 'state'),
        BIGRAYS_JOB_NAME: this.name,
        LOCK_SPEC_DIR: this.dir,
        LOCK_SPEC_TAG: tag,
        ...this.env,
        ...env,
      },
    });
    const loaded = spawned.printed(new RegExp(`job ${tag} loaded`), 60_000).then(() => Date.now(), () => Date.now());
    const finished = spawned.finished.then(async (end) => ({ ...end, sinceLoadedMs: spawned.started + end.elapsedMs - (await loaded) }));
    return { spawned, loaded, finished };
  }

  /** Resolves to the job process's pid once run `tag`'s Hold task started. */
  async holding(tag: string, run: Run): Promise<number> {
    const file = path.join(this.dir, `${tag}.started`);
    const deadline = Date.now() + 60_000;
    while (!existsSync(file)) {
      if (Date.now() > deadline || run.spawned.child.exitCode !== null) {
        throw new Error(`run ${tag} never started Hold\nstdout: ${run.spawned.stdout()}\nstderr: ${run.spawned.stderr()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
  }

  started(tag: string): boolean {
    return existsSync(path.join(this.dir, `${tag}.started`));
  }

  /** Lets every Hold task end. */
  release(): void {
    writeFileSync(path.join(this.dir, 'release'), '');
  }

  /** The tags in lock_runs, sorted. */
  async rows(): Promise<string[]> {
    return (await admin<{ tag: string }>(this.dsn, 'select tag from lock_runs order by tag')).map((r) => r.tag);
  }

  /** The lease file in the folder state store. */
  get leaseFile(): string {
    return path.join(this.dir, 'state', `${this.name}.lock.json`);
  }

  /** The job's state document in the folder state store. */
  get stateFile(): string {
    return path.join(this.dir, 'state', `${this.name}.json`);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Kills run `run` (its command and the job's process group, pid `jobPid`) with SIGKILL; resolves once the command ended. */
export async function killHard(run: Run, jobPid: number): Promise<void> {
  try {
    process.kill(-jobPid, 'SIGKILL');
  } catch {
    process.kill(jobPid, 'SIGKILL');
  }
  run.spawned.child.kill('SIGKILL');
  await run.finished;
}
