// The Node that runs the cold-start row of a .ts agent loaded by Node's own
// type stripping: this runner's Node when it strips types itself (the bench
// run under `bash scripts/with-node24.sh node bench/run.mjs`), else
// SQUIRE_BENCH_NODE24, else the Node 24 that scripts/with-node24.sh keeps in
// node_modules/.cache/node24. better-sqlite3 is built for one Node ABI, so a
// Node that cannot load it is reported, not used.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './processes.mjs';

const HOW = 'run the bench under `bash scripts/with-node24.sh node bench/run.mjs` (it builds better-sqlite3 for Node 24)';

/** `{ node, version }` of a Node ≥ 22.18 that can run the sidecar here, or `{ note }` saying why there is none. */
export function typeStrippingNode() {
  const candidates = [];
  if (process.features.typescript) candidates.push(process.execPath);
  if (process.env.SQUIRE_BENCH_NODE24) candidates.push(process.env.SQUIRE_BENCH_NODE24);
  const cached = join(ROOT, 'node_modules/.cache/node24/package/bin/node');
  if (existsSync(cached)) candidates.push(cached);
  if (candidates.length === 0) return { note: `no Node ≥ 22.18 found: ${HOW}` };
  const reasons = [];
  // The table is published: a Node inside the checkout is named by its path in it.
  const shown = (node) => (node.startsWith(`${ROOT}/`) ? relative(ROOT, node) : node);
  for (const node of candidates) {
    // Loads the sidecar's better-sqlite3 the way the sidecar does, from the sidecar's directory.
    const probe = spawnSync(node, ['-p', "new (require('better-sqlite3'))(':memory:').close(); process.features.typescript ? process.version : ''"], { cwd: join(ROOT, 'sidecar'), encoding: 'utf8' });
    const version = probe.stdout?.trim();
    if (probe.status === 0 && version) return { node, version };
    reasons.push(probe.status === 0 ? `${shown(node)} does not strip types` : `${shown(node)} cannot load better-sqlite3 (built for another Node ABI)`);
  }
  return { note: `${reasons.join('; ')}: ${HOW}` };
}
