/**
 * Issue 17: one call's budget spans SDK → sidecar → model. A failing model
 * gets at most 3 requests per SDK call with default settings (it got 9: 3
 * SDK attempts × 3 openai-SDK attempts), whatever the mix of client and
 * sidecar retry settings; a rate limit longer than what the call can wait
 * surfaces at once as `RateLimitedError` (it was slept into the deadline);
 * after a hung model the SDK does not start a hopeless attempt with the
 * few milliseconds left. Real sidecar processes, the real openai SDK inside
 * them, a fake model over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, isRateLimitedError, isTimeoutError, isUpstreamError, type SquireClient, type SquireError } from '@squire/client';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { invoke } from '../helpers/http.js';

const ANSWER = { kind: 'text', content: JSON.stringify({ answer: 'ok', city: null, temperature_c: null }) } as const;
// `retry-after-ms: 1` keeps retries quick; the counts are what is asserted.
const FAILING = { kind: 'error', status: 500, retryAfterMs: 1 } as const;

let model: OpenAiTestServer;
const clients: SquireClient[] = [];
const client = (url: string, options: Record<string, unknown> = {}) => {
  const created = createClient({ sidecars: { assistant: url }, ...options });
  clients.push(created);
  return created.agent('assistant');
};
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as SquireError);

beforeAll(async () => {
  model = await startOpenAiTestServer({ fallback: FAILING });
});
afterAll(async () => {
  await Promise.all(clients.map((created) => created.close()));
  await stopAllSidecars();
  await model.close();
});

describe('a failing model', () => {
  let defaults: RunningSidecar;
  let generous: RunningSidecar;
  let none: RunningSidecar;
  beforeAll(async () => {
    [defaults, generous, none] = await Promise.all([
      startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL } }),
      startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL }, args: ['--llm-max-retries', '5'] }),
      startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL }, args: ['--llm-max-retries', '0'] }),
    ]);
  });

  const requestsFor = async (call: () => Promise<unknown>) => {
    const before = model.requests.length;
    const error = await failure(call());
    return { requests: model.requests.length - before, error };
  };

  it('gets at most 3 requests per failing SDK call, whatever the mix of retry settings', async () => {
    const mixes = [
      { name: 'SDK defaults, sidecar defaults', call: () => client(defaults.url).invoke({ question: 'a' }), expected: 3 },
      { name: 'SDK maxRetries 5, sidecar defaults', call: () => client(defaults.url, { maxRetries: 5 }).invoke({ question: 'b' }), expected: 3 },
      { name: 'SDK defaults, sidecar --llm-max-retries 5', call: () => client(generous.url).invoke({ question: 'c' }), expected: 3 },
      { name: 'SDK defaults, sidecar --llm-max-retries 0', call: () => client(none.url).invoke({ question: 'd' }), expected: 1 },
      { name: 'SDK maxRetries 0, sidecar defaults', call: () => client(defaults.url, { maxRetries: 0 }).invoke({ question: 'e' }), expected: 1 },
      { name: 'SDK stream, sidecar defaults', call: () => client(defaults.url).stream({ question: 'f' }).result(), expected: 3 },
    ];
    const seen: string[] = [];
    for (const mix of mixes) {
      const { requests, error } = await requestsFor(mix.call);
      seen.push(`${mix.name}: ${requests} model requests`);
      expect(isUpstreamError(error), mix.name).toBe(true);
      expect(requests, mix.name).toBe(mix.expected);
    }
    console.log(`model requests per failing SDK call:\n  ${seen.join('\n  ')}`);
  });

  it('retries in place: the caller gets the answer when a retry succeeds, after one SDK attempt', async () => {
    const before = model.requests.length;
    model.script(FAILING, ANSWER);
    const result = await client(defaults.url).invoke({ question: 'flaky' });
    expect(result.output).toMatchObject({ answer: 'ok' });
    expect(model.requests.length - before).toBe(2);
  });

  it('keeps --llm-max-retries for callers that send no Squire-Max-Retries (curl, other clients)', async () => {
    const before = model.requests.length;
    const response = await invoke(defaults.url, { question: 'raw' });
    expect(response.status).toBe(502);
    expect(response.json).toMatchObject({ code: 'upstream_error' });
    expect(model.requests.length - before).toBe(3);
  });

  it('answers 400 to a malformed Squire-Max-Retries', async () => {
    const response = await invoke(defaults.url, { question: 'x' }, { headers: { 'squire-max-retries': 'many' } });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ code: 'invalid_request' });
  });
});

describe('a rate-limiting model', () => {
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL } });
  });

  it('surfaces a Retry-After longer than the call can wait at once, as RateLimitedError with retryAfterMs', async () => {
    const agent = client(sidecar.url);
    model.script(ANSWER);
    await agent.invoke({ question: 'warm the connection up' });
    for (const timeoutMs of [5_000, 30_000]) {
      const before = model.requests.length;
      model.script({ kind: 'error', status: 429, retryAfter: 7 });
      const error = await failure(agent.invoke({ question: 'busy' }, { timeoutMs }));
      const surfacedAfterMs = Date.now() - model.requests.at(-1)!.receivedAt;
      console.log(`rate limit (Retry-After 7 s, budget ${timeoutMs} ms): RateLimitedError ${surfacedAfterMs} ms after the model's 429`);
      expect(isRateLimitedError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 7000, attempts: 1 });
      expect(model.requests.length - before).toBe(1);
      // Not slept: far less than the 7 s the model asked for.
      expect(surfacedAfterMs).toBeLessThan(3500);
    }
  });

  it('waits out a short Retry-After that fits in the budget, once, inside the sidecar', async () => {
    const before = model.requests.length;
    model.script({ kind: 'error', status: 429, retryAfter: 1 }, ANSWER);
    const result = await client(sidecar.url).invoke({ question: 'briefly busy' });
    expect(result.output).toMatchObject({ answer: 'ok' });
    expect(model.requests.length - before).toBe(2);
  });
});

describe('a hung model', () => {
  it('closes the model request at the deadline and starts no hopeless attempt after it', async () => {
    const sidecar = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL } });
    const before = model.requests.length;
    const disconnects = model.disconnects;
    model.script({ kind: 'hang' });
    // A 1 ms backoff: the old client always retried, with the ~100 ms it had kept back.
    const error = await failure(client(sidecar.url, { timeoutMs: 2000, backoffBaseMs: 1, backoffMaxMs: 1 }).invoke({ question: 'hang' }));
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'deadline_exceeded', attempts: 1 });
    // The cause is the last real failure: the sidecar's 504.
    expect(error!.cause).toMatchObject({ code: 'deadline_exceeded', status: 504 });
    expect(model.requests.length - before).toBe(1);
    await expect.poll(() => model.disconnects, { timeout: 5000 }).toBe(disconnects + 1);
  });
});
