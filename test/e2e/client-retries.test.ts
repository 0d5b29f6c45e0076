/**
 * The SDK's retry rules against fault-injection servers on loopback: what it
 * retries, with which key, how long it waits, and when it stops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, isAbortError, isConnectionError, isHttpError, isInvalidInputError, isOverloadedError, isTimeoutError, type SquireClient } from '@squire/client';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';

let servers: FaultServer[] = [];
let clients: SquireClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((client) => client.destroy()));
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  clients = [];
});

async function setup(options: Record<string, unknown> = {}) {
  const server = await startFaultServer();
  servers.push(server);
  const client = createClient({ sidecars: { agent: server.url }, backoffBaseMs: 10, backoffMaxMs: 50, ...options });
  clients.push(client);
  return { server, client, agent: client.agent('agent') };
}

describe('retries', () => {
  it('retries a connection reset with the same idempotency key', async () => {
    const { server, agent } = await setup();
    server.script({ kind: 'reset' }, { kind: 'reset' });
    const result = await agent.invoke({ n: 1 });
    expect(result.output).toEqual({ n: 1 });
    expect(server.requests).toHaveLength(3);
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
  });

  it('uses the caller key when given, and a new key per logical call', async () => {
    const { server, agent } = await setup();
    await agent.invoke({}, { idempotencyKey: 'order-42' });
    await agent.invoke({});
    await agent.invoke({});
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toBe('order-42');
    expect(keys[1]).not.toBe(keys[2]);
  });

  it('honours Retry-After on 503 and 429', async () => {
    const { server, agent } = await setup();
    server.script({ kind: 'problem', status: 503, code: 'draining', retryable: true, retryAfter: 1 });
    await agent.invoke({});
    expect(server.requests).toHaveLength(2);
    const gap = server.requests[1]!.at - server.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('does not wait for a Retry-After longer than its cap: it fails with the 429', async () => {
    const { server, agent } = await setup({ maxRetryAfterMs: 2000 });
    server.script({ kind: 'problem', status: 429, code: 'overloaded', retryable: true, retryAfter: 30 });
    const error = await agent.invoke({}).catch((e: unknown) => e);
    expect(isOverloadedError(error)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("retries a proxy's 502, 503 not_ready and 504, but never 400, 401, 500 agent_error or what the sidecar already retried", async () => {
    const { server, agent } = await setup({ maxRetries: 3 });
    server.script(
      { kind: 'html', status: 502 },
      { kind: 'problem', status: 503, code: 'not_ready', retryable: true },
      { kind: 'problem', status: 504, code: 'deadline_exceeded', retryable: true },
    );
    await agent.invoke({});
    expect(server.requests).toHaveLength(4);
    for (const [status, code] of [[400, 'invalid_input'], [401, 'unauthorized'], [500, 'agent_error'], [502, 'upstream_error'], [429, 'rate_limited']] as const) {
      server.requests.length = 0;
      server.script({ kind: 'problem', status, code, retryable: status >= 429 });
      await expect(agent.invoke({})).rejects.toMatchObject({ status, code, attempts: 1 });
      expect(server.requests).toHaveLength(1);
    }
  });

  it('tells each attempt how many retries the call has left (Squire-Max-Retries)', async () => {
    const { server, agent } = await setup();
    server.script({ kind: 'reset' }, { kind: 'reset' });
    await agent.invoke({});
    expect(server.requests.map((request) => request.headers['squire-max-retries'])).toEqual(['2', '1', '0']);
  });

  it('classifies errors: 400 as InvalidInputError, an HTML 502 from a proxy as HttpError unavailable', async () => {
    const { server, agent } = await setup({ maxRetries: 0 });
    server.script({ kind: 'problem', status: 400, code: 'invalid_input', retryable: false });
    expect(isInvalidInputError(await agent.invoke({}).catch((e: unknown) => e))).toBe(true);
    server.script({ kind: 'html', status: 502 });
    const error = await agent.invoke({}).catch((e: unknown) => e);
    expect(isHttpError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'unavailable', status: 502, retryable: true });
    expect(String((error as Error).message)).toContain('HTTP 502');
  });

  it('does not retry a POST without an idempotency key once it may have reached the agent', async () => {
    const { server, agent } = await setup();
    server.script({ kind: 'reset' });
    const error = await agent.invoke({}, { idempotencyKey: false }).catch((e: unknown) => e);
    expect(isConnectionError(error)).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('stops a retry storm with the retry budget', async () => {
    const { server, agent } = await setup({ maxRetries: 5, retryBudgetRatio: 0.2, retryBudgetMinPerSecond: 0.1, retryBudgetWindowMs: 10_000, backoffBaseMs: 1, backoffMaxMs: 2, breakerFailureThreshold: 1000 });
    server.fallback = { kind: 'problem', status: 503, code: 'not_ready', retryable: true };
    const calls = 50;
    const results = await Promise.allSettled(Array.from({ length: calls }, () => agent.invoke({})));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    // Without the budget: 50 × 6 = 300 attempts. With it: 50 + at most 20% of 50 + the floor (1).
    expect(server.requests.length).toBeLessThanOrEqual(calls + calls * 0.2 + 1);
    expect(server.requests.length).toBeGreaterThan(calls);
  });
});

describe('deadlines', () => {
  it('sends the remaining budget as Squire-Timeout-Ms and stops at the deadline', async () => {
    const { server, agent } = await setup();
    server.fallback = { kind: 'blackhole' };
    const started = performance.now();
    const error = await agent.invoke({}, { timeoutMs: 300 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(isTimeoutError(error)).toBe(true);
    expect(elapsed).toBeLessThan(1000);
    const sent = Number(server.requests[0]!.headers['squire-timeout-ms']);
    expect(sent).toBeGreaterThan(0);
    // Less a margin (≥ 50 ms) so the sidecar's 504 arrives before the client gives up.
    expect(sent).toBeLessThanOrEqual(250);
  });

  it('stops at once on caller abort and does not retry it', async () => {
    const { server, agent } = await setup();
    server.fallback = { kind: 'blackhole' };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const error = await agent.invoke({}, { signal: controller.signal }).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });
});
