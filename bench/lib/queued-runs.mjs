// The "10,000 queued runs" both resume benchmarks (SQLite and PostgreSQL)
// start from: a sidecar of the slow agent with one slot, that slot held by a
// sync call (sync callers go first, so every background run stays queued),
// `count` runs submitted over 63 connections, then kill -9.
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointPool } from './measure.mjs';

/** Queues `count` runs of `{ ms: 0 }` on `server` (started with `--slots 1`), then kills it with SIGKILL. */
export async function queueRunsThenKill(server, count) {
  const pool = endpointPool(server.address, 64);
  const blocker = pool.request({ path: '/v1/invoke', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 600_000 } }) }).catch(() => undefined);
  await sleep(100);
  const body = JSON.stringify({ input: { ms: 0 } });
  let left = count;
  await Promise.all(
    Array.from({ length: 63 }, async () => {
      while (left > 0) {
        left -= 1;
        const response = await pool.request({ path: '/v1/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.body.text();
      }
    }),
  );
  server.child.kill('SIGKILL');
  await blocker;
  await pool.destroy().catch(() => undefined);
}
