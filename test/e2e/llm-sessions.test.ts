/**
 * Session memory: turns carried across invokes and across a restart, the
 * window limits, GET and DELETE, and concurrent invokes on one session
 * taking turns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionSchema } from '@squire/client/contract';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

let model: OpenAiTestServer;
beforeAll(async () => {
  model = await startOpenAiTestServer({ fallback: { kind: 'text', content: JSON.stringify({ answer: 'noted', city: null, temperature_c: null }) } });
});
afterAll(async () => {
  await stopAllSidecars();
  await model.close();
});

const ask = (url: string, question: string, sessionId: string, headers: Record<string, string> = {}) =>
  http(url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ input: { question }, session_id: sessionId }) });

const userTurnsSent = (index: number) => model.requests[index]!.body.messages.filter((message) => message.role === 'user').map((message) => message.content);

describe('session memory', () => {
  it('loads prior turns into the next invoke, also after a restart on the same data dir', async () => {
    const first = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL } });
    model.requests.length = 0;
    expect((await ask(first.url, 'my name is Ada', 's-1')).status).toBe(200);
    expect((await ask(first.url, 'what is my name?', 's-1')).status).toBe(200);
    expect(userTurnsSent(1)).toEqual(['my name is Ada', 'what is my name?']);
    expect(await first.stop()).toBe(0);

    const second = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL }, dataDir: first.dataDir });
    model.requests.length = 0;
    await ask(second.url, 'still there?', 's-1');
    expect(userTurnsSent(0)).toEqual(['my name is Ada', 'what is my name?', 'still there?']);

    const stored = SessionSchema.parse((await http(second.url, '/v1/sessions/s-1')).json);
    expect(stored.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    expect((await http(second.url, '/v1/sessions/s-1', { method: 'DELETE' })).status).toBe(204);
    expect((await http(second.url, '/v1/sessions/s-1', { method: 'DELETE' })).status).toBe(204);
    expect((await http(second.url, '/v1/sessions/s-1')).json.code).toBe('not_found');
    await second.stop();
  });

  it('loads only the window: the last N messages', async () => {
    const sidecar = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL }, args: ['--session-max-messages', '2'] });
    for (const question of ['one', 'two', 'three']) await ask(sidecar.url, question, 'win');
    model.requests.length = 0;
    await ask(sidecar.url, 'four', 'win');
    expect(userTurnsSent(0)).toEqual(['three', 'four']);
    await sidecar.stop();
  });

  it('keeps sessions apart and rejects a malformed session id', async () => {
    const sidecar = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL } });
    await ask(sidecar.url, 'alpha', 'a');
    model.requests.length = 0;
    await ask(sidecar.url, 'beta', 'b');
    expect(userTurnsSent(0)).toEqual(['beta']);
    const bad = await ask(sidecar.url, 'x', 'not ok/../id');
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('invalid_request');
    await sidecar.stop();
  });

  it('runs concurrent invokes on one session one after the other', async () => {
    const sidecar = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL } });
    model.requests.length = 0;
    model.script({ kind: 'hang', ms: 400, then: { kind: 'text', content: JSON.stringify({ answer: 'first', city: null, temperature_c: null }) } });
    const first = ask(sidecar.url, 'first question', 'shared');
    await expect.poll(() => model.requests.length, { timeout: 5000 }).toBe(1);
    const second = ask(sidecar.url, 'second question', 'shared');
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // The second saw the first's finished turns: it waited instead of interleaving.
    expect(userTurnsSent(1)).toEqual(['first question', 'second question']);
    const stored = (await http(sidecar.url, '/v1/sessions/shared')).json;
    expect(stored.messages.map((message: { content: string }) => message.content)).toEqual([
      'first question',
      JSON.stringify({ answer: 'first', city: null, temperature_c: null }),
      'second question',
      JSON.stringify({ answer: 'noted', city: null, temperature_c: null }),
    ]);
    await sidecar.stop();
  });
});
