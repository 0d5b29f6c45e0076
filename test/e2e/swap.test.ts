/**
 * Swapping sidecars under load (≥ 200 calls/s against real processes):
 * blue/green with SIGTERM to the old one, canary rollback, file and DNS
 * discovery, version pinning, session affinity and shadow traffic.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, type SquireClient } from '@squire/client';
import { REPO_ROOT, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http, metricValue } from '../helpers/http.js';
import { startFaultServer } from '../helpers/fault-server.js';
import { p99, runLoad } from '../helpers/load.js';

const V2 = join(REPO_ROOT, 'test/fixtures/agents/echo-v2.ts');
const FLAKY = join(REPO_ROOT, 'test/fixtures/agents/echo-flaky.ts');
afterAll(stopAllSidecars);

const invokes = async (url: string) => metricValue((await http(url, '/metrics')).text, 'squire_http_requests_total', { route: '/v1/invoke' });

async function withClient<T>(options: Parameters<typeof createClient>[0], fn: (client: SquireClient) => Promise<T>): Promise<T> {
  const client = createClient(options);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe('blue/green', () => {
  it('swaps v1 for v2 under 250 calls/s, SIGTERM to v1, with no failed call', async () => {
    const blue = await startSidecar({ agent: 'echo', args: ['--grace-ms', '5000'] });
    await withClient({ sidecars: { echo: { url: blue.url } }, timeoutMs: 5000 }, async (client) => {
      const agent = client.agent('echo');
      const load = runLoad((i) => agent.invoke({ text: `call ${i}` }), 250, 3000);
      await new Promise((resolve) => setTimeout(resolve, 800));
      const green = await startSidecar({ agent: V2 });
      await client.cutover('echo', green.url);
      const stopped = blue.stop('SIGTERM');
      const result = await load;
      expect(await stopped).toBe(0);
      console.log(`blue/green: ${result.sent} calls, ${result.failed} failed`);
      expect(result.failed).toBe(0);
      expect(result.ok).toBe(result.sent);
      expect(await invokes(green.url)).toBeGreaterThan(100);
      expect(client.stats().echo!.endpoints.map((endpoint) => endpoint.url)).toEqual([green.url]);
    });
  });
});

describe('canary', () => {
  it('rolls back a canary failing 10 % of calls before it reaches 50 %', async () => {
    const stable = await startSidecar({ agent: 'echo' });
    const canary = await startSidecar({ agent: FLAKY });
    await withClient({ sidecars: { echo: { endpoints: [stable.url] } }, maxRetries: 0 }, async (client) => {
      const agent = client.agent('echo');
      const steps: number[] = [];
      client.on('rollout', (event) => {
        if (event.state === 'step') steps.push(event.percent);
      });
      const load = runLoad((i) => agent.invoke({ text: `c${i}` }), 250, 4000);
      const rollout = client.rollout('echo', { canary: canary.url, steps: [5, 25, 50, 100], stepMs: 1000, rollbackOn: { errorRate: 0.01, minCalls: 10 }, checkEveryMs: 50 });
      const outcome = await rollout.done;
      const result = await load;
      console.log(`canary: ${JSON.stringify(outcome)}; load ${result.sent} sent, ${result.failed} failed`);
      expect(outcome.state).toBe('rolled_back');
      if (outcome.state !== 'rolled_back') return;
      expect(steps.every((percent) => percent < 50)).toBe(true);
      expect(outcome.canaryErrors).toBeGreaterThan(0);
      expect(outcome.rollbackMs).toBeLessThan(1000);
      expect(client.stats().echo!.endpoints.map((endpoint) => endpoint.url)).toEqual([stable.url]);
      // Only calls that reached the canary can have failed.
      expect(result.failed).toBeLessThanOrEqual(outcome.canaryErrors);
    });
  });

  it('completes a rollout of a healthy canary and leaves it alone in rotation', async () => {
    const stable = await startSidecar({ agent: 'echo' });
    const canary = await startSidecar({ agent: V2 });
    await withClient({ sidecars: { echo: stable.url } }, async (client) => {
      const load = runLoad((i) => client.agent('echo').invoke({ text: `h${i}` }), 200, 1500);
      const outcome = await client.rollout('echo', { canary: canary.url, steps: [10, 50, 100], stepMs: 400 }).done;
      const result = await load;
      expect(outcome.state).toBe('completed');
      expect(result.failed).toBe(0);
      expect(client.stats().echo!.endpoints.map((endpoint) => endpoint.url)).toEqual([canary.url]);
    });
  });
});

describe('discovery', () => {
  it('picks up a replica added to the endpoints file and drops one removed from it', async () => {
    const a = await startSidecar({ agent: 'echo' });
    const b = await startSidecar({ agent: 'echo' });
    const file = join(mkdtempSync(join(tmpdir(), 'squire-endpoints-')), 'endpoints.json');
    writeFileSync(file, JSON.stringify({ echo: [a.url] }));
    await withClient({ sidecars: { echo: 'http://127.0.0.1:1' } }, async (client) => {
      const stop = client.watchEndpointsFile(file);
      const agent = client.agent('echo');
      for (let i = 0; i < 20; i += 1) await agent.invoke({ text: 'a' });
      writeFileSync(file, JSON.stringify({ echo: [a.url, b.url] }));
      await expect.poll(() => client.stats().echo!.endpoints.length, { timeout: 5000 }).toBe(2);
      for (let i = 0; i < 60; i += 1) await agent.invoke({ text: 'ab' });
      expect(await invokes(b.url)).toBeGreaterThan(0);
      writeFileSync(file, JSON.stringify({ echo: [b.url] }));
      await expect.poll(() => client.stats().echo!.endpoints.map((endpoint) => endpoint.url), { timeout: 5000 }).toEqual([b.url]);
      const before = await invokes(a.url);
      for (let i = 0; i < 20; i += 1) await agent.invoke({ text: 'b' });
      expect(await invokes(a.url)).toBe(before);
      writeFileSync(file, '{ not json');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(client.stats().echo!.endpoints.map((endpoint) => endpoint.url)).toEqual([b.url]);
      stop();
    });
  });

  it('follows DNS answers: a new replica joins, a removed one leaves', async () => {
    const a = await startSidecar({ agent: 'echo' });
    const b = await startSidecar({ agent: 'echo' });
    const portOf = (url: string) => Number(new URL(url).port);
    let answers = [{ host: '127.0.0.1', port: portOf(a.url) }];
    await withClient({ sidecars: { echo: a.url } }, async (client) => {
      const stop = client.discoverByDns('echo', { hostname: 'echo.squire.svc', intervalMs: 50, resolve: async () => answers });
      answers = [{ host: '127.0.0.1', port: portOf(a.url) }, { host: '127.0.0.1', port: portOf(b.url) }];
      await expect.poll(() => client.stats().echo!.endpoints.length, { timeout: 5000 }).toBe(2);
      answers = [{ host: '127.0.0.1', port: portOf(b.url) }];
      await expect.poll(() => client.stats().echo!.endpoints.map((endpoint) => endpoint.url), { timeout: 5000 }).toEqual([b.url]);
      stop();
    });
  });
});

describe('version pinning', () => {
  it('never sends a call to a replica outside the range, and says so when none matches', async () => {
    const v1 = await startSidecar({ agent: 'echo' });
    const v2 = await startSidecar({ agent: V2 });
    await withClient({ sidecars: { echo: { endpoints: [v1.url, v2.url], versionRange: '^2.0.0' } } }, async (client) => {
      for (let i = 0; i < 40; i += 1) await client.agent('echo').invoke({ text: 'pinned' });
      expect(await invokes(v1.url)).toBe(0);
      expect(await invokes(v2.url)).toBe(40);
    });
    await withClient({ sidecars: { echo: { endpoints: [v1.url, v2.url], versionRange: '^3.0.0' } } }, async (client) => {
      await expect(client.agent('echo').invoke({ text: 'x' })).rejects.toMatchObject({ code: 'no_matching_endpoint' });
    });
  });
});

describe('session affinity', () => {
  it('keeps one session on one replica', async () => {
    const a = await startSidecar({ agent: 'echo' });
    const b = await startSidecar({ agent: 'echo' });
    await withClient({ sidecars: { echo: { endpoints: [a.url, b.url] } } }, async (client) => {
      for (let i = 0; i < 30; i += 1) await client.agent('echo').invoke({ text: 's' }, { sessionId: 'user-42' });
      const counts = [await invokes(a.url), await invokes(b.url)].sort((x, y) => x - y);
      expect(counts).toEqual([0, 30]);
    });
  });
});

describe('shadow traffic', () => {
  it('compares mirrored calls off the caller path: a slow shadow neither slows the caller nor queues copies', async () => {
    const primary = await startSidecar({ agent: 'echo' });
    const slowShadow = await startFaultServer({ kind: 'ok', delayMs: 1000 });
    try {
      const measure = (shadow: boolean) =>
        withClient({ sidecars: { echo: { url: primary.url, ...(shadow && { shadow: { url: slowShadow.url, percent: 100 } }) } } }, async (client) => {
          const agent = client.agent('echo');
          for (let i = 0; i < 50; i += 1) await agent.invoke({ text: 'warm' });
          const result = await runLoad((i) => agent.invoke({ text: `s${i}` }), 200, 1500);
          await new Promise((resolve) => setTimeout(resolve, 1200));
          return { p99: p99(result.latencies), failed: result.failed, stats: client.stats().echo! };
        });
      const without = await measure(false);
      const withShadow = await measure(true);
      console.log(`shadow: caller p99 without ${without.p99.toFixed(2)} ms, with ${withShadow.p99.toFixed(2)} ms; ${JSON.stringify(withShadow.stats.shadow)}`);
      expect(withShadow.failed).toBe(0);
      // The shadow answers after 1 s; were it on the caller's path, p99 would be past that.
      expect(withShadow.p99).toBeLessThan(500);
      expect(without.stats.shadow).toBeUndefined();
      const report = withShadow.stats.shadow!;
      expect(report.calls).toBe(slowShadow.requests.length);
      expect(report.matches + report.mismatches + report.errors).toBe(report.calls);
      expect(report.latencyDeltaMs.p50).toBeGreaterThan(900);
      // 16 connections to a shadow that takes 1 s: the rest of the copies are dropped, not queued.
      expect(report.skipped).toBeGreaterThan(100);
      expect(report.calls + report.skipped).toBeGreaterThan(300);
    } finally {
      await slowShadow.close();
    }
  });
});
