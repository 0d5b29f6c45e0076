/**
 * The SDK against real sidecar processes: typed calls over TCP and unix
 * sockets, streaming, descriptors, deadline propagation, fan-out strategies
 * with mixed failures, and pipelines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, isAgentError, isInvalidInputError, isTimeoutError, type SquireClient, type RunEvent } from '@squire/client';
import type echoAgent from '@squire/example-agents/echo';
import type slowAgent from '@squire/example-agents/slow';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { http, metricValue } from '../helpers/http.js';

const TOKEN = 'client-test-token-0123456789';
let echo: RunningSidecar;
let echoSocket: RunningSidecar;
let slow: RunningSidecar;
let broken: FaultServer;
let client: SquireClient;

beforeAll(async () => {
  [echo, echoSocket, slow] = await Promise.all([
    startSidecar({ agent: 'echo', env: { SQUIRE_TOKEN: TOKEN } }),
    startSidecar({ agent: 'echo', socket: true }),
    startSidecar({ agent: 'slow', args: ['--slots', '8'] }),
  ]);
  broken = await startFaultServer({ kind: 'problem', status: 500, code: 'agent_error', retryable: false });
  client = createClient({
    sidecars: {
      echo: { url: echo.url, token: TOKEN },
      'echo-socket': echoSocket.endpoint,
      slow: slow.url,
      broken: broken.url,
    },
    timeoutMs: 10_000,
  });
});
afterAll(async () => {
  await client?.close();
  await broken?.close();
  await stopAllSidecars();
});

describe('typed calls', () => {
  it('invokes over TCP with a token and over a unix socket', async () => {
    const result = await client.agent<typeof echoAgent>('echo').invoke({ text: 'tcp' });
    expect(result.output.text).toBe('tcp');
    expect(result.run_id).toMatch(/^run_/);
    expect(await client.agent<typeof echoAgent>('echo-socket').call({ text: 'unix' })).toEqual({ text: 'unix' });
  });

  it('surfaces a schema violation as InvalidInputError with the issues', async () => {
    const error = await client.agent('echo').invoke({ text: 5 }).catch((e: unknown) => e);
    expect(isInvalidInputError(error)).toBe(true);
    expect((error as { issues: Array<{ path: unknown[] }> }).issues[0]!.path).toEqual(['text']);
    expect(error).toMatchObject({ sidecar: 'echo', status: 400, attempts: 1 });
  });

  it('describes the agent and checks health', async () => {
    const descriptor = await client.describe('slow');
    expect(descriptor).toMatchObject({ name: 'slow', contract: 'squire/1', limits: { slots: 8 } });
    expect(await client.health('echo-socket')).toEqual({ live: true, ready: true });
  });

  it('rejects a name it does not know', () => {
    expect(() => client.agent('nope')).toThrow(/no sidecar named "nope"/);
  });
});

describe('streaming', () => {
  it('yields run events in order and the final result', async () => {
    const stream = client.agent<typeof slowAgent>('slow').stream({ ms: 60, steps: 3 });
    const events: RunEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual(['run.started', 'run.progress', 'run.progress', 'run.progress', 'run.completed']);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    const result = await stream.result();
    expect(result.output.slept_ms).toBeGreaterThanOrEqual(50);
  });

  it('tears the stream down when the loop breaks, which stops the run', async () => {
    const before = metricValue((await http(slow.url, '/metrics')).text, 'squire_runs_total', { status: 'cancelled' });
    const stream = client.agent<typeof slowAgent>('slow').stream({ ms: 5000, steps: 50 });
    for await (const event of stream) if (event.type === 'run.progress') break;
    await expect.poll(async () => metricValue((await http(slow.url, '/metrics')).text, 'squire_runs_total', { status: 'cancelled' }), { timeout: 5000 }).toBe(before + 1);
  });
});

describe('deadlines', () => {
  it('propagates the budget: the sidecar stops the run and answers before the client gives up', async () => {
    const started = performance.now();
    // 2 s leaves the sidecar's answer a 100 ms margin (5 %): with 400 ms it had 50 ms, which a
    // loaded 2-core machine's event-loop lag sometimes exceeded, and the client gave up first.
    const error = await client.agent<typeof slowAgent>('slow').invoke({ ms: 10_000 }, { timeoutMs: 2000, maxRetries: 0 }).catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('deadline_exceeded');
    expect((error as { status: number }).status).toBe(504);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('fan-out', () => {
  it('"all" waits for every branch and reports each failure', async () => {
    const result = await client.fanOut([
      { agent: 'echo', input: { text: 'a' } },
      { agent: 'broken', input: {} },
      { agent: 'echo-socket', input: { text: 'c' } },
    ]);
    expect(result).toMatchObject({ ok: false, required: 3, succeeded: 2, failed: 1 });
    expect(result.results.map((branch) => branch.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failure = result.results[1]!;
    expect(failure.status === 'rejected' && isAgentError(failure.error)).toBe(true);
  });

  it('"firstSuccess" answers with the fastest success and cancels the rest', async () => {
    const started = performance.now();
    const result = await client.fanOut(
      [
        { agent: 'slow', input: { ms: 3000 } },
        { agent: 'broken', input: {} },
        { agent: 'echo', input: { text: 'fast' } },
      ],
      { strategy: 'firstSuccess' },
    );
    expect(performance.now() - started).toBeLessThan(1500);
    expect(result.ok).toBe(true);
    expect(result.results[2]).toMatchObject({ status: 'fulfilled' });
    expect(result.results[0]).toMatchObject({ status: 'cancelled' });
  });

  it('"majority" and quorum succeed with enough successes and fail when too many branches failed', async () => {
    const majority = await client.fanOut(
      [
        { agent: 'echo', input: { text: '1' } },
        { agent: 'echo-socket', input: { text: '2' } },
        { agent: 'broken', input: {} },
      ],
      { strategy: 'majority' },
    );
    expect(majority).toMatchObject({ ok: true, required: 2, succeeded: 2 });
    const quorum = await client.fanOut(
      [
        { agent: 'broken', input: {} },
        { agent: 'broken', input: {} },
        { agent: 'echo', input: { text: 'x' } },
      ],
      { strategy: { quorum: 2 } },
    );
    expect(quorum).toMatchObject({ ok: false, required: 2 });
  });
});

describe('pipeline', () => {
  it('feeds each output into the next step', async () => {
    const result = await client.pipeline(
      [
        { agent: 'echo', map: (text) => ({ text }) },
        { agent: 'slow', map: (previous) => ({ ms: (previous as { text: string }).text.length }) },
      ],
      'twelve chars',
    );
    expect(result.steps.map((step) => step.agent)).toEqual(['echo', 'slow']);
    expect((result.output as { slept_ms: number }).slept_ms).toBeGreaterThanOrEqual(10);
  });
});
