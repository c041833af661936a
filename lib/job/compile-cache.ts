/**
 * Imported first by the command and by the job's process: node ≥ 22.1 then keeps the
 * compiled code of the modules they load (bigrays, tsx, the job's dependencies) in its
 * compile cache (under the OS temp folder, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE
 * turns it off), so later starts skip compiling them. Older node has no such cache.
 */
import * as nodeModule from 'node:module';

const enable = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
try {
  enable?.();
} catch {
  /* no cache: a slower start, nothing else */
}
