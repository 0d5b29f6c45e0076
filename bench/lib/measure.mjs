// Load generation and statistics. Latency runs are closed-loop, one call at a
// time; throughput runs are closed-loop with N connections; overload is
// open-loop at a fixed offered rate.
import { Pool } from 'undici';

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), min: sorted[0], max: sorted[sorted.length - 1] };
}

export function endpointPool(address, connections) {
  if (address.startsWith('unix:')) return new Pool('http://localhost', { connections, socketPath: address.slice(5), keepAliveTimeout: 4000 });
  return new Pool(address, { connections, keepAliveTimeout: 4000 });
}

export const ECHO_BODY = JSON.stringify({ input: { text: 'hello, squire' } });

export function rawInvoke(pool, headers = {}, body = ECHO_BODY) {
  return pool
    .request({ path: '/v1/invoke', method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    .then(async (response) => {
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
    });
}

/** p50/p99 in µs of `count` sequential calls after `warmup`. */
export async function sequentialLatency(call, { count = 3000, warmup = 500 } = {}) {
  for (let i = 0; i < warmup; i += 1) await call();
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await call();
    samples[i] = (performance.now() - started) * 1000;
  }
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

/**
 * Requests per second with `connections` concurrent closed loops for
 * `seconds`; with `cpuOf` (the server's CPU time in µs so far), also the
 * server's CPU per completed call over the measured part.
 */
export async function throughput(address, connections, seconds, headers = {}, cpuOf = undefined) {
  const pool = endpointPool(address, connections);
  try {
    const warmUntil = Date.now() + 1000;
    await Promise.all(Array.from({ length: connections }, async () => {
      while (Date.now() < warmUntil) await rawInvoke(pool, headers);
    }));
    let done = 0;
    let errors = 0;
    const until = Date.now() + seconds * 1000;
    const started = performance.now();
    const cpuBefore = cpuOf?.();
    await Promise.all(Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        try {
          await rawInvoke(pool, headers);
          done += 1;
        } catch {
          errors += 1;
        }
      }
    }));
    const cpuPerCall = cpuOf && done > 0 ? (cpuOf() - cpuBefore) / done : NaN;
    return { rps: done / ((performance.now() - started) / 1000), errors, cpuPerCall };
  } finally {
    await pool.destroy();
  }
}
