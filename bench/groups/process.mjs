// Benchmarks 3 and 4: idle memory, memory growth under load, and cold start.
import { setTimeout as sleep } from 'node:timers/promises';
import { typeStrippingNode } from '../lib/node24.mjs';
import { rssMiB, sidecarArgs, startServer } from '../lib/processes.mjs';
import { endpointPool, rawInvoke, throughput } from '../lib/measure.mjs';
import { ROUNDS, note, record, withServer } from '../lib/report.mjs';

const JS_ECHO = ['sidecar/dist/main.js', '--agent', 'bench/fixtures/echo.mjs', '--port', '0'];
// SIDECAR_BASELINE=<other build's sidecar/dist/main.js>: memory and cold start measure that build's .js agent too, in the same rounds.
const BASELINE_JS_ECHO = process.env.SIDECAR_BASELINE ? [process.env.SIDECAR_BASELINE, ...JS_ECHO.slice(1)] : undefined;

export async function memoryBench() {
  const idleJs = [];
  const idleSidecar = [];
  const idleHono = [];
  // V8 gives back the young generation that start-up grew once a process has been idle
  // for ~8–10 s (its memory reducer): the same two processes read again after that.
  const SETTLED_MS = 12_000;
  const settledJs = [];
  const settledHono = [];
  const idleDeps = [];
  const idleBaseline = [];
  const growth = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    if (BASELINE_JS_ECHO) {
      await withServer(BASELINE_JS_ECHO, {}, async (s) => {
        await sleep(1500);
        idleBaseline.push(rssMiB(s.pid));
      });
    }
    await withServer(['bench/floors/hono-server.mjs'], {}, async (s) => {
      await sleep(1500);
      idleHono.push(rssMiB(s.pid));
      await sleep(SETTLED_MS - 1500);
      settledHono.push(rssMiB(s.pid));
    });
    await withServer(['bench/floors/deps-idle.mjs'], {}, async (s) => {
      await sleep(1500);
      idleDeps.push(rssMiB(s.pid));
    });
    await withServer(JS_ECHO, {}, async (s) => {
      await sleep(1500);
      idleJs.push(rssMiB(s.pid));
      await sleep(SETTLED_MS - 1500);
      settledJs.push(rssMiB(s.pid));
    });
    await withServer(sidecarArgs('echo', ['--slots', '64']), {}, async (s) => {
      await sleep(1500);
      idleSidecar.push(rssMiB(s.pid));
      if (round === 0) {
        // One long run is enough for growth: warm up, read, 100,000 invokes, settle, read.
        await throughput(s.address, 32, 1);
        await sleep(1000);
        const before = rssMiB(s.pid);
        const pool = endpointPool(s.address, 32);
        let left = 100_000;
        await Promise.all(Array.from({ length: 32 }, async () => {
          while (left > 0) {
            left -= 1;
            await rawInvoke(pool);
          }
        }));
        await pool.destroy();
        await sleep(3000);
        growth.push(rssMiB(s.pid) - before);
      }
    });
  }
  const node = `Node ${process.versions.node}`;
  record('3. memory', 'idle RSS (.js agent) vs bare Hono process', 'MiB', idleJs, idleHono, { label: '≤ 1.2x', value: 1.2 }, 'lower');
  record('3. memory', `idle RSS (.ts agent, ${node}) vs bare Hono process`, 'MiB', idleSidecar, idleHono);
  record('3. memory', 'idle RSS (.js agent) 12 s after start vs bare Hono process', 'MiB', settledJs, settledHono);
  record('3. memory', 'idle RSS (.js agent) vs process loading the same deps', 'MiB', idleJs, idleDeps);
  if (BASELINE_JS_ECHO) record('3. memory', 'idle RSS (.js agent) of the baseline build vs bare Hono process', 'MiB', idleBaseline, idleHono);
  record('3. memory', 'RSS growth after 100,000 invokes', 'MiB', growth, undefined, { label: '≤ 20 MiB', value: 20 }, 'lower');
}

export async function coldStart() {
  const sidecar = [];
  const sidecarJs = [];
  const hono = [];
  const storeFloor = [];
  const stripped = typeStrippingNode();
  // Under a runner that strips types itself the .ts row already is that Node's.
  const separateRow = stripped.node !== undefined && stripped.node !== process.execPath;
  const strippedTs = [];
  const strippedHono = [];
  const baselineJs = [];
  const readyAfter = async (args, node) => {
    const started = performance.now();
    const server = await startServer(args, { node });
    const pool = endpointPool(server.address, 1);
    for (;;) {
      const response = await pool.request({ path: '/readyz', method: 'GET' }).catch(() => undefined);
      if (response) {
        await response.body.text();
        if (response.statusCode === 200) break;
      }
      await sleep(5);
    }
    const ms = performance.now() - started;
    await pool.destroy();
    await server.stop();
    return ms;
  };
  for (let round = 0; round < ROUNDS + 2; round += 1) {
    sidecar.push(await readyAfter(sidecarArgs('echo', [])));
    sidecarJs.push(await readyAfter(JS_ECHO));
    hono.push(await readyAfter(['bench/floors/hono-server.mjs']));
    storeFloor.push(await readyAfter(['bench/floors/store-ready.mjs']));
    if (BASELINE_JS_ECHO) baselineJs.push(await readyAfter(BASELINE_JS_ECHO));
    if (separateRow) {
      strippedTs.push(await readyAfter(sidecarArgs('echo', []), stripped.node));
      strippedHono.push(await readyAfter(['bench/floors/hono-server.mjs'], stripped.node));
    }
  }
  const node = `Node ${process.versions.node}${process.features.typescript ? ', type stripping' : ', tsx'}`;
  record('4. cold start', 'spawn → /readyz 200 (.js agent) vs bare Hono process', 'ms', sidecarJs, hono, { label: '≤ 1.5x', value: 1.5 }, 'lower');
  record('4. cold start', `spawn → /readyz 200 (.ts agent, ${node}) vs bare Hono process`, 'ms', sidecar, hono, process.features.typescript ? { label: '≤ 1.6x', value: 1.6 } : undefined, 'lower');
  // What no sidecar can skip before it is ready: zod (shared with agents) and an open run store.
  record('4. cold start', 'spawn → /readyz 200 of bare Hono after loading zod and opening a SQLite store vs bare Hono process', 'ms', storeFloor, hono);
  if (BASELINE_JS_ECHO) record('4. cold start', 'spawn → /readyz 200 (.js agent) of the baseline build vs bare Hono process', 'ms', baselineJs, hono);
  const strippedMetric = 'spawn → /readyz 200 (.ts agent, Node 24, type stripping) vs bare Hono process on that Node';
  if (separateRow) record('4. cold start', strippedMetric.replace('Node 24', `Node ${stripped.version.slice(1)}`), 'ms', strippedTs, strippedHono, { label: '≤ 1.6x', value: 1.6 }, 'lower');
  else if (stripped.note) note('4. cold start', strippedMetric, stripped.note);
}
