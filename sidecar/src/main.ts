#!/usr/bin/env node
/**
 * @module
 * The only process entry of the sidecar. It turns on Node's compile cache
 * (Node ≥ 22.1) before anything else loads, so later starts reuse the
 * compiled code of the sidecar and its dependencies, then loads the
 * process itself (`cli.ts`). The cache lives in `NODE_COMPILE_CACHE` if set,
 * else in the OS temp directory; a cache that cannot be written only costs
 * the time it would have saved.
 */
import * as nodeModule from 'node:module';

const { enableCompileCache } = nodeModule as { enableCompileCache?: () => unknown };
try {
  enableCompileCache?.();
} catch {
  // An unwritable cache directory: start without the cache.
}
await import('./cli.js');
