// `pnpm bench`: what users pay for Squire, against floors measured in the
// same run on the same machine. Servers run on core 0, this load generator
// on core 1. Each figure is the median of several rounds (min and max
// shown); subject and floor alternate within a round. Targets are goals,
// reported, never asserted.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@squire/client';
import { startOpenAiTestServer } from '@squire/sidecar/testing';
import OpenAI from 'openai';
import { HAS_TASKSET, ROOT, cpuMicros, rssMiB, sidecarArgs, startServer, stopAll } from './lib/processes.mjs';
import { endpointPool, rawInvoke, sequentialLatency, summary, throughput } from './lib/measure.mjs';
import { replaceReadmeTable, resultsTable } from './lib/results.mjs';
import { durableOnPostgres } from './lib/postgres-bench.mjs';
import { typeStrippingNode } from './lib/node24.mjs';

const ROUNDS = Number(process.env.SQUIRE_BENCH_ROUNDS ?? 3);
const TOKEN = 'bench-token-0123456789abcdef';
const rows = [];
const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** A row that could not be measured on this machine, with the reason. */
function note(group, metric, reason) {
  rows.push({ group, metric, note: reason });
  console.log(`${group} | ${metric}: not measured: ${reason}`);
}

function record(group, metric, unit, subjectRounds, floorRounds, target, better) {
  const subject = summary(subjectRounds);
  const floor = floorRounds ? summary(floorRounds) : undefined;
  const ratio = floor ? subject.median / floor.median : undefined;
  const judged = target?.absolute ? subject.median : (ratio ?? subject.median);
  const met = target === undefined ? undefined : better === 'lower' ? judged <= target.value : judged >= target.value;
  const row = { group, metric, unit, subject, floor, ratio, target: target?.label, met };
  rows.push(row);
  console.log(
    `${group} | ${metric}: ${fmt(subject.median, 1)} ${unit} (min ${fmt(subject.min, 1)}, max ${fmt(subject.max, 1)})` +
      (floor ? ` | floor ${fmt(floor.median, 1)} | ratio ${fmt(ratio, 2)}x` : '') +
      (target ? ` | target ${target.label}: ${met ? 'met' : 'MISSED'}` : ''),
  );
}

async function withServer(args, options, fn) {
  const server = await startServer(args, options);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

async function callOverhead() {
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

async function clientCost() {
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

async function throughputBench() {
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

const JS_ECHO = ['sidecar/dist/main.js', '--agent', 'bench/fixtures/echo.mjs', '--port', '0'];
// SIDECAR_BASELINE=<other build's sidecar/dist/main.js>: memory and cold start measure that build's .js agent too, in the same rounds.
const BASELINE_JS_ECHO = process.env.SIDECAR_BASELINE ? [process.env.SIDECAR_BASELINE, ...JS_ECHO.slice(1)] : undefined;

async function memoryBench() {
  const idleJs = [];
  const idleSidecar = [];
  const idleHono = [];
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
    });
    await withServer(['bench/floors/deps-idle.mjs'], {}, async (s) => {
      await sleep(1500);
      idleDeps.push(rssMiB(s.pid));
    });
    await withServer(JS_ECHO, {}, async (s) => {
      await sleep(1500);
      idleJs.push(rssMiB(s.pid));
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
  record('3. memory', 'idle RSS (.js agent) vs process loading the same deps', 'MiB', idleJs, idleDeps);
  if (BASELINE_JS_ECHO) record('3. memory', 'idle RSS (.js agent) of the baseline build vs bare Hono process', 'MiB', idleBaseline, idleHono);
  record('3. memory', 'RSS growth after 100,000 invokes', 'MiB', growth, undefined, { label: '≤ 20 MiB', value: 20 }, 'lower');
}

async function coldStart() {
  const sidecar = [];
  const sidecarJs = [];
  const hono = [];
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
    if (BASELINE_JS_ECHO) baselineJs.push(await readyAfter(BASELINE_JS_ECHO));
    if (separateRow) {
      strippedTs.push(await readyAfter(sidecarArgs('echo', []), stripped.node));
      strippedHono.push(await readyAfter(['bench/floors/hono-server.mjs'], stripped.node));
    }
  }
  const node = `Node ${process.versions.node}${process.features.typescript ? ', type stripping' : ', tsx'}`;
  record('4. cold start', 'spawn → /readyz 200 (.js agent) vs bare Hono process', 'ms', sidecarJs, hono, { label: '≤ 1.5x', value: 1.5 }, 'lower');
  record('4. cold start', `spawn → /readyz 200 (.ts agent, ${node}) vs bare Hono process`, 'ms', sidecar, hono, process.features.typescript ? { label: '≤ 1.6x', value: 1.6 } : undefined, 'lower');
  if (BASELINE_JS_ECHO) record('4. cold start', 'spawn → /readyz 200 (.js agent) of the baseline build vs bare Hono process', 'ms', baselineJs, hono);
  const strippedMetric = 'spawn → /readyz 200 (.ts agent, Node 24, type stripping) vs bare Hono process on that Node';
  if (separateRow) record('4. cold start', strippedMetric.replace('Node 24', `Node ${stripped.version.slice(1)}`), 'ms', strippedTs, strippedHono, { label: '≤ 1.6x', value: 1.6 }, 'lower');
  else if (stripped.note) note('4. cold start', strippedMetric, stripped.note);
}

async function fanOutBench() {
  // Floor: the same ten parallel calls with raw undici to ten bare Hono
  // processes that wait the same 20 ms, pinned the same way. What the floor
  // pays is this machine's (waking ten idle processes on one core); the
  // difference is Squire's.
  const body = JSON.stringify({ input: { ms: 20 } });
  const fanOutTimes = async (fanOut) => {
    for (let i = 0; i < 20; i += 1) await fanOut();
    const samples = [];
    for (let i = 0; i < 100; i += 1) {
      const started = performance.now();
      await fanOut();
      samples.push(performance.now() - started);
    }
    return summary(samples).median;
  };
  const subject = [];
  const floor = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const measureSquire = async () => {
      const servers = await Promise.all(Array.from({ length: 10 }, () => startServer(sidecarArgs('slow', ['--slots', '8']))));
      try {
        const client = createClient({ sidecars: Object.fromEntries(servers.map((s, i) => [`slow${i}`, s.address])) });
        const branches = servers.map((_, i) => ({ agent: `slow${i}`, input: { ms: 20 } }));
        subject.push(
          await fanOutTimes(async () => {
            const result = await client.fanOut(branches, { strategy: 'all' });
            if (!result.ok) throw new Error('fan-out failed');
          }),
        );
        await client.close();
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    };
    const measureFloor = async () => {
      const servers = await Promise.all(Array.from({ length: 10 }, () => startServer(['bench/floors/hono-server.mjs'])));
      const pools = servers.map((s) => endpointPool(s.address, 2));
      try {
        floor.push(
          await fanOutTimes(() => Promise.all(pools.map((pool) => rawInvoke(pool, {}, body)))),
        );
      } finally {
        await Promise.all(pools.map((pool) => pool.destroy()));
        await Promise.all(servers.map((s) => s.stop()));
      }
    };
    if (round % 2 === 0) {
      await measureSquire();
      await measureFloor();
    } else {
      await measureFloor();
      await measureSquire();
    }
  }
  record('5. fan-out', '10 sidecars × 20 ms agent, strategy all: total p50 vs raw undici → 10 bare Hono processes', 'ms', subject, floor);
  record('5. fan-out', '10 sidecars × 20 ms agent, strategy all: total p50', 'ms', subject, undefined, { label: '< 22 ms', value: 22 }, 'lower');
  record('5. fan-out', 'added over the floor at p50', 'ms', subject.map((value, i) => value - floor[i]), undefined);
}

async function overloadBench() {
  // slow agent, 50 ms per run, 4 slots: capacity ≈ 80/s. Offer 400/s for 4 s, open loop.
  await withServer(sidecarArgs('slow', ['--slots', '4', '--queue-max', '16']), {}, async (s) => {
    const pool = endpointPool(s.address, 512);
    const body = JSON.stringify({ input: { ms: 50 } });
    const latencies = [];
    let rejected = 0;
    let other = 0;
    const calls = [];
    const rate = 400;
    const seconds = 4;
    let peakRss = rssMiB(s.pid);
    const started = performance.now();
    for (let i = 0; i < rate * seconds; i += 1) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const sent = performance.now();
      calls.push(
        pool
          .request({ path: '/v1/invoke', method: 'POST', headers: { 'content-type': 'application/json' }, body })
          .then(async (response) => {
            await response.body.text();
            if (response.statusCode === 200) latencies.push(performance.now() - sent);
            else if (response.statusCode === 429) rejected += 1;
            else other += 1;
          })
          .catch(() => (other += 1)),
      );
      if (i % 100 === 0) peakRss = Math.max(peakRss, rssMiB(s.pid));
    }
    await Promise.all(calls);
    await pool.destroy();
    const sorted = latencies.sort((a, b) => a - b);
    const total = rate * seconds;
    record('8. overload (5x capacity)', 'admitted p99', 'ms', [sorted[Math.floor(sorted.length * 0.99)] ?? NaN]);
    record('8. overload (5x capacity)', 'share answered 429', '%', [(rejected / total) * 100]);
    record('8. overload (5x capacity)', 'other failures', 'count', [other]);
    record('8. overload (5x capacity)', 'peak RSS', 'MiB', [peakRss]);
  });
}

async function durableBench() {
  // On the disk the repository lives on, not /tmp (often tmpfs, where fsync is free).
  const diskDir = join(ROOT, 'bench/results/data');
  mkdirSync(diskDir, { recursive: true });
  // Acknowledgements: 256 concurrent submitters for 3 s against a sidecar whose
  // slow agent holds every slot, so the runs pile up on disk (fsync'd, WAL).
  const acks = [];
  const resumes = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const dataDir = mkdtempSync(join(diskDir, 'acks-'));
    await withServer(sidecarArgs('slow', ['--slots', '1', '--data-dir', dataDir, '--runs-max-queued', '1000000']), {}, async (s) => {
      const pool = endpointPool(s.address, 256);
      const body = JSON.stringify({ input: { ms: 600_000 } });
      let done = 0;
      const until = Date.now() + 3000;
      const started = performance.now();
      await Promise.all(Array.from({ length: 256 }, async () => {
        while (Date.now() < until) {
          const response = await pool.request({ path: '/v1/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body });
          await response.body.text();
          if (response.statusCode === 202) done += 1;
        }
      }));
      acks.push(done / ((performance.now() - started) / 1000));
      await pool.destroy();
    });
    // Resume: a data dir holding 10,000 queued runs, a fresh process, time until the last one is done.
    const resumeDir = mkdtempSync(join(diskDir, 'resume-'));
    await withServer(sidecarArgs('slow', ['--slots', '1', '--data-dir', resumeDir, '--runs-max-queued', '1000000']), {}, async (s) => {
      const pool = endpointPool(s.address, 64);
      // A sync call holds the only slot (sync callers go first), so every background run stays queued.
      const blocker = pool.request({ path: '/v1/invoke', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 600_000 } }) }).catch(() => undefined);
      await sleep(100);
      const body = JSON.stringify({ input: { ms: 0 } });
      let left = 10_000;
      await Promise.all(Array.from({ length: 63 }, async () => {
        while (left > 0) {
          left -= 1;
          const response = await pool.request({ path: '/v1/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body });
          await response.body.text();
        }
      }));
      s.child.kill('SIGKILL');
      await blocker;
      await pool.destroy().catch(() => undefined);
    });
    const started = performance.now();
    await withServer(sidecarArgs('slow', ['--slots', '4', '--data-dir', resumeDir]), {}, async (s) => {
      const pool = endpointPool(s.address, 1);
      for (;;) {
        const response = await pool.request({ path: '/metrics', method: 'GET' });
        const text = await response.body.text();
        const queued = Number(/^squire_runs_queued\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? NaN);
        const inUse = Number(/^squire_slots_in_use\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? NaN);
        if (queued === 0 && inUse === 0) break;
        await sleep(20);
      }
      resumes.push((performance.now() - started) / 1000);
      await pool.destroy();
    });
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(resumeDir, { recursive: true, force: true });
  }
  record('6. durable runs', 'acknowledged background runs/s (fsync per group commit)', 'runs/s', acks, undefined, { label: '≥ 3,000/s', value: 3000 }, 'higher');
  record('6. durable runs', 'restart → 10,000 queued runs resumed and done (0 ms agent, 4 slots)', 's', resumes);
  // The same figures on the shared store, in the same run.
  await durableOnPostgres({ rounds: ROUNDS, record });
}

async function streamingBench() {
  // One model call per run (no tool fits the question), streamed in 8 chunks.
  const content = JSON.stringify({ answer: 'a streamed answer of a few words', city: null, temperature_c: null });
  const model = await startOpenAiTestServer({ fallback: { kind: 'text', content, chunks: 8 }, chunkDelayMs: 1 });
  try {
    const direct = new OpenAI({ baseURL: model.baseURL, apiKey: 'bench', maxRetries: 0 });
    const firstChunk = async () => {
      const started = performance.now();
      const stream = await direct.chat.completions.create({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'hello' }] });
      let first;
      for await (const chunk of stream) if (first === undefined && chunk.choices[0]?.delta.content) first = performance.now() - started;
      return first;
    };
    const subject = [];
    const floor = [];
    await withServer(sidecarArgs('assistant'), { env: { OPENAI_BASE_URL: model.baseURL } }, async (s) => {
      const client = createClient({ sidecars: { assistant: s.address } });
      const agent = client.agent('assistant');
      const firstDelta = async () => {
        const started = performance.now();
        let first;
        for await (const event of agent.stream({ question: 'hello' })) if (first === undefined && event.type === 'run.delta') first = performance.now() - started;
        return first;
      };
      for (let i = 0; i < 30; i += 1) {
        await firstChunk();
        await firstDelta();
      }
      for (let round = 0; round < ROUNDS; round += 1) {
        const a = [];
        const b = [];
        for (let i = 0; i < 100; i += 1) {
          b.push(await firstChunk());
          a.push(await firstDelta());
        }
        subject.push(summary(a).median);
        floor.push(summary(b).median);
      }
      await client.close();
    });
    record('7. streaming', 'time to first delta via SDK → sidecar vs openai SDK → model server', 'ms', subject, floor);
    record('7. streaming', 'added by the sidecar at p50', 'ms', subject.map((value, i) => value - floor[i]), undefined, { label: '≤ 2 ms', value: 2 }, 'lower');
  } finally {
    await model.close();
  }
}


async function sessionBench() {
  // In-process: the session store's own append and window load, against the
  // same SQL through raw better-sqlite3 (same pragmas) as the floor.
  const { openSqliteStore } = await import('../sidecar/dist/store/sqlite/index.js');
  const { Sessions } = await import('../sidecar/dist/session/sessions.js');
  const { default: Database } = await import('better-sqlite3');
  const { default: pino } = await import('pino');
  const turn = (i) => [
    { role: 'user', content: `question ${i}: ${'what is the weather like today? '.repeat(4)}` },
    { role: 'assistant', content: `answer ${i}: ${'it is sunny and mild with a light breeze. '.repeat(4)}` },
  ];
  const perOp = async (count, op) => {
    const started = performance.now();
    for (let i = 0; i < count; i += 1) await op(i);
    return ((performance.now() - started) * 1000) / count;
  };
  const append = { squire: [], floor: [] };
  const load = { squire: [], floor: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'squire-bench-sessions-'));
    try {
      const backing = openSqliteStore({ dataDir: dir, agent: { name: 'bench', version: '0.0.0' } });
      const store = new Sessions(backing.sessions, { maxMessages: 50, maxTokens: 8000, ttlMs: 86_400_000, log: pino({ level: 'silent' }) });
      const signal = new AbortController().signal;
      const held = await store.open('bench-session', { signal });
      append.squire.push(await perOp(1000, (i) => held.append(...turn(i))));
      held.release();
      load.squire.push(
        await perOp(1000, async () => {
          const session = await store.open('bench-session', { signal });
          await session.messages();
          session.release();
        }),
      );
      store.close();
      await backing.close();

      const db = new Database(join(dir, 'floor.db'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec('CREATE TABLE m (session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (session_id, seq))');
      const insert = db.prepare('INSERT INTO m VALUES (?, ?, ?, ?)');
      const insertTurn = db.transaction((i) => turn(i).forEach((message, k) => insert.run('bench-session', 2 * i + k, message.role, message.content)));
      append.floor.push(await perOp(1000, insertTurn));
      const window = db.prepare('SELECT role, content FROM m WHERE session_id = ? ORDER BY seq DESC LIMIT 50');
      load.floor.push(await perOp(1000, () => window.all('bench-session')));
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  record('9. sessions', 'append a turn (2 messages) vs the same insert in raw better-sqlite3', 'µs', append.squire, append.floor);
  record('9. sessions', 'load the window (last 50 of 2,000 messages) vs the same select', 'µs', load.squire, load.floor);
}

async function tracingBench() {
  // The same sidecar with tracing off (no OTEL_* set: the SDK is never loaded)
  // and on (OTLP/HTTP protobuf to a sink in this process that answers 200),
  // alternating within each round. With SIDECAR_BASELINE=<other build's
  // sidecar/dist/main.js> the other build (tracing off) joins each round, to
  // show what the tracing hooks cost when tracing is off.
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${sink.address().port}`;
  const on = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
  const off = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_EXPORTER: '' };
  const baseline = process.env.SIDECAR_BASELINE;
  const llmBody = JSON.stringify({ input: { question: 'What is the weather in Paris?' } });
  const series = { echoOff: [], echoOn: [], echoBase: [], llmOff: [], llmOn: [], llmBase: [] };
  const measure = (bin, agent, env) =>
    withServer([bin, ...sidecarArgs(agent).slice(1)], { env }, async (s) => {
      const pool = endpointPool(s.address, 1);
      try {
        const call = agent === 'assistant' ? () => rawInvoke(pool, {}, llmBody) : () => rawInvoke(pool);
        return (await sequentialLatency(call, agent === 'assistant' ? { count: 1000, warmup: 200 } : undefined)).p50;
      } finally {
        await pool.destroy();
      }
    });
  const current = sidecarArgs('echo')[0];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const runs = [
        async () => series.echoOff.push(await measure(current, 'echo', off)),
        async () => series.echoOn.push(await measure(current, 'echo', on)),
        async () => series.llmOff.push(await measure(current, 'assistant', off)),
        async () => series.llmOn.push(await measure(current, 'assistant', on)),
        ...(baseline ? [async () => series.echoBase.push(await measure(baseline, 'echo', off)), async () => series.llmBase.push(await measure(baseline, 'assistant', off))] : []),
      ];
      for (const run of round % 2 === 0 ? runs : runs.reverse()) await run();
    }
  } finally {
    await new Promise((resolve) => sink.close(resolve));
  }
  const group = '10. tracing';
  record(group, 'echo invoke p50: tracing on vs off', 'µs', series.echoOn, series.echoOff);
  record(group, 'LLM run with a tool (offline model: 2 chat + 1 tool span) p50: tracing on vs off', 'µs', series.llmOn, series.llmOff);
  if (baseline) {
    record(group, 'echo invoke p50: tracing off vs the baseline build', 'µs', series.echoOff, series.echoBase, { label: 'within noise', value: 1.05 }, 'lower');
    record(group, 'LLM run p50: tracing off vs the baseline build', 'µs', series.llmOff, series.llmBase, { label: 'within noise', value: 1.05 }, 'lower');
  }
}

async function main() {
  const started = Date.now();
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${HAS_TASKSET ? ', servers on core 0 and load on core 1' : ', unpinned (no taskset)'}`;
  console.log(`machine: ${machine}\nrounds: ${ROUNDS}\n`);
  const benches = [
    ['1', callOverhead],
    ['1b', clientCost],
    ['2', throughputBench],
    ['3', memoryBench],
    ['4', coldStart],
    ['5', fanOutBench],
    ['6', durableBench],
    ['7', streamingBench],
    ['8', overloadBench],
    ['9', sessionBench],
    ['10', tracingBench],
  ];
  // SQUIRE_BENCH_ONLY=1,7 runs a subset while working on one figure.
  const only = process.env.SQUIRE_BENCH_ONLY?.split(',').map((item) => item.trim());
  // A group that throws is reported as such and the others still run: one broken
  // group must not cost the figures of the rest (the run still exits 1).
  let failed = 0;
  for (const [id, bench] of benches) {
    if (only && !only.includes(id)) continue;
    try {
      await bench();
    } catch (error) {
      failed += 1;
      note(id, 'the whole group', `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await stopAll();
    }
  }
  await stopAll();
  writeResults(machine, Date.now() - started, failed === 0);
  if (failed > 0) process.exitCode = 1;
}

function writeResults(machine, elapsedMs, complete) {
  const table = resultsTable(rows, { machine, rounds: ROUNDS, elapsedMs });
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), `${table}\n`);
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ machine, elapsedMs, rows }, null, 2)}\n`);
  // Only a full run without a failed group speaks for the whole table; a subset (SQUIRE_BENCH_ONLY) leaves the README alone.
  const readme = process.env.SQUIRE_BENCH_ONLY || !complete ? undefined : replaceReadmeTable(join(ROOT, 'README.md'), table);
  console.log(`\n${table}\n\nwritten: bench/results/latest.md, bench/results/latest.json${readme ? ', README.md' : ''}`);
}

if (HAS_TASKSET && !process.env.SQUIRE_BENCH_PINNED) {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, SQUIRE_BENCH_PINNED: '1' } });
  child.on('exit', (code) => process.exit(code ?? 1));
  process.on('SIGINT', () => child.kill('SIGINT'));
} else {
  process.on('SIGINT', async () => {
    await stopAll();
    process.exit(130);
  });
  main().catch(async (error) => {
    console.error(error);
    await stopAll();
    process.exit(1);
  });
}
