/**
 * A job's state as one run sees it. Read from the state store the first time a task asks
 * (a run that never asks reads and writes nothing); each task's part read with `get` and
 * replaced with `set`, staged in the run; written back by `commit()` once, when the whole run
 * succeeded, as a conditional write against the version read, so a run that another changed
 * the state under fails instead of losing that change.
 */
import { BigraysError } from '../errors';
import type { RunContext } from '../runtime';
import { openStateStore, runStateConfig } from './open-store';
import { StateConflictError, type StateStore } from './store';
import type { RunJobState, StagedPart, StateDocument, StateReport } from './state-document';

export type { StateDocument, StateReport };

interface Loaded {
  document: StateDocument;
  /** undefined: there was no document. */
  version: string | undefined;
}

/** Reads `value` as a state document of `job`; a file of another shape is an error saying where. */
export function asStateDocument(value: unknown, job: string, where: string): StateDocument {
  if (value === undefined) return { job, tasks: {} };
  const doc = value as Partial<StateDocument>;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || (doc.tasks !== undefined && (doc.tasks === null || typeof doc.tasks !== 'object' || Array.isArray(doc.tasks)))) {
    throw new BigraysError(`the state of job ${job} in ${where} is not a state document (an object with \`tasks\`): fix it with \`bigrays state set\` or \`bigrays state reset ${job}\``);
  }
  return { ...doc, job, tasks: { ...(doc.tasks ?? {}) } } as StateDocument;
}

export class JobState implements RunJobState {
  private store?: Promise<StateStore>;
  private loaded?: Promise<Loaded>;
  private readonly staged = new Map<string, unknown>();
  private committed = false;
  private touched = false;
  /** Who keeps each part it was asked for (`claim`): one owner a part. */
  private readonly owners = new Map<string, unknown>();

  constructor(
    readonly job: string,
    readonly runId: string,
    private readonly openStore: () => Promise<StateStore>,
  ) {}

  /** A function that puts back task `task`'s staged part as it is now: staged with its value, or not staged. */
  keep(task: string): () => void {
    const checkpoint = this.checkpoint(task);
    return () => this.restore(task, checkpoint);
  }

  /** Claims part `task` for `owner` (a task class); false when another owner claimed it in this run. */
  claim(task: string, owner: unknown): boolean {
    if (!this.owners.has(task)) this.owners.set(task, owner);
    return this.owners.get(task) === owner;
  }

  /** Whether a task read or staged anything (the run used its state). */
  get used(): boolean {
    return this.touched;
  }

  /** The store, opened once; a failure to open is not kept, so that the next call tries again. */
  private storeOnce(): Promise<StateStore> {
    if (!this.store) {
      const opening = this.openStore();
      this.store = opening;
      opening.catch(() => {
        if (this.store === opening) this.store = undefined;
      });
    }
    return this.store;
  }

  /** The document, read once; a failure to read is not kept, so that the next call tries again. */
  private load(): Promise<Loaded> {
    if (!this.loaded) {
      const loading = (async () => {
        const store = await this.storeOnce();
        const found = await store.read(this.job);
        return { document: asStateDocument(found?.value, this.job, store.where), version: found?.version };
      })();
      this.loaded = loading;
      loading.catch(() => {
        if (this.loaded === loading) this.loaded = undefined;
      });
    }
    return this.loaded;
  }

  /** Task `task`'s part: what this run staged for it, else what the store holds, else undefined. */
  async get(task: string): Promise<unknown> {
    this.touched = true;
    if (this.staged.has(task)) return this.staged.get(task);
    return (await this.load()).document.tasks[task];
  }

  /** Stages `value` (JSON; undefined removes the part) as task `task`'s part, written when the run succeeds. */
  set(task: string, value: unknown): void {
    this.touched = true;
    this.staged.set(task, value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
  }

  /** What task `task` has staged now (undefined: nothing), for `restore` after a failed attempt. */
  checkpoint(task: string): StagedPart {
    return this.staged.has(task) ? { value: this.staged.get(task) } : undefined;
  }

  /** Puts task `task`'s staged part back as `checkpoint` found it. */
  restore(task: string, checkpoint: StagedPart): void {
    if (checkpoint === undefined) this.staged.delete(task);
    else this.staged.set(task, checkpoint.value);
  }

  /**
   * Writes what the run staged, if anything, as one conditional write; resolves to the
   * document written (undefined when nothing was staged). Throws BigraysError naming the job
   * when another run changed the state since this one read it.
   */
  async commit(): Promise<StateDocument | undefined> {
    if (this.staged.size === 0) return undefined;
    const { document, version } = await this.load();
    const tasks = { ...document.tasks };
    for (const [task, value] of this.staged) {
      if (value === undefined) delete tasks[task];
      else tasks[task] = value;
    }
    const next: StateDocument = { job: this.job, updatedAt: new Date().toISOString(), runId: this.runId, tasks };
    const store = await this.storeOnce();
    try {
      await store.write(this.job, next, version);
    } catch (error) {
      if (!(error instanceof StateConflictError)) throw error;
      throw new StateConflictError(
        `the state of job ${this.job} was changed by another run while this one ran (${store.where}); this run's changes were not written. Run the job with --lock (or BIGRAYS_LOCK=true) so that its runs do not overlap`,
        error.key, { cause: error },
      );
    }
    this.committed = true;
    this.loaded = Promise.resolve({ document: next, version: undefined });
    return next;
  }

  /** What the report shows of the state: undefined when the run did not use it. */
  async report(): Promise<StateReport | undefined> {
    if (!this.used) return undefined;
    const loaded = await this.load().catch(() => undefined);
    const tasks = { ...(loaded?.document.tasks ?? {}) };
    if (this.committed) return { job: this.job, committed: true, tasks };
    return { job: this.job, committed: false, tasks };
  }

  /** Lets go of the store's connections. */
  async close(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    if (store) await (await store.catch(() => undefined))?.close();
  }
}

/** The top-level run `context` is part of (nested runs share their parent's state). */
function rootOf(context: RunContext): RunContext {
  let root = context;
  while (root.parent) root = root.parent;
  return root;
}

/** The job state of `context`'s run, made when first asked for; its identity must be set. */
export function jobStateOf(context: RunContext): JobState {
  const root = rootOf(context);
  if (root.jobState) return root.jobState as JobState;
  const identity = root.identity;
  if (!identity) throw new BigraysError('the job state is read only while a run runs');
  const state = new JobState(identity.job, identity.runId, () => openStateStore(runStateConfig(root.runtime)));
  root.jobState = state;
  return state;
}
