// Benchmarks 1, 1b and 2: call overhead one call at a time, the client's own cost, and throughput.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@squire/client';
import { ROOT, cpuMicros, sidecarArgs } from '../lib/processes.mjs';
import { endpointPool, rawInvoke, sequentialLatency, throughput } from '../lib/measure.mjs';
import { ROUNDS, TOKEN, record, withServer } from '../lib/report.mjs';

export async function callOverhead() {
  for (const transport of ['tcp', 'unix']) {
    const dir = mkdtempSync(join(tmpdir(), 'squire-bench-'));
    const socketOf = (name) => join(dir, `${name}.sock`);
    const series = { sdk: [], raw: [], hono: [], node: [] };
    const series99 = { sdk: [], raw: [], hono: [], node: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const sidecarExtra = ['--token', TOKEN, '--data-dir', dir, ...(transport === 'unix' ? ['--socket', socketOf(`sidecar-${round}`)] : [])];
      const subjects = [
        ['hono', () => withServer(['bench/floors/hono-server.mjs'], { env: transport === 'unix' ? { FLOOR_SOCKET: socketOf(`hono-${round}`) } : {} }, async (s) => measureRaw(s.address))],
        ['sidecar', () => withServer(sidecarArgs('echo', sidecarExtra), {}, async (s) => {
          const raw = await measureRaw(s.address, { authorization: `Bearer ${TOKEN}` });
          const client = createClient({ sidecars: { echo: { url: s.address, token: TOKEN, connections: 1 } } });
          const agent = client.agent('echo');
          const sdk = await sequentialLatency(() => agent.invoke({ text: 'hello, squire' }));
          await client.close();
          return { raw, sdk };
        })],
        ['node', () => withServer(['bench/floors/node-server.mjs'], { env: transport === 'unix' ? { FLOOR_SOCKET: socketOf(`node-${round}`) } : {} }, async (s) => measureRaw(s.address))],
      ];
      const order = round % 2 === 0 ? subjects : [...subjects].reverse();
      for (const [name, run] of order) {
        const result = await run();
        if (name === 'sidecar') {
          series.raw.push(result.raw.p50);
          series99.raw.push(result.raw.p99);
          series.sdk.push(result.sdk.p50);
          series99.sdk.push(result.sdk.p99);
        } else {
          series[name].push(result.p50);
          series99[name].push(result.p99);
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
    const group = `1. call overhead (${transport})`;
    record(group, 'SDK → sidecar p50 vs undici → Hono', 'µs', series.sdk, series.hono, { label: '≤ 1.4x', value: 1.4 }, 'lower');
    record(group, 'SDK → sidecar p99 vs undici → Hono', 'µs', series99.sdk, series99.hono, { label: '≤ 1.5x', value: 1.5 }, 'lower');
    record(group, 'undici → sidecar p50 vs undici → Hono', 'µs', series.raw, series.hono, { label: '≤ 1.3x', value: 1.3 }, 'lower');
    record(group, 'undici → Hono p50 vs bare node:http', 'µs', series.hono, series.node);
  }
}

async function measureRaw(address, headers = {}) {
  const pool = endpointPool(address, 1);
  try {
    return await sequentialLatency(() => rawInvoke(pool, headers));
  } finally {
    await pool.destroy();
  }
}

export async function clientCost() {
  // Client CPU per call: the same sequential calls to the bare node:http floor
  // (so the server costs nothing extra), counted with process.cpuUsage().
  const rawCpu = [];
  const sdkCpu = [];
  await withServer(['bench/floors/node-server.mjs'], {}, async (s) => {
    const pool = endpointPool(s.address, 1);
    const client = createClient({ sidecars: { floor: { url: s.address, connections: 1 } } });
    const agent = client.agent('floor');
    const cpuPerCall = async (call, count = 5000) => {
      for (let i = 0; i < 500; i += 1) await call();
      const start = process.cpuUsage();
      for (let i = 0; i < count; i += 1) await call();
      const used = process.cpuUsage(start);
      return (used.user + used.system) / count;
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate which goes first, so neither always runs on a warmer process.
      const raw = () => cpuPerCall(() => rawInvoke(pool));
      const sdk = () => cpuPerCall(() => agent.invoke({ text: 'hello, squire' }));
      if (round % 2 === 0) {
        rawCpu.push(await raw());
        sdkCpu.push(await sdk());
      } else {
        sdkCpu.push(await sdk());
        rawCpu.push(await raw());
      }
    }
    await pool.destroy();
    await client.close();
  });
  record('1b. client cost', 'client CPU per call: SDK invoke vs raw Pool.request', 'µs', sdkCpu, rawCpu);
  record('1b. client cost', 'client CPU added by the SDK per call', 'µs', sdkCpu.map((value, i) => value - rawCpu[i]), undefined, { label: '≤ 30 µs', value: 30 }, 'lower');
  const memory = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(ROOT, 'bench/lib/idle-endpoints.mjs')], { cwd: join(ROOT, 'bench') });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`idle-endpoints exited ${code}`))));
  });
  record('1b. client cost', 'heap per idle endpoint (1,000 configured)', 'KiB', [memory.heapKiB]);
}

export async function throughputBench() {
  for (const connections of [32, 256]) {
    const sidecar = [];
    const hono = [];
    const sidecarCpu = [];
    const honoCpu = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const runs = [
        () => withServer(sidecarArgs('echo', ['--slots', '256', '--queue-max', '1024', '--token', TOKEN]), {}, async (s) => {
          const result = await throughput(s.address, connections, 3, { authorization: `Bearer ${TOKEN}` }, () => cpuMicros(s.pid));
          sidecar.push(result.rps);
          sidecarCpu.push(result.cpuPerCall);
        }),
        () => withServer(['bench/floors/hono-server.mjs'], {}, async (s) => {
          const result = await throughput(s.address, connections, 3, {}, () => cpuMicros(s.pid));
          hono.push(result.rps);
          honoCpu.push(result.cpuPerCall);
        }),
      ];
      for (const run of round % 2 === 0 ? runs : runs.reverse()) await run();
    }
    record('2. throughput', `${connections} connections: invokes/s vs Hono route`, 'req/s', sidecar, hono, { label: '≥ 0.5x', value: 0.5 }, 'higher');
    // CPU time of the server process per completed call: steadier than req/s on a shared machine.
    if (connections === 32) record('2. throughput', 'sidecar CPU per echo invoke (32 connections) vs Hono route', 'µs', sidecarCpu, honoCpu, { label: '≤ 70 µs', value: 70, absolute: true }, 'lower');
  }
}
