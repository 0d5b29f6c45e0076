// Is this SDK's CPU per call more than another build's? Both builds are loaded
// into one process and called in interleaved rounds against the bare node:http
// floor (core 0), with raw `Pool.request` as the reference; the answer is the
// median of the paired differences, which the machine's noise shifts far less
// than two separate runs. The other build is any client-sdk/dist/index.js
// whose directory resolves its own dependencies (e.g. a checkout of main):
//
//   SDK_BASELINE=/path/to/main/client-sdk/dist/index.js node bench/sdk-cost-paired.mjs
import { createClient } from '@squire/client';
import { startServer, stopAll } from './lib/processes.mjs';
import { endpointPool, rawInvoke } from './lib/measure.mjs';

const baselinePath = process.env.SDK_BASELINE;
if (!baselinePath) {
  process.stderr.write('set SDK_BASELINE to the dist/index.js of the SDK build to compare with\n');
  process.exit(2);
}
const ROUNDS = Number(process.env.SQUIRE_BENCH_ROUNDS ?? 15);
const CALLS = 2000;
const baseline = await import(baselinePath);

const server = await startServer(['bench/floors/node-server.mjs']);
const clientOf = (create) => create({ sidecars: { floor: { url: server.address, connections: 1 } } });
const current = clientOf(createClient);
const previous = clientOf(baseline.createClient);
const pool = endpointPool(server.address, 1);
const subjects = {
  raw: () => rawInvoke(pool),
  current: () => current.agent('floor').invoke({ text: 'hello, squire' }),
  baseline: () => previous.agent('floor').invoke({ text: 'hello, squire' }),
};

async function cpuPerCall(call) {
  const start = process.cpuUsage();
  for (let i = 0; i < CALLS; i += 1) await call();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / CALLS;
}

try {
  for (const call of Object.values(subjects)) for (let i = 0; i < CALLS; i += 1) await call();
  const added = { current: [], baseline: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? ['baseline', 'current', 'raw'] : ['raw', 'current', 'baseline'];
    const cpu = {};
    for (const name of order) cpu[name] = await cpuPerCall(subjects[name]);
    added.current.push(cpu.current - cpu.raw);
    added.baseline.push(cpu.baseline - cpu.raw);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const paired = added.current.map((value, i) => value - added.baseline[i]);
  process.stdout.write(
    `client CPU added per call over raw Pool.request, median of ${ROUNDS} interleaved rounds of ${CALLS} calls:\n` +
      `  this build ${median(added.current).toFixed(1)} µs, baseline ${median(added.baseline).toFixed(1)} µs, paired difference ${median(paired).toFixed(1)} µs\n`,
  );
} finally {
  await Promise.all([current.destroy(), previous.destroy(), pool.destroy()]);
  await stopAll();
}
