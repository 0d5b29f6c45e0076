// Benchmarks 5 and 8: fan-out over ten sidecars, and overload at five times capacity.
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@squire/client';
import { rssMiB, sidecarArgs, startServer } from '../lib/processes.mjs';
import { endpointPool, rawInvoke, summary } from '../lib/measure.mjs';
import { ROUNDS, record, withServer } from '../lib/report.mjs';

export async function fanOutBench() {
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

export async function overloadBench() {
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
