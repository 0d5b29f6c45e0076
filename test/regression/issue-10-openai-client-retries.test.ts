/**
 * Issue #10, follow-up: the official `openai` client retries every 408,
 * 409, 429 and 5xx twice by default. Behind the OpenAI-chat facade that
 * multiplied the sidecar's own model retries (3 client requests × 3 model
 * requests = 9 for one failing call) and repeated answers no retry can fix
 * (an agent's error). The facade now answers `x-should-retry: false` on
 * those, and the client sends each call once. Counted with the real
 * `openai` package and a scripted model server.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

let model: OpenAiTestServer;
let assistant: RunningSidecar;
let throwing: RunningSidecar;
let slow: RunningSidecar;

beforeAll(async () => {
  model = await startOpenAiTestServer({ fallback: { kind: 'error', status: 500, retryAfterMs: 1 } });
  [assistant, throwing, slow] = await Promise.all([
    startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL } }),
    startSidecar({ agent: join(REPO_ROOT, 'test/fixtures/agents/throwing.ts') }),
    startSidecar({ agent: 'slow', args: ['--slots', '1', '--queue-max', '0'] }),
  ]);
});
afterAll(async () => {
  await stopAllSidecars();
  await model.close();
});

/** An `openai` client with its default retries (2), counting the HTTP requests it sends. */
function countingClient(sidecar: RunningSidecar, headers: Record<string, string> = {}) {
  const sent = { requests: 0 };
  const client = new OpenAI({
    baseURL: `${sidecar.url}/v1`,
    apiKey: 'unused',
    defaultHeaders: headers,
    fetch: (input, init) => {
      sent.requests += 1;
      return fetch(input, init);
    },
  });
  return { client, sent };
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as InstanceType<typeof OpenAI.APIError>);

describe('the openai client sends each failing call once', () => {
  it('upstream_error after the sidecar retried the model: 1 request to the sidecar, 3 to the model', async () => {
    const { client, sent } = countingClient(assistant);
    const before = model.requests.length;
    const error = await failure(client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }));
    const modelRequests = model.requests.length - before;
    console.log(`upstream_error: ${sent.requests} client request(s), ${modelRequests} model request(s)`);
    expect(error?.status).toBe(502);
    expect((error?.error as { code?: string } | undefined)?.code).toBe('upstream_error');
    expect(sent.requests).toBe(1);
    // 1 + --llm-max-retries (2): the sidecar's retries, not multiplied by the client's.
    expect(modelRequests).toBe(3);
  });

  it('rate_limited by the model: 1 request, RateLimitError with the Retry-After passed on', async () => {
    model.script({ kind: 'error', status: 429, retryAfter: 3600 });
    const { client, sent } = countingClient(assistant);
    const error = await failure(client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error?.error as { code?: string } | undefined)?.code).toBe('rate_limited');
    expect(error?.headers?.get('retry-after')).toBe('3600');
    expect(sent.requests).toBe(1);
  });

  it.each([
    ['without', {}],
    ['with', { 'Idempotency-Key': `openai-retries-${Date.now()}` }],
  ])("agent_error (a 500 no retry fixes), %s an Idempotency-Key: 1 request", async (_with, headers) => {
    const { client, sent } = countingClient(throwing, headers);
    const error = await failure(client.chat.completions.create({ model: 'throwing', messages: [{ role: 'user', content: 'leak' }] }));
    expect(error?.status).toBe(500);
    expect((error?.error as { code?: string } | undefined)?.code).toBe('agent_error');
    expect(error?.headers?.get('x-should-retry')).toBe('false');
    expect(sent.requests).toBe(1);
  });
});

describe('answers a retry can fix keep the client retrying', () => {
  it('429 overloaded carries no x-should-retry', async () => {
    const busy = http(slow.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 1500 } }) });
    let overloaded;
    for (let i = 0; i < 50; i += 1) {
      overloaded = await http(slow.url, '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: '{"ms": 1}' }] }) });
      if (overloaded.status === 429) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(overloaded?.status).toBe(429);
    expect(overloaded?.json.error.code).toBe('overloaded');
    expect(overloaded?.headers['x-should-retry']).toBeUndefined();
    expect((await busy).status).toBe(200);
  });
});
