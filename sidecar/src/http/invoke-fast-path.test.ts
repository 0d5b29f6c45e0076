import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../agent/define-agent.js';
import { fastPathOf } from '../app.js';
import { listen, type Listening } from '../server.js';
import { buildTestSidecar } from '../testing/build-test-sidecar.js';
import type { Sidecar } from '../sidecar.js';

const TOKEN = 'fast-path-token-0123456789';
const upper = defineAgent({
  name: 'upper',
  version: '1.0.0',
  input: z.object({ text: z.string() }),
  output: z.object({ text: z.string() }),
  run: ({ input }) => {
    if (input.text === 'throw') throw new Error('boom');
    return { text: input.text.toUpperCase() };
  },
});

let sidecar: Sidecar;
let server: Listening;
/** Requests the fast path answered (the rest went to the app). */
let fastAnswers = 0;

beforeAll(async () => {
  sidecar = buildTestSidecar(upper, { args: ['--token', TOKEN, '--max-body', '1024'] });
  const fast = fastPathOf(sidecar.app);
  expect(fast).toBeDefined();
  server = await listen(sidecar.app, {
    host: '127.0.0.1',
    port: 0,
    keepAliveTimeoutMs: 5000,
    headersTimeoutMs: 5000,
    requestTimeoutMs: 5000,
    fastPath: (req, res) => {
      const answered = fast!(req, res);
      if (answered) fastAnswers += 1;
      return answered;
    },
  });
});

afterAll(async () => {
  await server.close();
  await sidecar.close();
});

const invoke = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.address}/v1/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function requestCount(status: number): Promise<number> {
  const text = await sidecar.metrics.registry.getSingleMetricAsString('squire_http_requests_total');
  const line = text.split('\n').find((each) => each.includes('route="/v1/invoke"') && each.includes('method="POST"') && each.includes(`status="${status}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Runs `call`, returning what it returned, how many requests the fast path answered and how many samples `status` gained. */
async function counted<T>(status: number, call: () => Promise<T>): Promise<{ result: T; fast: number; samples: number }> {
  const fastBefore = fastAnswers;
  const samplesBefore = await requestCount(status);
  const result = await call();
  return { result, fast: fastAnswers - fastBefore, samples: (await requestCount(status)) - samplesBefore };
}

describe('the invoke fast path', () => {
  it('answers a plain invoke as the app does: body, run id, request id, one metrics sample', async () => {
    const { result: response, fast, samples } = await counted(200, () => invoke({ input: { text: 'abc' } }, { 'x-request-id': 'req-1' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-request-id')).toBe('req-1');
    const body = (await response.json()) as { run_id: string };
    expect(body).toMatchObject({ status: 'succeeded', output: { text: 'ABC' }, attempt: 1 });
    expect(response.headers.get('squire-run-id')).toBe(body.run_id);
    expect([fast, samples]).toEqual([1, 1]);

    // The same call through the app (an in-process request never reaches the fast path) answers the same shape.
    const viaApp = await sidecar.app.request('/v1/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, host: 'localhost' },
      body: JSON.stringify({ input: { text: 'abc' } }),
    });
    expect(Object.keys((await viaApp.json()) as object).sort()).toEqual(Object.keys(body).sort());
  });

  it('takes the envelope with session and metadata too', async () => {
    const { result: response, fast } = await counted(200, () => invoke({ input: { text: 'x' }, metadata: { a: 'b' } }));
    expect(response.status).toBe(200);
    expect(fast).toBe(1);
  });

  it('leaves a refused request to the app: 401 problem+json, counted once', async () => {
    const { result: response, fast, samples } = await counted(401, () => invoke({ input: { text: 'abc' } }, { authorization: 'Bearer wrong-token-0123456789' }));
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'unauthorized' });
    expect([fast, samples]).toEqual([0, 1]);
  });

  it('answers its own errors as problem+json with the request id: invalid input, invalid JSON, too large, agent error', async () => {
    const invalid = await counted(400, () => invoke({ input: { text: 42 } }, { 'x-request-id': 'req-2' }));
    expect(invalid.result.status).toBe(400);
    expect(invalid.result.headers.get('x-request-id')).toBe('req-2');
    expect(await invalid.result.json()).toMatchObject({ code: 'invalid_input', retryable: false });
    expect([invalid.fast, invalid.samples]).toEqual([1, 1]);

    const garbled = await invoke('{"input":');
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ code: 'invalid_json' });

    const large = await invoke({ input: { text: 'x'.repeat(2000) } });
    expect(large.status).toBe(413);
    expect(large.headers.get('connection')).toBe('close');
    expect(await large.json()).toMatchObject({ code: 'body_too_large' });

    const failed = await invoke({ input: { text: 'throw' } });
    expect(failed.status).toBe(500);
    const problem = (await failed.json()) as { code: string; run_id: string };
    expect(problem.code).toBe('agent_error');
    expect(failed.headers.get('squire-run-id')).toBe(problem.run_id);
  });

  it('answers a keyed call through the ledger: one run, the replay marked, a bad key refused', async () => {
    const first = await counted(200, () => invoke({ input: { text: 'k' } }, { 'idempotency-key': 'key-fast-path-1' }));
    const replay = await counted(200, () => invoke({ input: { text: 'k' } }, { 'idempotency-key': 'key-fast-path-1', 'x-request-id': 'req-replay' }));
    const firstBody = (await first.result.json()) as { run_id: string };
    expect(await replay.result.json()).toEqual(firstBody);
    expect(first.result.headers.get('squire-run-id')).toBe(firstBody.run_id);
    expect(replay.result.headers.get('squire-run-id')).toBe(firstBody.run_id);
    expect(replay.result.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.result.headers.get('x-request-id')).toBe('req-replay');
    expect([first.fast, replay.fast, first.samples, replay.samples]).toEqual([1, 1, 1, 1]);

    const conflict = await invoke({ input: { text: 'other' } }, { 'idempotency-key': 'key-fast-path-1' });
    expect(conflict.status).toBe(422);
    // As on the app's path: no run id for a call that started no run.
    expect(conflict.headers.get('squire-run-id')).toBeNull();
    const badKey = await invoke({ input: { text: 'k' } }, { 'idempotency-key': 'has spaces' });
    expect(badKey.status).toBe(400);
    expect(await badKey.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('leaves streamed and non-JSON calls to the app', async () => {
    const streamed = await counted(200, () => invoke({ input: { text: 'a' } }, { accept: 'text/event-stream' }));
    await streamed.result.text();
    const text = await counted(415, () => invoke('hello', { 'content-type': 'text/plain' }));
    expect([streamed.result.status, text.result.status]).toEqual([200, 415]);
    expect([streamed.fast, text.fast]).toEqual([0, 0]);
  });

  it('leaves everything to the app while draining', async () => {
    sidecar.lifecycle.startDrain();
    const { result: response, fast } = await counted(503, () => invoke({ input: { text: 'abc' } }));
    expect(response.status).toBe(503);
    expect(response.headers.get('connection')).toBe('close');
    expect(fast).toBe(0);
  });
});
