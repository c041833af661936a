/**
 * danfojs-node, loaded on first use: jobs that never touch a DataFrame start fast.
 */
import type * as Danfo from 'danfojs-node';
import * as path from 'node:path';
import { DANFO_INSTALL, isMissing, missingPackage } from '../lazy';

/** danfojs-node's DataFrame. */
export type DataFrame = Danfo.DataFrame;

/** danfojs-node once loaded: a memo of a module, not state (the process loads it once, whichever runtime asks). */
let danfo: typeof Danfo | undefined;

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
export function loadDanfo(): typeof Danfo {
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
    danfo = require('danfojs-node') as typeof Danfo;
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
export function danfoIfLoaded(): typeof Danfo | undefined {
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
