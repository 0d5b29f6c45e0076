/**
 * Swapping sidecars under load (an open loop of ~250 calls/s against real
 * processes): blue/green with SIGTERM to the old one, canary rollback, file
 * and DNS discovery, version pinning, session affinity and shadow traffic.
 * Every assertion is a count or an order: the load runs until enough calls
 * happened after the event under test, however slow the machine is.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, type SquireClient } from '@squire/client';
import { REPO_ROOT, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http, metricValue } from '../helpers/http.js';
import { startFaultServer } from '../helpers/fault-server.js';
import { runLoad, runLoadUntil } from '../helpers/load.js';

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
  it('swaps v1 for v2 under load, SIGTERM to v1, with no failed call; every call after the cut-over goes to v2', async () => {
    const blue = await startSidecar({ agent: 'echo', args: ['--grace-ms', '5000'] });
    // Calls past the in-flight limit wait for a place rather than fail fast: this test is about the swap,
    // and starting a sidecar beside the load can slow the machine enough to fill the bulkhead.
    await withClient({ sidecars: { echo: { url: blue.url } }, timeoutMs: 5000, maxQueued: 1000 }, async (client) => {
      const agent = client.agent('echo');
      let phase: 'blue' | 'cutting' | 'green' = 'blue';
      const started = { blue: 0, cutting: 0, green: 0 };
      const load = runLoadUntil(
        (i) => {
          started[phase] += 1;
          return agent.invoke({ text: `call ${i}` });
        },
        250,
        () => phase === 'green' && started.green >= 100,
      );
      while (started.blue < 100) await new Promise((resolve) => setTimeout(resolve, 10));
      const green = await startSidecar({ agent: V2 });
      phase = 'cutting';
      await client.cutover('echo', green.url);
      phase = 'green';
      const stopped = blue.stop('SIGTERM');
      const result = await load;
      expect(await stopped).toBe(0);
      console.log(`blue/green: ${result.sent} calls (${JSON.stringify(started)} by phase), ${result.failed} failed ${JSON.stringify([...new Set(result.errors)])}`);
      expect(result.failed).toBe(0);
      expect(result.ok).toBe(result.sent);
      expect(await invokes(green.url)).toBeGreaterThanOrEqual(started.green);
      expect(client.stats().echo!.endpoints.map((endpoint) => endpoint.url)).toEqual([green.url]);
    });
  });
});

describe('canary', () => {
  it('rolls back a canary failing 10 % of calls at its first step, and sends it nothing after', async () => {
    const stable = await startSidecar({ agent: 'echo' });
    const canary = await startSidecar({ agent: FLAKY });
    // No retries, so every canary failure shows; calls past the in-flight limit wait rather than fail fast.
    await withClient({ sidecars: { echo: { endpoints: [stable.url] } }, maxRetries: 0, maxQueued: 1000 }, async (client) => {
      const agent = client.agent('echo');
      const steps: number[] = [];
      client.on('rollout', (event) => {
        if (event.state === 'step') steps.push(event.percent);
      });
      let outcome: Awaited<ReturnType<typeof client.rollout>['done']> | undefined;
      let afterRollback = 0;
      const rollout = client.rollout('echo', { canary: canary.url, steps: [5, 25, 50, 100], stepMs: 120_000, rollbackOn: { errorRate: 0.01, minCalls: 10 }, checkEveryMs: 20 });
      void rollout.done.then((done) => (outcome = done));
      const result = await runLoadUntil(
        (i) => {
          if (outcome) afterRollback += 1;
          return agent.invoke({ text: `c${i}` });
        },
        250,
        () => outcome !== undefined && afterRollback >= 50,
      );
      console.log(`canary: ${JSON.stringify(outcome)}; load ${result.sent} sent, ${result.failed} failed ${JSON.stringify([...new Set(result.errors)])}, ${afterRollback} after the rollback`);
      expect(outcome?.state).toBe('rolled_back');
      if (outcome?.state !== 'rolled_back') return;
      // The verdict comes from calls, not from the clock: the first step never ended.
      expect(steps).toEqual([5]);
      expect(outcome.atStep).toBe(1);
      expect(outcome.canaryCalls).toBeGreaterThanOrEqual(10);
      // Every 10th call to the flaky agent fails.
      expect(outcome.canaryErrors).toBe(Math.floor(outcome.canaryCalls / 10));
      expect(client.stats().echo!.endpoints.map((endpoint) => endpoint.url)).toEqual([stable.url]);
      // Only calls that reached the canary failed, and none reached it after the rollback.
      expect(result.failed).toBe(outcome.canaryErrors);
      await expect.poll(() => invokes(canary.url), { timeout: 5000 }).toBe(outcome.canaryCalls);
    });
  });

  it('completes a rollout of a healthy canary and leaves it alone in rotation', async () => {
    const stable = await startSidecar({ agent: 'echo' });
    const canary = await startSidecar({ agent: V2 });
    await withClient({ sidecars: { echo: stable.url } }, async (client) => {
      const load = runLoad((i) => client.agent('echo').invoke({ text: `h${i}` }), 200, 1500);
      const outcome = await client.rollout('echo', { canary: canary.url, steps: [10, 50, 100], stepMs: 400 }).done;
      const result = await load;
      console.log(`healthy canary: ${result.sent} calls, ${result.failed} failed ${JSON.stringify([...new Set(result.errors)])}`);
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
  it('mirrors calls off the caller path: a shadow that never answers neither holds the caller nor queues copies', async () => {
    const primary = await startSidecar({ agent: 'echo' });
    const hole = await startFaultServer({ kind: 'blackhole' });
    try {
      await withClient({ sidecars: { echo: { url: primary.url, connections: 8, maxInFlight: 8, shadow: { url: hole.url, percent: 100 } } } }, async (client) => {
        const agent = client.agent('echo');
        // Sequential: were the shadow on the caller's path, the first call would never return.
        for (let i = 0; i < 40; i += 1) expect(await agent.invoke({ text: `s${i}` })).toMatchObject({ output: { text: `s${i}` } });
        const report = client.stats().echo!.shadow!;
        console.log(`shadow (black hole): ${JSON.stringify(report)}`);
        // `connections` copies in flight at most; every other copy dropped, none queued.
        expect(report).toMatchObject({ calls: 8, skipped: 32, matches: 0, mismatches: 0 });
        await expect.poll(() => hole.requests.length, { timeout: 5000 }).toBe(8);
      });
    } finally {
      await hole.close();
    }
  });

  it('compares the shadow\'s outputs with the primary\'s, and counts its latency', async () => {
    const primary = await startSidecar({ agent: 'echo' });
    const same = await startFaultServer({ kind: 'ok', delayMs: 200 });
    const other = await startFaultServer({ kind: 'ok', output: { text: 'something else' } });
    try {
      for (const [shadow, field] of [[same, 'matches'], [other, 'mismatches']] as const) {
        await withClient({ sidecars: { echo: { url: primary.url, shadow: { url: shadow.url, percent: 100 } } } }, async (client) => {
          for (let i = 0; i < 20; i += 1) await client.agent('echo').invoke({ text: `m${i}` });
          await expect.poll(() => client.stats().echo!.shadow![field], { timeout: 10_000 }).toBe(20);
          const report = client.stats().echo!.shadow!;
          expect(report).toMatchObject({ calls: 20, errors: 0, skipped: 0 });
          expect(report.matches + report.mismatches).toBe(20);
          if (shadow === same) expect(report.latencyDeltaMs.p50).toBeGreaterThan(0);
        });
      }
      const plain = createClient({ sidecars: { echo: primary.url } });
      await plain.agent('echo').invoke({ text: 'x' });
      expect(plain.stats().echo!.shadow).toBeUndefined();
      await plain.close();
    } finally {
      await same.close();
      await other.close();
    }
  });
});
