/**
 * The functional interface: run one task right away with the attributes given, in a run
 * of its own (it opens and closes its own resource), and resolve to its output.
 */
import { TaskInterfaceError } from './errors';
import { shown } from './messages';
import { runTaskInstance } from './run';
import { BaseTask, isTaskClass, type TaskClass } from './task';

/**
 * Public members of every task that are not attributes a call sets: its getters, its resource
 * (a function opens its own), `runWithExceptions` (a call is a run of one task) and
 * `incremental` (refused: its cursor would be shared by every call).
 */
type NotCallAttributes = 'signal' | 'state' | 'taskName' | 'requiredResource' | 'runWithExceptions' | 'incremental';

/** The data attributes of a task type, each with its type: its public fields, without methods and the members above. */
export type DataAttributes<T> = {
  [K in keyof T as K extends NotCallAttributes ? never : T[K] extends (...args: never[]) => unknown ? never : K]: T[K];
};

/** The data attributes of a task type, all optional. */
export type TaskAttributes<T> = Partial<DataAttributes<T>>;

/**
 * The attributes a function of task class `C` takes, typed from the class: `Required` (the
 * attributes the class declares `abstract`) required, every other data attribute optional.
 */
export type AttributesOf<C extends abstract new () => object, Required extends keyof DataAttributes<InstanceType<C>> = never> =
  Pick<DataAttributes<InstanceType<C>>, Required> & Partial<Omit<DataAttributes<InstanceType<C>>, Required>>;

/** The output type of a task class, from its `run()`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OutputOfClass<C> = C extends abstract new (...args: any[]) => { run(): infer R } ? Awaited<R> : never;

/** A function that runs one task of a given type with the attributes it is passed. */
export type TaskFunction<A, O> = (attributes: A) => Promise<O>;

/**
 * Makes a function that runs one `Base` task right away with the attributes it is given and
 * resolves to its output. Missing required attributes are a TaskInterfaceError.
 *
 * @example
 * const countRows = wrapTask('CountRows', CountRowsTask);
 * const n = await countRows({ tablename: 'events' });
 */
export function wrapTask<C extends TaskClass, A = TaskAttributes<InstanceType<C>>>(
  name: string,
  Base: C,
): TaskFunction<A, OutputOfClass<C>> {
  if (!isTaskClass(Base)) {
    throw new TaskInterfaceError(`wrapTask() takes a task class (a subclass of Task, SQLQuery, ToS3, …) for ${name}`);
  }
  if (typeof name !== 'string' || name === '') {
    throw new TaskInterfaceError(`wrapTask() needs a name for the task, got ${shown(name)}`);
  }
  return async (attributes: A): Promise<OutputOfClass<C>> => {
    if (attributes !== undefined && (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes))) {
      throw new TaskInterfaceError(`${name}() takes an object of task attributes, got ${shown(attributes, { as: 'kind' })}`);
    }
    const incremental = (attributes as { incremental?: unknown } | undefined)?.incremental;
    if (incremental !== undefined && incremental !== null) {
      throw new TaskInterfaceError(
        `${name}() takes no incremental: its cursor is kept under the task's class name, which every ${name}() call shares; write a task class (class ExtractOrders extends ${Base.name} { incremental = { column: 'id' } }) and run it with bigraysRun()`,
      );
    }
    // Base's run() exists at run time; a JavaScript subclass without one is caught by pre-flight.
    const Concrete = class extends (Base as unknown as new () => BaseTask<unknown> & { run(): unknown }) {
      constructor() {
        super();
        Object.assign(this, attributes ?? {});
      }
    };
    Object.defineProperty(Concrete, 'name', { value: name });
    return (await runTaskInstance(new Concrete())) as OutputOfClass<C>;
  };
}
