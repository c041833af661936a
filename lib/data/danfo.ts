/**
 * danfojs-node, loaded on first use: jobs that never touch a DataFrame start fast.
 */
import * as path from 'node:path';
import { DANFO_INSTALL, isMissing, missingPackage } from '../lazy';

/**
 * A danfojs-node DataFrame as bigrays' declarations show it without danfojs-node (an optional
 * package): the members every one has, so that any danfojs DataFrame is one.
 */
export interface FrameShape {
  /** The column names, in order. */
  readonly columns: string[];
  /** `[rows, columns]`. */
  readonly shape: number[];
  /** The values, row by row (a frame of one column: the column's values). */
  readonly values: unknown[] | unknown[][];
  /** The row labels. */
  readonly index: Array<string | number>;
  /** Each column's danfojs type (`'string'`, `'int32'`, `'float32'`, `'boolean'`). */
  readonly dtypes: string[];
}

/**
 * Empty: a job that has danfojs-node and uses its API on DataFrames (an SQLQuery's output, say)
 * gives `DataFrame` danfojs' own type by declaring it here, once in the project:
 *
 *     import type * as dfd from 'danfojs-node';
 *     declare module 'bigrays' { interface DataFrameTypes { frame: dfd.DataFrame } }
 */
export interface DataFrameTypes {}

/** A danfojs-node DataFrame: `FrameShape`, or danfojs' own type when `DataFrameTypes` declares it. */
export type DataFrame = DataFrameTypes extends { frame: infer F } ? F : FrameShape;

/** What bigrays uses of the danfojs-node module: its DataFrame class. */
export interface DanfoModule {
  DataFrame: {
    new (data: unknown, options?: { columns?: string[]; config?: { lowMemoryMode?: boolean } }): DataFrame;
    readonly prototype: object;
  };
}

/** danfojs-node once loaded: a memo of a module, not state (the process loads it once, whichever runtime asks). */
let danfo: DanfoModule | undefined;

/**
 * Modules danfojs-node requires as it loads but uses only in some of its functions: statistics
 * (mathjs), Excel (xlsx), remote files and JSON/CSV reading, table printing. Loading them up front
 * costs about 85 MB and 0.8 s; they load the first time danfojs uses them instead.
 */
const DEFERRED = new Set([
  'mathjs', 'xlsx', 'request', 'node-fetch', 'papaparse', 'stream-json', 'stream-json/streamers/StreamArray', 'table',
]);

/** A stand-in for a module that loads it the first time it is used (a property read or a call). */
function deferred(load: () => unknown): unknown {
  let loaded: object | undefined;
  const real = (): object => (loaded ??= load() as object);
  return new Proxy(function stand() {}, {
    get: (_target, key) => (key === '__esModule' && loaded === undefined ? undefined : Reflect.get(real(), key)),
    apply: (_target, self, args) => Reflect.apply(real() as (...a: unknown[]) => unknown, self, args),
    has: (_target, key) => Reflect.has(real(), key),
  });
}

interface ModuleLoader {
  _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown;
}

/** The danfojs-node module, loaded now if it was not yet. */
export function loadDanfo(): DanfoModule {
  if (danfo) return danfo;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loader = require('node:module') as ModuleLoader;
  const original = loader._load;
  const inside = `${path.sep}danfojs-node${path.sep}`;
  loader._load = function load(this: unknown, request, parent, isMain) {
    if (DEFERRED.has(request) && parent?.filename?.includes(inside)) {
      return deferred(() => original.call(this, request, parent, isMain));
    }
    return original.call(this, request, parent, isMain);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    danfo = require('danfojs-node') as DanfoModule;
  } catch (error) {
    if (isMissing(error, 'danfojs-node')) throw missingPackage('danfojs-node', "A DataFrame (SQLQuery's output, say)", DANFO_INSTALL, error);
    throw error;
  } finally {
    loader._load = original;
  }
  return danfo;
}

/**
 * danfojs-node if this process has loaded it, here or by the job's own `import`; undefined
 * otherwise (it is not loaded by asking).
 */
export function danfoIfLoaded(): DanfoModule | undefined {
  if (danfo) return danfo;
  let resolved: string;
  try {
    resolved = require.resolve('danfojs-node');
  } catch {
    return undefined;
  }
  return require.cache[resolved] === undefined ? undefined : loadDanfo();
}

/** Whether danfojs-node has been loaded (it is not, until a DataFrame is needed). */
export function danfoLoaded(): boolean {
  return danfo !== undefined;
}
