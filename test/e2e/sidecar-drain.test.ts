/**
 * Graceful drain: on SIGTERM the sidecar stops taking work at once, lets the
 * runs in flight finish within the grace period, and exits 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http, invoke, metricValue } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

afterAll(stopAllSidecars);

describe('SIGTERM', () => {
  it('finishes in-flight runs, answers new work 503 draining, turns /readyz 503, and exits 0', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--grace-ms', '10000'] });
    // A keep-alive connection opened before the signal: its next request must get a clean answer.
    const keepAlive = new Client(sidecar.url, { pipelining: 0 });
    expect((await keepAlive.request({ path: '/healthz', method: 'GET' })).statusCode).toBe(200);
    const inFlight = [invoke(sidecar.url, { ms: 1200 }), invoke(sidecar.url, { ms: 1500 })];
    await waitFor(async () => metricValue((await http(sidecar.url, '/metrics')).text, 'squire_slots_in_use') === 2);

    const stopped = sidecar.stop('SIGTERM');
    await waitFor(async () => sidecar.logLines().some((line) => line.msg === 'draining'));
    const ready = await http(sidecar.url, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json.code).toBe('draining');
    const rejected = await keepAlive.request({
      path: '/v1/invoke',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { ms: 10 } }),
    });
    const rejectedBody = JSON.parse(await rejected.body.text());
    expect(rejected.statusCode).toBe(503);
    expect(rejectedBody).toMatchObject({ code: 'draining', retryable: true });
    expect(rejected.headers['retry-after']).toBe('1');
    expect(rejected.headers.connection).toBe('close');

    const results = await Promise.all(inFlight);
    expect(results.map((response) => response.status)).toEqual([200, 200]);
    expect(await stopped).toBe(0);
    await keepAlive.close().catch(() => undefined);
    expect(sidecar.logLines().find((line) => line.msg === 'stopped')).toMatchObject({ clean: true });
  });

  it('aborts runs still going when the grace period ends, and still exits 0', async () => {
    const sidecar = await startSidecar({ agent: 'slow', args: ['--grace-ms', '300'] });
    const long = invoke(sidecar.url, { ms: 30_000 });
    await waitFor(async () => metricValue((await http(sidecar.url, '/metrics')).text, 'squire_slots_in_use') === 1);
    const started = performance.now();
    expect(await sidecar.stop('SIGTERM')).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
    const response = await long;
    expect(response.status).toBe(503);
    expect(response.json.code).toBe('draining');
  });

  it('exits 0 on SIGINT too', async () => {
    const sidecar = await startSidecar({ agent: 'echo' });
    expect(await sidecar.stop('SIGINT')).toBe(0);
  });
});
