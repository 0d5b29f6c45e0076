/**
 * OpenAI-compatible chat completions against real sidecar processes with
 * the `openai` npm client: JSON and streamed answers, the token as the API
 * key, deadlines, an LLM agent taking a conversation as it is, and bad
 * input answered in OpenAI's error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http, metricValue } from '../helpers/http.js';

const TOKEN = 'openai-test-token-0123456789';
let slow: RunningSidecar;
let assistant: RunningSidecar;
let counting: RunningSidecar;

beforeAll(async () => {
  [slow, assistant, counting] = await Promise.all([
    startSidecar({ agent: 'slow', args: ['--token', TOKEN, '--max-body', '4kb'] }),
    startSidecar({ agent: 'assistant', args: ['--token', TOKEN] }),
    startSidecar({ agent: 'test/fixtures/agents/counting.ts', args: ['--token', TOKEN] }),
  ]);
});
afterAll(async () => {
  await Promise.all([slow?.stop(), assistant?.stop(), counting?.stop()]);
  await stopAllSidecars();
});

const openai = (sidecar: RunningSidecar, options: ConstructorParameters<typeof OpenAI>[0] = {}) =>
  new OpenAI({ baseURL: `${sidecar.url}/v1`, apiKey: TOKEN, maxRetries: 0, ...options });

describe('chat completions with the openai client', () => {
  it('lists the agent as the one model', async () => {
    const models = await openai(slow).models.list();
    expect(models.data.map((model) => model.id)).toEqual(['slow']);
    expect((await openai(slow).models.retrieve('slow')).id).toBe('slow');
  });

  it('answers a function agent through its fromChat mapping, as JSON', async () => {
    const completion = await openai(slow).chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: '{"ms": 5}' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(JSON.parse(completion.choices[0]!.message.content!)).toMatchObject({ attempt: 1 });
    expect(completion.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('streams an LLM agent: deltas as chunks, usage, then [DONE]; the model sees the conversation as it is', async () => {
    const stream = await openai(assistant).chat.completions.create({
      model: 'assistant',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is the weather in Paris?' },
      ],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(finish).toBe('stop');
    expect(JSON.parse(text)).toMatchObject({ city: 'Paris', temperature_c: 14 });
    expect(usage!.total_tokens).toBeGreaterThan(0);
    expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
  });

  it('keeps a session named by the user field', async () => {
    const client = openai(assistant);
    await client.chat.completions.create({ model: 'assistant', user: 'chat-session-1', messages: [{ role: 'user', content: 'What is 2+2?' }] });
    const session = await http(assistant.url, '/v1/sessions/chat-session-1', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(session.json.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
  });

  it('stops at the deadline: 504 deadline_exceeded in OpenAI shape', async () => {
    const call = openai(slow).chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: '{"ms": 10000}' }] }, { headers: { 'Squire-Timeout-Ms': '200' } });
    await expect(call).rejects.toMatchObject({ status: 504, code: 'deadline_exceeded', type: 'server_error' });
  });

  it('a client-side timeout aborts the run', async () => {
    const before = metricValue((await http(slow.url, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).text, 'squire_runs_total', { status: 'cancelled' });
    const call = openai(slow, { timeout: 200 }).chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: '{"ms": 10000}' }] });
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const until = Date.now() + 5000;
    let after = before;
    while (after === before && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      after = metricValue((await http(slow.url, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).text, 'squire_runs_total', { status: 'cancelled' });
    }
    expect(after).toBe(before + 1);
  });

  it('answers bad input in OpenAI shape: wrong token, unknown model, no fromChat, bad messages', async () => {
    await expect(openai(slow, { apiKey: 'wrong-token-0123456789' }).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(openai(slow).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(openai(counting).chat.completions.create({ model: 'counting', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_input',
      message: expect.stringMatching(/fromChat/),
    });
    await expect(openai(slow).chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'not json' }] })).rejects.toMatchObject({ status: 400, code: 'invalid_input' });
    await expect(openai(slow).chat.completions.create({ model: 'slow', messages: [] })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('raw bad input: malformed JSON, oversized body, foreign Origin, wrong method', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      http(slow.url, '/v1/chat/completions', { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers } });
    expect(await post('{"model":')).toMatchObject({ status: 400, json: { error: { code: 'invalid_json', type: 'invalid_request_error' } } });
    expect(await post(JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'x'.repeat(8000) }] }))).toMatchObject({ status: 413, json: { error: { code: 'body_too_large' } } });
    expect(await post(JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: '{"ms":1}' }] }), { origin: 'https://evil.example' })).toMatchObject({ status: 403, json: { error: { type: 'permission_error' } } });
    const get = await http(slow.url, '/v1/chat/completions', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get).toMatchObject({ status: 405, json: { error: { code: 'method_not_allowed' } } });
  });
});
