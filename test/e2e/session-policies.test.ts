/**
 * Two turns sent at once on one session, under each policy, against real
 * sidecar processes and a fake model that streams a token every 10 ms:
 * `reject` answers 409 at once and leaves the first turn alone, `enqueue`
 * runs them one after the other, `interrupt` cancels the first (its model
 * connection closed) and runs the second, `rollback` also removes what the
 * first had written. The history never holds two turns interleaved.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createClient, isSquireError } from '@squire/client';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { REPO_ROOT, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

const CONVERSATIONAL = join(REPO_ROOT, 'test/fixtures/agents/conversational.ts');
const DIARIST = join(REPO_ROOT, 'test/fixtures/agents/diarist.ts');
/** 100 tokens, one every 10 ms: about a second of streaming. */
const LONG_ANSWER = { kind: 'text' as const, content: 'tok '.repeat(100).trim(), chunks: 100 };

let model: OpenAiTestServer | undefined;
afterEach(async () => {
  await stopAllSidecars();
  await model?.close();
  model = undefined;
});
afterAll(stopAllSidecars);

async function conversational(onBusy?: string) {
  model = await startOpenAiTestServer({ chunkDelayMs: 10 });
  const sidecar = await startSidecar({ agent: CONVERSATIONAL, env: { OPENAI_BASE_URL: model.baseURL, SQUIRE_TEST_ON_BUSY: onBusy } });
  return { sidecar, model };
}

const say = (url: string, text: string, sessionId: string, extra: Record<string, unknown> = {}) =>
  http(url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { text }, session_id: sessionId, ...extra }) });

const history = async (url: string, sessionId: string) =>
  ((await http(url, `/v1/sessions/${sessionId}`)).json as { messages: Array<{ role: string; content: string }> }).messages.map((message) => `${message.role}: ${message.content}`);

/** Resolves once the model has streamed a while on its `count`-th call. */
async function whileStreaming(fake: OpenAiTestServer, count = 1): Promise<void> {
  await expect.poll(() => fake.calls, { timeout: 10_000 }).toBe(count);
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('per-session policies when two turns arrive at once', () => {
  it('reject (the agent policy): the second answers 409 session_busy at once; the first finishes and the history holds its 2 messages', async () => {
    const { sidecar, model } = await conversational('reject');
    model.script(LONG_ANSWER);
    const first = say(sidecar.url, 'first', 'r');
    await whileStreaming(model);
    const sent = performance.now();
    const second = await say(sidecar.url, 'second', 'r');
    const latencyMs = performance.now() - sent;
    expect(second.status).toBe(409);
    expect(second.json).toMatchObject({ code: 'session_busy', retryable: false });
    expect((await first).status).toBe(200);
    expect(model.calls).toBe(1);
    expect(model.disconnects).toBe(0);
    expect(await history(sidecar.url, 'r')).toEqual(['user: first', `assistant: ${LONG_ANSWER.content}`]);
    console.log(`reject: 409 session_busy after ${latencyMs.toFixed(1)} ms; 2 messages in history`);
  });

  it('enqueue (the default): the second waits its turn and sees the first turn; a full queue answers 429 session_queue_full', async () => {
    model = await startOpenAiTestServer({ chunkDelayMs: 10 });
    const sidecar = await startSidecar({ agent: CONVERSATIONAL, env: { OPENAI_BASE_URL: model.baseURL }, args: ['--session-queue-max', '1'] });
    model.script(LONG_ANSWER, { kind: 'text', content: 'second answer' });
    const first = say(sidecar.url, 'first', 'e');
    await whileStreaming(model);
    const second = say(sidecar.url, 'second', 'e');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const third = await say(sidecar.url, 'third', 'e');
    expect(third.status).toBe(429);
    expect(third.json.code).toBe('session_queue_full');
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    expect(model.requests[1]!.body.messages.filter((message) => message.role === 'user').map((message) => message.content)).toEqual(['first', 'second']);
    expect(await history(sidecar.url, 'e')).toEqual(['user: first', `assistant: ${LONG_ANSWER.content}`, 'user: second', 'assistant: second answer']);
  });

  it('interrupt (per request): the first ends cancelled, the model sees its connection closed, the second runs on a history without it', async () => {
    const { sidecar, model } = await conversational('reject');
    model.script(LONG_ANSWER, { kind: 'text', content: 'second answer' });
    const first = say(sidecar.url, 'first', 'i');
    await whileStreaming(model);
    const sent = Date.now();
    const second = say(sidecar.url, 'second', 'i', { on_busy: 'interrupt' });
    const cancelled = await first;
    expect(cancelled.status).toBe(409);
    expect(cancelled.json.code).toBe('cancelled');
    expect((await second).status).toBe(200);
    expect(model.disconnects).toBe(1);
    const closedAfterMs = model.disconnectedAt[0]! - sent;
    expect(model.calls).toBe(2);
    expect(model.requests[1]!.body.messages.filter((message) => message.role === 'user').map((message) => message.content)).toEqual(['second']);
    expect(await history(sidecar.url, 'i')).toEqual(['user: second', 'assistant: second answer']);
    console.log(`interrupt: first run cancelled, model connection closed ${closedAfterMs} ms after the second turn was sent`);
  });

  it('interrupt through the Squire-On-Busy header and the SDK onBusy option', async () => {
    const { sidecar, model } = await conversational('enqueue');
    model.script(LONG_ANSWER, LONG_ANSWER);
    const client = createClient({ sidecars: { talk: sidecar.url }, timeoutMs: 10_000, maxRetries: 0 });
    try {
      const first = http(sidecar.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { text: 'first' }, session_id: 'h' }) });
      await whileStreaming(model);
      const second = http(sidecar.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json', 'squire-on-busy': 'interrupt' }, body: JSON.stringify({ input: { text: 'second' }, session_id: 'h' }) });
      expect((await first).json.code).toBe('cancelled');
      await whileStreaming(model, 2);
      const refused = await client.agent('talk').invoke({ text: 'third' }, { sessionId: 'h', onBusy: 'reject' }).catch((error: unknown) => error);
      expect(isSquireError(refused) && refused.code).toBe('session_busy');
      expect((await second).status).toBe(200);
      const bad = await http(sidecar.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json', 'squire-on-busy': 'later' }, body: JSON.stringify({ input: { text: 'x' }, session_id: 'h' }) });
      expect(bad.status).toBe(400);
      expect(bad.json.code).toBe('invalid_request');
      expect(await history(sidecar.url, 'h')).toEqual(['user: second', `assistant: ${LONG_ANSWER.content}`]);
    } finally {
      await client.close();
    }
  });

  it('rollback removes what the interrupted run had written; interrupt keeps it but adds nothing more', async () => {
    const sidecar = await startSidecar({ agent: DIARIST });
    const write = (text: string, sessionId: string, onBusy?: string) =>
      http(sidecar.url, '/v1/invoke', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { text, ms: onBusy ? 0 : 5000 }, session_id: sessionId, ...(onBusy && { on_busy: onBusy }) }),
      });
    for (const [sessionId, policy] of [['rb', 'rollback'], ['int', 'interrupt']] as const) {
      expect((await write('kept', sessionId, 'enqueue')).status).toBe(200);
      const slow = write('half', sessionId);
      await expect.poll(async () => (await history(sidecar.url, sessionId)).length).toBe(3);
      const newer = await write('newer', sessionId, policy);
      expect(newer.status).toBe(200);
      expect((await slow).json.code).toBe('cancelled');
    }
    expect(await history(sidecar.url, 'rb')).toEqual(['user: kept', 'assistant: noted: kept', 'user: newer', 'assistant: noted: newer']);
    expect(await history(sidecar.url, 'int')).toEqual(['user: kept', 'assistant: noted: kept', 'user: half', 'user: newer', 'assistant: noted: newer']);
    const background = await http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { text: 'x' }, session_id: 'rb', on_busy: 'reject' }) });
    expect(background.status).toBe(400);
  });
});
