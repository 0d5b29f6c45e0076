/**
 * Per-sidecar isolation: the circuit breaker's states, the in-flight limit,
 * and a black-holed sidecar that must not slow calls to a healthy one.
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
  it('keeps calls to a healthy sidecar fast while another one black-holes every call', async () => {
    const hole = await startFaultServer({ kind: 'blackhole' });
    servers.push(hole);
    const healthy = await startSidecar({ agent: 'echo' });
    const client = createClient({ sidecars: { hole: hole.url, echo: healthy.url }, timeoutMs: 5_000 });
    clients.push(client);
    const echo = client.agent('echo');
    for (let i = 0; i < 50; i += 1) await echo.invoke({ text: 'warm' });

    // Saturate the black hole: its calls hang until their 5 s deadline.
    const hung = Array.from({ length: 64 }, () => client.agent('hole').invoke({}).catch(() => undefined));
    const latencies: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const started = performance.now();
      await echo.invoke({ text: `call ${i}` });
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    // A correctness bound, not a benchmark: a shared pool or queue would put these behind 5 s timeouts.
    expect(p99).toBeLessThan(100);
    expect(client.stats().hole!.inFlight).toBe(64);
    await client.destroy();
    await Promise.all(hung);
  });
});
