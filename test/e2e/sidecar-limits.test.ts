/**
 * Slots, the bounded wait queue, deadlines and caller disconnects, against
 * real sidecar processes running the `slow` agent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http, invoke, metricValue } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

afterAll(stopAllSidecars);

describe('slots and backpressure', () => {
  it('answers 429 overloaded with Retry-After once slots and queue are full, and serves the admitted calls', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--slots', '2', '--queue-max', '2'] });
    const admitted = Array.from({ length: 4 }, () => invoke(sidecar.url, { ms: 600 }));
    // Let the four admitted calls reach the sidecar before the extra ones.
    await waitFor(async () => metricValue((await http(sidecar.url, '/metrics')).text, 'squire_queue_depth') === 2);
    const rejected = await Promise.all(Array.from({ length: 3 }, () => invoke(sidecar.url, { ms: 600 })));
    for (const response of rejected) {
      expect(response.status).toBe(429);
      expect(response.json.code).toBe('overloaded');
      expect(response.json.retryable).toBe(true);
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const results = await Promise.all(admitted);
    expect(results.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    // Two waited for a slot: their queue time shows it.
    const queued = results.map((response) => response.json.timing.queued_ms).sort((a, b) => a - b);
    expect(queued[3]).toBeGreaterThan(400);
    await sidecar.stop();
  });
});

describe('deadlines', () => {
  it('stops a run at the Squire-Timeout-Ms budget with 504 deadline_exceeded', async () => {
    const sidecar = await startSidecar({ agent: 'slow' });
    const started = performance.now();
    const response = await invoke(sidecar.url, { ms: 10_000 }, { headers: { 'squire-timeout-ms': '300' } });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(504);
    expect(response.json).toMatchObject({ code: 'deadline_exceeded', retryable: true });
    expect(response.json.run_id).toMatch(/^run_/);
    expect(elapsed).toBeLessThan(5000);
    await waitFor(async () => metricValue((await http(sidecar.url, '/metrics')).text, 'squire_slots_in_use') === 0);
    await sidecar.stop();
  });

  it('caps the budget at --max-timeout-ms', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--max-timeout-ms', '300', '--default-timeout-ms', '200'] });
    const response = await invoke(sidecar.url, { ms: 10_000 }, { headers: { 'squire-timeout-ms': '60000' } });
    expect(response.status).toBe(504);
    await sidecar.stop();
  });

  it('gives up on a queued call whose deadline passes before a slot frees', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--slots', '1'] });
    const holder = invoke(sidecar.url, { ms: 1500 });
    await waitFor(async () => metricValue((await http(sidecar.url, '/metrics')).text, 'squire_slots_in_use') === 1);
    const waiting = await invoke(sidecar.url, { ms: 10 }, { headers: { 'squire-timeout-ms': '200' } });
    expect(waiting.status).toBe(504);
    expect((await holder).status).toBe(200);
    await sidecar.stop();
  });
});

describe('caller disconnect', () => {
  it('aborts the run when the caller goes away, freeing its slot', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--slots', '1'] });
    const controller = new AbortController();
    const abandoned = request(`${sidecar.url}/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { ms: 30_000 } }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await waitFor(async () => metricValue((await http(sidecar.url, '/metrics')).text, 'squire_slots_in_use') === 1);
    controller.abort();
    await abandoned;
    await waitFor(async () => metricValue((await http(sidecar.url, '/metrics')).text, 'squire_runs_total', { status: 'cancelled' }) === 1);
    const next = await invoke(sidecar.url, { ms: 10 }, { headers: { 'squire-timeout-ms': '2000' } });
    expect(next.status).toBe(200);
    await sidecar.stop();
  });
});
