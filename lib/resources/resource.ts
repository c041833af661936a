/**
 * Resources: the external things tasks need (a SQL session, an S3 client, …), and the
 * manager that keeps ONE of them open and reuses it between consecutive tasks.
 */
import { isDeepStrictEqual } from 'node:util';
import { isSet, type ConfigValues } from '../config';
import { ResourceError } from '../errors';
import { logger } from '../log';
import { masked, taskMessage } from '../messages';
import { handleOf } from '../output';
import type { ResourceHold, RunContext, RunResources } from '../runtime';
import { scrubError } from '../secrets';
import { within } from '../timing';

const log = logger('resource');

/** How long closing a resource that opened too late (its task was stopped) may take. */
const CLOSE_UNUSED_MS = 5000;

/**
 * What a resource becomes in local mode (`bigrays run --local`): an AWS client pointed at the
 * emulator, or a SQL session on a SQLite file.
 */
export type LocalForm = 'aws-client' | 'sql-session';

/**
 * The base of every resource. Subclass it with `requiredConfigs`, `open(config)` and,
 * when the handle needs cleaning up, `close(handle, error?)`.
 *
 * @example
 * class Redis extends Resource<RedisClient> {
 *   requiredConfigs = ['REDIS_URL'];
 *   async open(config) { return connect(config.REDIS_URL as string); }
 *   async close(client) { await client.quit(); }
 * }
 */
export abstract class Resource<H = unknown> {
  /** Config keys (without the `BIGRAYS_` prefix) that must be set to open this resource. */
  requiredConfigs: readonly string[] = [];

  /** Opens the resource and returns its handle. */
  abstract open(config: ConfigValues): Promise<H> | H;

  /**
   * Closes a handle `open` returned. `error` is the failure of the last task that used
   * it, if that task failed (a SQL session may roll back, for instance).
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  close(handle: H, error?: unknown): Promise<void> | void {}

  /** The open handle. Throws ResourceError while the resource is closed. */
  get handle(): H {
    const state = handleOf(this);
    if (!state.open) {
      throw new ResourceError(
        `${this.name} is not open: its handle exists only while a task that requires it runs`,
      );
    }
    return state.handle as H;
  }

  /** Whether the resource is open now, for the run in progress here. */
  get isOpen(): boolean {
    return handleOf(this).open;
  }

  /** The name shown in logs and errors. */
  get name(): string {
    return this.constructor.name;
  }

  /** The resource as a dry run shows it, e.g. with its (masked) address. Never a secret. */
  describe(config: ConfigValues): string { // eslint-disable-line @typescript-eslint/no-unused-vars
    return this.name;
  }

  /**
   * What the resource becomes in local mode (see `LocalForm`). Undefined: it has none, and local
   * mode refuses a task that requires it before the run (it would reach the real service),
   * unless it needs no config at all.
   */
  localForm(): LocalForm | undefined {
    return undefined;
  }

  /** The config keys missing from `config` (override for conditional or aliased keys). */
  missingConfigs(config: ConfigValues): string[] {
    return this.requiredConfigs.filter((key) => !isSet(config[key]));
  }

  /**
   * Checks the form of the config (a malformed URL, say) before any task runs; throws
   * ConfigurationError. Called only when no required key is missing.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  validateConfig(config: ConfigValues): void {}

  /**
   * Whether an open `other` can serve the tasks that require this resource: the same
   * instance, or an instance of the same class with equal options.
   */
  sameAs(other: Resource<unknown>): boolean {
    if (other === (this as Resource<unknown>)) return true;
    return other.constructor === this.constructor && isDeepStrictEqual({ ...other }, { ...this });
  }
}

/** Drops keys whose value is undefined, so `{}` and `{ A: undefined }` compare equal. */
function comparable(config: ConfigValues): ConfigValues {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}

/** Whether an open `resource` with `openConfig` can serve a task needing `wanted` with `config`. */
export function canReuse(
  open: { resource: Resource<unknown>; config: ConfigValues },
  wanted: Resource<unknown>,
  config: ConfigValues,
): boolean {
  return open.resource.sameAs(wanted) && isDeepStrictEqual(comparable(open.config), comparable(config));
}

interface Current {
  resource: Resource<unknown>;
  config: ConfigValues;
  handle: unknown;
  /** False when borrowed from the run this one is nested in: that run closes it. */
  owned: boolean;
  /** The error of the last task that used the resource, if it failed. */
  error?: unknown;
  /** Holds on it (unread streamed rows): while any is held, switching resource keeps it open. */
  holds: Set<Hold>;
}

export type { ResourceHold };

class Hold implements ResourceHold {
  active = true;
  constructor(
    readonly taskName: string,
    private readonly onRelease: () => Promise<void>,
  ) {}

  async release(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    await this.onRelease();
  }

  /** Marks it let go without closing anything (the run closes the resource); its task's name. */
  drop(): string {
    this.active = false;
    return this.taskName;
  }
}

/**
 * Holds the resource that the task running now uses open beyond its task (see ResourceHold).
 * Undefined outside a run, or when the task has no resource.
 */
export function holdResource(context: RunContext | undefined, resource: Resource<unknown>, taskName: string): ResourceHold | undefined {
  return context?.manager?.hold(resource, taskName);
}

/**
 * Keeps at most one resource open for a run. `acquire` reuses the open one when the resource
 * is the same and its config is equal by value, else closes it and opens the new one. A
 * nested run (a functional call inside a task) borrows its parent run's open resource when
 * that one would do, rather than opening a second.
 */
export class ResourceManager implements RunResources {
  private current?: Current;
  /** Resources set aside while held (see ResourceHold), open although no task uses them. */
  private readonly kept: Current[] = [];
  /** Closes of held resources let go during the run; the run's end waits for them. */
  private readonly closing = new Set<Promise<void>>();
  /** Tasks whose holds were never let go before the run ended (unread rows). */
  readonly unreleased: string[] = [];
  /** Errors raised while closing resources; the run reports them. */
  readonly closeErrors: ResourceError[] = [];

  /**
   * @param handles Where the run keeps the handle of each open resource (its context's).
   * @param parent The resources of the run this one is nested in, which it may share.
   */
  constructor(
    private readonly handles: Map<object, unknown>,
    private readonly parent?: RunResources,
  ) {}

  private use(current: Current): void {
    this.current = current;
    this.handles.set(current.resource, current.handle);
  }

  sharedHandle(resource: Resource<unknown>, config: ConfigValues): { handle: unknown } | undefined {
    const open = this.current;
    if (open && canReuse(open, resource, config)) return { handle: open.handle };
    return this.parent?.sharedHandle(resource, config);
  }

  /** Makes `resource` open with `config` for task `taskName`; a task with no resource keeps the open one. */
  async acquire(resource: Resource<unknown> | undefined, config: ConfigValues, taskName: string, signal?: AbortSignal): Promise<void> {
    if (!resource) return;
    const current = this.current;
    if (current && canReuse(current, resource, config)) {
      if (current.resource !== resource) {
        this.handles.delete(current.resource);
        this.use({ ...current, resource });
      }
      this.current!.error = undefined;
      log('reusing %s for %s', resource.name, taskName);
      return;
    }
    await this.release();
    const keptIndex = this.kept.findIndex((entry) => canReuse(entry, resource, config));
    if (keptIndex >= 0) {
      const [entry] = this.kept.splice(keptIndex, 1);
      log('taking back the held %s for %s', resource.name, taskName);
      this.use({ ...entry, resource, error: undefined });
      return;
    }
    const shared = this.parent?.sharedHandle(resource, config);
    if (shared) {
      log('sharing the open %s with %s', resource.name, taskName);
      this.use({ resource, config, handle: shared.handle, owned: false, holds: new Set() });
      return;
    }
    log('opening %s for %s', resource.name, taskName);
    const started = Date.now();
    let handle: unknown;
    try {
      handle = await resource.open(config);
    } catch (error) {
      scrubError(error, config);
      const reason = error instanceof Error ? error.message : String(error);
      log('could not open %s for %s: %s', resource.name, taskName, reason);
      if (error instanceof ResourceError && error.taskName === taskName) throw error;
      throw new ResourceError(taskMessage(taskName, masked(`could not open ${resource.name}: ${reason}`, config)), {
        cause: error,
        taskName,
      });
    }
    if (signal?.aborted) {
      // The task was given up on while this opened: nobody will use or close it but us.
      log('opened %s after %s was stopped: closing it', resource.name, taskName);
      void within(Promise.resolve().then(() => resource.close(handle)), CLOSE_UNUSED_MS);
      throw signal.reason;
    }
    this.use({ resource, config, handle, owned: true, holds: new Set() });
    log('opened %s in %dms', resource.name, Date.now() - started);
  }

  /** Holds the open `resource` beyond the task using it; undefined when it is not the open one. */
  hold(resource: Resource<unknown>, taskName: string): ResourceHold | undefined {
    const entry = this.current;
    if (!entry || entry.resource !== resource || !entry.owned) return undefined;
    const hold = new Hold(taskName, async () => {
      entry.holds.delete(hold);
      const index = this.kept.indexOf(entry);
      if (index < 0 || entry.holds.size > 0) return;
      this.kept.splice(index, 1);
      log('%s is no longer held: closing it', entry.resource.name);
      const closed = this.close(entry);
      this.closing.add(closed);
      await closed;
      this.closing.delete(closed);
    });
    entry.holds.add(hold);
    log('%s holds %s open', taskName, resource.name);
    return hold;
  }

  /** Records that the task using the open resource failed with `error`. */
  noteFailure(error: unknown): void {
    if (this.current) this.current.error = error;
  }

  /**
   * Lets go of the open resource: closes it, or sets it aside while something holds it
   * (a borrowed one is only let go). A failure to close is kept in `closeErrors`.
   */
  async release(): Promise<void> {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    this.handles.delete(current.resource);
    if (!current.owned) return;
    if (current.holds.size > 0) {
      log('keeping %s open: %s', current.resource.name, [...current.holds].map((h) => `${h.taskName}'s rows are unread`).join(', '));
      this.kept.push(current);
      return;
    }
    await this.close(current);
  }

  /** Waits for held resources that were let go to finish closing (between tasks, so the order is plain). */
  async settle(): Promise<void> {
    await Promise.all([...this.closing]);
  }

  /** At the end of the run: closes the open resource and every held one, whatever holds them. */
  async releaseAll(): Promise<void> {
    const current = this.current;
    if (current) {
      for (const hold of current.holds) this.unreleased.push(hold.drop());
      current.holds.clear();
    }
    await this.release();
    const kept = this.kept.splice(0);
    for (const entry of kept) {
      for (const hold of entry.holds) this.unreleased.push(hold.drop());
      entry.holds.clear();
    }
    await Promise.all([...kept.map((entry) => this.close(entry)), ...this.closing]);
  }

  private async close(current: Current): Promise<void> {
    log('closing %s', current.resource.name);
    try {
      await current.resource.close(current.handle, current.error);
    } catch (error) {
      scrubError(error, current.config);
      const reason = error instanceof Error ? error.message : String(error);
      log('could not close %s: %s', current.resource.name, reason);
      this.closeErrors.push(
        new ResourceError(masked(`could not close ${current.resource.name}: ${reason}`, current.config), { cause: error }),
      );
    }
  }
}
