/**
 * Per-sidecar isolation: the circuit breaker's states, the in-flight limit,
 * and a black-holed sidecar whose hung calls never hold up a healthy one's
 * (asserted by counts and order; speed lives in bench/).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, isCircuitOpenError, isOverloadedError, type SquireClient } from '@squire/client';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';

let servers: FaultServer[] = [];
let clients: SquireClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((client) => client.destroy()));
  await Promise.all(servers.map((server) => server.close()));
  await stopAllSidecars();
  servers = [];
  clients = [];
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, fails fast, half-opens after the cool-down, and closes on success', async () => {
    const server = await startFaultServer({ kind: 'problem', status: 502, code: 'upstream_error', retryable: true });
    servers.push(server);
    const client = createClient({ sidecars: { flaky: server.url }, maxRetries: 0, breakerFailureThreshold: 3, breakerCooldownMs: 300 });
    clients.push(client);
    const changes: string[] = [];
    client.on('breaker', (event) => changes.push(event.state));
    const agent = client.agent('flaky');
    for (let i = 0; i < 3; i += 1) await agent.invoke({}).catch(() => undefined);
    expect(client.stats().flaky!.breaker).toBe('open');

    const fast = await agent.invoke({}).catch((e: unknown) => e);
    expect(isCircuitOpenError(fast)).toBe(true);
    expect(server.requests).toHaveLength(3);

    await new Promise((resolve) => setTimeout(resolve, 350));
    server.fallback = { kind: 'ok' };
    await agent.invoke({ again: true });
    expect(client.stats().flaky!.breaker).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the half-open probe fails', async () => {
    const server = await startFaultServer({ kind: 'reset' });
    servers.push(server);
    const client = createClient({ sidecars: { dead: server.url }, maxRetries: 0, breakerFailureThreshold: 2, breakerCooldownMs: 200 });
    clients.push(client);
    const agent = client.agent('dead');
    await agent.invoke({}).catch(() => undefined);
    await agent.invoke({}).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await agent.invoke({}).catch(() => undefined);
    expect(client.stats().dead!.breaker).toBe('open');
    expect(server.requests).toHaveLength(3);
  });
});

describe('bulkhead', () => {
  it('fails fast past the in-flight limit instead of queueing behind a slow sidecar', async () => {
    const server = await startFaultServer({ kind: 'ok', delayMs: 300 });
    servers.push(server);
    const client = createClient({ sidecars: { slow: server.url }, maxInFlight: 2 });
    clients.push(client);
    const agent = client.agent('slow');
    const calls = [agent.invoke({}), agent.invoke({}), agent.invoke({}).catch((e: unknown) => e)];
    const third = await calls[2];
    expect(isOverloadedError(third)).toBe(true);
    expect((third as { code: string }).code).toBe('client_overloaded');
    await Promise.all(calls.slice(0, 2));
  });
});

describe('isolation', () => {
  it('serves every call to a healthy sidecar while another one black-holes every call, none of them behind its pool', async () => {
    const hole = await startFaultServer({ kind: 'blackhole' });
    servers.push(hole);
    const healthy = await startSidecar({ agent: 'echo' });
    // Deadlines far beyond the test: a black-holed call ends only when the client is destroyed.
    const client = createClient({ sidecars: { hole: hole.url, echo: healthy.url }, timeoutMs: 600_000 });
    clients.push(client);
    const echo = client.agent('echo');
    for (let i = 0; i < WARM_CALLS; i += 1) await echo.invoke({ text: 'warm' });

    // Fill the black hole's whole in-flight allowance (64) and wait until every call is on its wire.
    let holeSettled = 0;
    const hung = Array.from({ length: 64 }, () =>
      client
        .agent('hole')
        .invoke({})
        .catch(() => undefined)
        .finally(() => (holeSettled += 1)),
    );
    while (hole.requests.length < 64) await new Promise((resolve) => setTimeout(resolve, 10));

    const outcomes: string[] = [];
    let mostQueued = 0;
    for (let i = 0; i < CALLS; i += 1) {
      const call = echo.invoke({ text: `call ${i}` });
      mostQueued = Math.max(mostQueued, client.stats().echo!.queued);
      outcomes.push(await call.then((result) => (result.output as { text: string }).text, (error: unknown) => `failed: ${(error as { code?: string }).code}`));
    }
    // Order, not speed: every healthy call came back while all 64 black-holed
    // calls still hung, so none of them waited for the black hole's pool,
    // queue or deadline; a shared one would have made them wait for 600 s.
    expect(holeSettled).toBe(0);
    expect(outcomes.filter((text) => text.startsWith('failed'))).toEqual([]);
    expect(outcomes).toHaveLength(CALLS);
    expect(mostQueued).toBe(0);
    const stats = client.stats();
    expect(stats.echo).toMatchObject({ calls: WARM_CALLS + CALLS, successes: WARM_CALLS + CALLS, failures: 0, retries: 0, queued: 0 });
    expect(stats.hole).toMatchObject({ inFlight: 64, queued: 0, calls: 64 });
    expect(hole.requests).toHaveLength(64);
    await client.destroy();
    await Promise.all(hung);
    expect(holeSettled).toBe(64);
  });
});

const WARM_CALLS = 20;
const CALLS = 200;
