/** Test helpers: a resource that records what happened to it. */
import { Resource, type ConfigValues } from '../lib';

export type Event = string;

/** A resource whose open/close calls are recorded in `events` (shared between instances). */
export class RecordingResource extends Resource<{ id: number; config: ConfigValues }> {
  static opened = 0;

  constructor(
    readonly label: string,
    readonly events: Event[],
    readonly options: { failOpen?: boolean; failClose?: boolean; required?: string[] } = {},
  ) {
    super();
    this.requiredConfigs = options.required ?? [];
  }

  async open(config: ConfigValues): Promise<{ id: number; config: ConfigValues }> {
    if (this.options.failOpen) {
      this.events.push(`open-failed ${this.label}`);
      throw new Error(`cannot reach ${this.label}`);
    }
    RecordingResource.opened += 1;
    this.events.push(`open ${this.label}`);
    return { id: RecordingResource.opened, config };
  }

  async close(_handle: { id: number }, error?: unknown): Promise<void> {
    this.events.push(`close ${this.label}${error ? ' (after error)' : ''}`);
    if (this.options.failClose) throw new Error(`close of ${this.label} broke`);
  }
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function failure<E = import('../lib').BigraysError>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the promise to reject');
}
