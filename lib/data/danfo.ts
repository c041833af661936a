/**
 * danfojs-node, loaded on first use: jobs that never touch a DataFrame start fast.
 */
import type * as Danfo from 'danfojs-node';

/** danfojs-node's DataFrame. */
export type DataFrame = Danfo.DataFrame;

let danfo: typeof Danfo | undefined;

/** The danfojs-node module, loaded now if it was not yet. */
export function loadDanfo(): typeof Danfo {
  if (!danfo) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    danfo = require('danfojs-node') as typeof Danfo;
  }
  return danfo;
}

/** Whether danfojs-node has been loaded (it is not, until a DataFrame is needed). */
export function danfoLoaded(): boolean {
  return danfo !== undefined;
}
