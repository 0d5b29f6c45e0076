#!/usr/bin/env node
/**
 * @module
 * The only process entry of the sidecar. It turns on Node's compile cache
 * (Node ≥ 22.1) before anything else loads, so later starts reuse the
 * compiled code of the sidecar and its dependencies, then loads the
 * process itself: the bundle of `cli.ts` that the build writes to
 * dist/bundle/ (see scripts/bundle.mjs), or `cli.ts` as tsc compiled it when
 * there is no bundle (a build that stopped after tsc). The cache lives in
 * `NODE_COMPILE_CACHE` if set, else in the OS temp directory; a cache that
 * cannot be written only costs the time it would have saved.
 */
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';

const { enableCompileCache } = nodeModule as { enableCompileCache?: () => unknown };
try {
  enableCompileCache?.();
} catch {
  // An unwritable cache directory: start without the cache.
}
const bundle = new URL('./bundle/cli.js', import.meta.url);
await import(existsSync(bundle) ? bundle.href : './cli.js');
