/**
 * An SQLQuery's output: a DataFrame that is made only when the job's own code uses it.
 *
 * The result stays as columns (`FrameColumns`) until then: ToS3, ToCSV, SQLWrite and the other
 * writers read the columns straight, and danfojs-node is never loaded for an export. `shape` and
 * `columns` are answered from the columns; any other use — a danfo method, a column
 * (`df['a']`), `instanceof DataFrame`, a property set — makes the danfojs DataFrame once, and
 * from then on the value is that DataFrame in every way.
 */
import { inspect } from 'node:util';
import { danfoIfLoaded, type DataFrame } from './danfo';
import type { FrameColumns } from './frame-columns';

/** Marks a lazy frame; reads its state without making the DataFrame. */
const LAZY = Symbol('bigrays.lazyFrame');

/** What a lazy frame holds: its columns until the DataFrame is made, then the DataFrame. */
interface LazyState {
  columns?: FrameColumns;
  frame?: DataFrame;
  make(columns: FrameColumns): DataFrame;
  /** danfo's methods bound to the made DataFrame, one function per name (so `df.head === df.head`). */
  bound: Map<PropertyKey, unknown>;
}

/**
 * Names asked of any value by JavaScript itself and by bigrays' own checks (a promise's `then`,
 * a row source's `rows`): a DataFrame has none of them, nor any symbol-keyed property, so they
 * are answered without making one.
 */
const NOT_DANFO = new Set<PropertyKey>(['then', 'rows', 'asymmetricMatch', '$$typeof', 'nodeType']);

function notDanfo(key: PropertyKey): boolean {
  return typeof key === 'symbol' || NOT_DANFO.has(key);
}

function hasOwn(object: object, key: PropertyKey): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function made(state: LazyState): DataFrame {
  if (state.frame === undefined) {
    state.frame = state.make(state.columns as FrameColumns);
    state.columns = undefined;
  }
  return state.frame;
}

/** The value of `key` of the made DataFrame; a method bound to it, so that danfo runs on it directly (`constructor` as it is). */
function frameValue(state: LazyState, key: PropertyKey): unknown {
  const frame = made(state);
  const value = Reflect.get(frame, key, frame) as unknown;
  if (typeof value !== 'function' || key === 'constructor') return value;
  let bound = state.bound.get(key);
  if (bound === undefined || (bound as { original?: unknown }).original !== value) {
    bound = Object.assign((value as (...a: unknown[]) => unknown).bind(frame), { original: value });
    state.bound.set(key, bound);
  }
  return bound;
}

/**
 * A DataFrame of `columns`, made by `make` the first time it is used as one. `columns` must
 * not change afterwards.
 */
export function lazyFrame(columns: FrameColumns, make: (columns: FrameColumns) => DataFrame): DataFrame {
  const state: LazyState = { columns, make, bound: new Map() };
  const target = Object.assign(Object.create(null) as object, {
    [LAZY]: state,
    // util.inspect (console.log) shows a proxy's target: the DataFrame, as danfo prints it.
    [inspect.custom]: (depth: number, options: object) => inspect(made(state), { ...options, depth }),
  });
  return new Proxy(target, {
    get(own, key) {
      if (hasOwn(own, key)) return Reflect.get(own, key) as unknown;
      if (state.frame === undefined && state.columns !== undefined) {
        if (key === 'shape') return [state.columns.length, state.columns.names.length];
        if (key === 'columns') return [...state.columns.names];
        if (notDanfo(key)) return undefined;
      }
      return frameValue(state, key);
    },
    has(own, key) {
      if (hasOwn(own, key)) return true;
      if (state.frame === undefined && state.columns !== undefined) {
        if (key === 'shape' || key === 'columns') return true;
        if (notDanfo(key)) return false;
      }
      return Reflect.has(made(state), key);
    },
    set(own, key, value) {
      if (typeof key === 'symbol') return Reflect.set(own, key, value);
      return Reflect.set(made(state), key, value);
    },
    defineProperty(own, key, descriptor) {
      if (typeof key === 'symbol') return Reflect.defineProperty(own, key, descriptor);
      return Reflect.defineProperty(made(state), key, descriptor);
    },
    deleteProperty(own, key) {
      if (typeof key === 'symbol') return Reflect.deleteProperty(own, key);
      return Reflect.deleteProperty(made(state), key);
    },
    // `df instanceof DataFrame` holds once the job has danfojs-node; checks such as
    // `instanceof Uint8Array` load nothing.
    getPrototypeOf() {
      if (state.frame !== undefined) return Reflect.getPrototypeOf(state.frame);
      return (danfoIfLoaded()?.DataFrame.prototype as object | undefined) ?? Object.prototype;
    },
    ownKeys(own) {
      return [...Reflect.ownKeys(made(state)), ...Reflect.ownKeys(own)];
    },
    getOwnPropertyDescriptor(own, key) {
      if (hasOwn(own, key)) return Reflect.getOwnPropertyDescriptor(own, key);
      const descriptor = Reflect.getOwnPropertyDescriptor(made(state), key);
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
  }) as unknown as DataFrame;
}

/** Whether `value` is a lazy frame (made or not). */
export function isLazyFrame(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as { [LAZY]?: unknown })[LAZY] !== undefined;
}

/** The columns of a lazy frame not yet made into a DataFrame; undefined for anything else. */
export function unmadeColumns(value: unknown): FrameColumns | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const state = (value as { [LAZY]?: LazyState })[LAZY];
  return state?.frame === undefined ? state?.columns : undefined;
}
