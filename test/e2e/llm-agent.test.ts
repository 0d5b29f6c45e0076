/**
 * LLM agents end to end: the example assistant on the built-in offline
 * model, and the same agent through the real `openai` SDK against an
 * OpenAI-compatible test server (JSON and SSE wire format): tool loop,
 * structured output, streaming, upstream errors, deadlines, retries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, isUpstreamError, type RunEvent } from '@squire/client';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import type assistantAgent from '@squire/example-agents/assistant';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http, invoke, metricValue } from '../helpers/http.js';

afterAll(stopAllSidecars);

describe('offline model', () => {
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar({ agent: 'assistant' });
  });

  it('says in its descriptor and its log that the offline model answers', async () => {
    const descriptor = (await http(sidecar.url, '/v1/agent')).json;
    expect(descriptor.model_provider).toEqual({ kind: 'offline', model: 'squire-offline-1', base_url: null });
    expect(descriptor.capabilities).toMatchObject({ llm: true, tools: ['get_weather'] });
    expect(sidecar.logs()).toContain('built-in offline model');
  });

  it('calls the tool and fills the output schema, deterministically', async () => {
    const first = await invoke(sidecar.url, { question: 'What is the weather in Paris?' });
    expect(first.status).toBe(200);
    expect(first.json.output).toMatchObject({ city: 'Paris', temperature_c: 14 });
    expect(typeof first.json.output.answer).toBe('string');
    expect(first.json.usage.llm_calls).toBe(2);
    const second = await invoke(sidecar.url, { question: 'What is the weather in Paris?' });
    expect(second.json.output).toEqual(first.json.output);
  });

  it('streams tool call, tool result and deltas, with increasing ids', async () => {
    const client = createClient({ sidecars: { assistant: sidecar.url } });
    const events: RunEvent[] = [];
    for await (const event of client.agent<typeof assistantAgent>('assistant').stream({ question: 'Weather in Tokyo?' })) events.push(event);
    await client.close();
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('run.started');
    expect(types.slice(1, 3)).toEqual(['run.tool_call', 'run.tool_result']);
    expect(types.filter((type) => type === 'run.delta').length).toBeGreaterThan(1);
    expect(types.at(-1)).toBe('run.completed');
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const call = events[1]!;
    expect(call.type === 'run.tool_call' && call.arguments).toEqual({ city: 'Tokyo' });
  });
});

describe('through the openai SDK and an OpenAI-compatible server', () => {
  let model: OpenAiTestServer;
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    model = await startOpenAiTestServer();
    sidecar = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'sk-test-secret' }, args: ['--llm-max-retries', '0', '--model', 'test-model'] });
  });
  afterAll(async () => {
    await model?.close();
  });

  it('runs the tool loop and validates the structured output', async () => {
    model.requests.length = 0;
    model.script(
      { kind: 'tool_calls', calls: [{ name: 'get_weather', arguments: { city: 'Lagos' } }] },
      { kind: 'text', content: JSON.stringify({ answer: 'It is 31 °C in Lagos.', city: 'Lagos', temperature_c: 31 }) },
    );
    const response = await invoke(sidecar.url, { question: 'How warm is Lagos?' }, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(response.status).toBe(200);
    expect(response.json.output).toEqual({ answer: 'It is 31 °C in Lagos.', city: 'Lagos', temperature_c: 31 });
    expect(response.json.usage.llm_calls).toBe(2);
    expect(response.json.usage.input_tokens).toBeGreaterThan(0);
    const [first, second] = model.requests;
    expect(first!.body).toMatchObject({ model: 'test-model', stream: true });
    expect(first!.body.tools).toHaveLength(1);
    expect((first!.body.response_format as { type: string }).type).toBe('json_schema');
    expect(first!.headers.authorization).toBe('Bearer sk-test-secret');
    expect(first!.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const toolMessage = second!.body.messages.find((message) => message.role === 'tool');
    expect(JSON.parse(String(toolMessage?.content))).toMatchObject({ city: 'Lagos', temperature_c: 31 });
    expect(sidecar.logs()).not.toContain('sk-test-secret');
  });

  it('feeds a tool error back to the model instead of failing the run', async () => {
    model.requests.length = 0;
    model.script(
      { kind: 'tool_calls', calls: [{ name: 'get_weather', arguments: { city: 'Atlantis' } }] },
      { kind: 'text', content: JSON.stringify({ answer: 'I have no data for Atlantis.', city: null, temperature_c: null }) },
    );
    const response = await invoke(sidecar.url, { question: 'Weather in Atlantis?' });
    expect(response.status).toBe(200);
    const toolMessage = model.requests[1]!.body.messages.find((message) => message.role === 'tool');
    expect(JSON.parse(String(toolMessage?.content))).toEqual({ error: 'no weather data for "Atlantis"' });
  });

  it('answers agent_error, not a crash, when the model returns malformed output', async () => {
    model.script({ kind: 'text', content: 'this is not json' });
    const response = await invoke(sidecar.url, { question: 'hello' });
    expect(response.status).toBe(500);
    expect(response.json.code).toBe('agent_error');
    model.script({ kind: 'text', content: JSON.stringify({ answer: 42 }) });
    const wrongShape = await invoke(sidecar.url, { question: 'hello' });
    expect(wrongShape.json).toMatchObject({ code: 'agent_error', status: 500 });
    expect(wrongShape.json.issues.length).toBeGreaterThan(0);
    expect((await http(sidecar.url, '/healthz')).status).toBe(200);
  });

  it('passes an upstream 429 on as 429 with its Retry-After, and an upstream 500 as 502', async () => {
    model.script({ kind: 'error', status: 429, retryAfter: 7 });
    const limited = await invoke(sidecar.url, { question: 'hello' });
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(limited.headers['retry-after']).toBe('7');
    model.script({ kind: 'error', status: 500 });
    const failed = await invoke(sidecar.url, { question: 'hello' });
    expect(failed.status).toBe(502);
    expect(failed.json.code).toBe('upstream_error');
    const client = createClient({ sidecars: { assistant: sidecar.url }, maxRetries: 0 });
    model.script({ kind: 'error', status: 503 });
    expect(isUpstreamError(await client.agent('assistant').invoke({ question: 'x' }).catch((e: unknown) => e))).toBe(true);
    await client.close();
  });

  it('aborts the upstream request at the deadline: the model server sees the connection close', async () => {
    const before = model.disconnects;
    model.script({ kind: 'hang' });
    const started = performance.now();
    const response = await invoke(sidecar.url, { question: 'slow one' }, { headers: { 'squire-timeout-ms': '300' } });
    expect(response.status).toBe(504);
    expect(performance.now() - started).toBeLessThan(3000);
    await expect.poll(() => model.disconnects, { timeout: 5000 }).toBe(before + 1);
  });

  it('aborts the upstream request when the caller goes away', async () => {
    const before = model.disconnects;
    model.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = invoke(sidecar.url, { question: 'abandoned' }, { signal: controller.signal }).catch(() => undefined);
    await expect.poll(() => model.requests.at(-1)?.body.messages.some((message) => message.content === 'abandoned'), { timeout: 5000 }).toBe(true);
    controller.abort();
    await pending;
    await expect.poll(() => model.disconnects, { timeout: 5000 }).toBe(before + 1);
  });
});

describe('model retries', () => {
  it("retries a failed model call within --llm-max-retries and the caller's retries, and counts it", async () => {
    const model = await startOpenAiTestServer();
    const sidecar = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL }, args: ['--llm-max-retries', '1'] });
    model.script({ kind: 'error', status: 500, retryAfterMs: 1 }, { kind: 'text', content: JSON.stringify({ answer: 'ok', city: null, temperature_c: null }) });
    const client = createClient({ sidecars: { assistant: sidecar.url } });
    const result = await client.agent<typeof assistantAgent>('assistant').invoke({ question: 'anything' });
    expect(result.output.answer).toBe('ok');
    expect(model.requests).toHaveLength(2);
    expect(metricValue((await http(sidecar.url, '/metrics')).text, 'squire_llm_retries_total')).toBe(1);
    // A caller that allows no retries gets none from the sidecar either: one model request.
    model.script({ kind: 'error', status: 500, retryAfterMs: 1 });
    const exhausted = await client.agent('assistant').invoke({ question: 'again' }, { maxRetries: 0 }).catch((e: unknown) => e);
    expect(isUpstreamError(exhausted)).toBe(true);
    expect(model.requests).toHaveLength(3);
    expect(metricValue((await http(sidecar.url, '/metrics')).text, 'squire_llm_retries_total')).toBe(1);
    // A 400 from the model is not worth repeating: no retry at all.
    model.script({ kind: 'error', status: 400 });
    const refused = await client.agent('assistant').invoke({ question: 'bad request' }).catch((e: unknown) => e);
    expect(isUpstreamError(refused)).toBe(true);
    expect(model.requests).toHaveLength(4);
    await client.close();
    await model.close();
  });
});
