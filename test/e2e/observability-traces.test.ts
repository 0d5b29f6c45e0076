/**
 * OpenTelemetry end to end: an application traced with the OpenTelemetry
 * SDK calls a real sidecar process through the real client SDK; the sidecar
 * calls an OpenAI-compatible test server through the openai SDK. Both export
 * to one in-process OTLP/HTTP receiver, which must see the whole tree:
 * app span → SDK call span → SDK attempt span → sidecar SERVER span →
 * invoke_agent → chat / execute_tool, with GenAI attributes, and every
 * model request carrying its chat span as `traceparent`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace, type Tracer } from '@opentelemetry/api';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { createClient, type RunEvent, type SquireClient } from '@squire/client';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import type assistantAgent from '@squire/example-agents/assistant';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { http, invoke } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';
import { startFaultServer } from '../helpers/fault-server.js';

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const ERROR = 2;

let receiver: OtlpReceiver;
let provider: NodeTracerProvider;
let tracer: Tracer;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.endpoint}/v1/traces` }))] });
  provider.register();
  tracer = trace.getTracer('shop-app');
});
afterAll(async () => {
  await stopAllSidecars();
  await provider?.shutdown();
  await receiver?.close();
});

const traceOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
const named = (spans: ReceivedSpan[], name: string) => spans.filter((span) => span.name === name);
const only = (spans: ReceivedSpan[], name: string) => {
  const found = named(spans, name);
  expect(found, `exactly one span named "${name}"`).toHaveLength(1);
  return found[0]!;
};

describe('a streamed LLM run with a tool, traced from the app to the model', () => {
  let model: OpenAiTestServer;
  let sidecar: RunningSidecar;
  let client: SquireClient;
  beforeAll(async () => {
    model = await startOpenAiTestServer();
    sidecar = await startSidecar({
      agent: 'assistant',
      env: {
        OPENAI_BASE_URL: model.baseURL,
        OPENAI_API_KEY: 'sk-test-secret',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'assistant-sidecar',
      },
      args: ['--llm-max-retries', '0', '--model', 'test-model'],
    });
    client = createClient({ sidecars: { assistant: sidecar.url } });
  });
  afterAll(async () => {
    await client?.close();
    await model?.close();
  });

  it('exports the full span tree with GenAI attributes, and sends each chat span to the model', async () => {
    model.script(
      { kind: 'tool_calls', calls: [{ id: 'call_weather_1', name: 'get_weather', arguments: { city: 'Lagos' } }] },
      { kind: 'text', content: JSON.stringify({ answer: 'It is 31 °C in Lagos.', city: 'Lagos', temperature_c: 31 }), chunks: 4 },
    );
    const events: RunEvent[] = [];
    const rootIds = await tracer.startActiveSpan('checkout', async (root) => {
      for await (const event of client.agent<typeof assistantAgent>('assistant').stream({ question: 'How warm is Lagos?' })) events.push(event);
      root.end();
      return root.spanContext();
    });
    expect(events.at(-1)?.type).toBe('run.completed');
    const completed = events.at(-1)!;
    const runId = completed.type === 'run.completed' ? completed.result.run_id : '';
    // A graceful stop exports what the sidecar still buffers.
    expect(await sidecar.stop()).toBe(0);
    await provider.forceFlush();

    const spans = traceOf(rootIds.traceId);
    expect(spans.map((span) => span.name).sort()).toEqual(
      ['checkout', 'invoke_agent assistant', 'POST', 'POST /v1/invoke', 'invoke_agent assistant', 'chat test-model', 'execute_tool get_weather', 'chat test-model'].sort(),
    );
    const app = only(spans, 'checkout');
    const call = named(spans, 'invoke_agent assistant').find((span) => span.scope === '@squire/client');
    const run = named(spans, 'invoke_agent assistant').find((span) => span.scope === '@squire/sidecar');
    const attempt = only(spans, 'POST');
    const server = only(spans, 'POST /v1/invoke');
    const tool = only(spans, 'execute_tool get_weather');
    const chats = named(spans, 'chat test-model');

    // The tree: app → SDK call → SDK attempt → sidecar server → run → model calls and tool call.
    expect(call).toMatchObject({ scope: '@squire/client', kind: INTERNAL, parentSpanId: app.spanId });
    expect(attempt).toMatchObject({ scope: '@squire/client', kind: CLIENT, parentSpanId: call!.spanId });
    expect(server).toMatchObject({ scope: '@squire/sidecar', kind: SERVER, parentSpanId: attempt.spanId });
    expect(run).toMatchObject({ scope: '@squire/sidecar', kind: INTERNAL, parentSpanId: server.spanId });
    expect(chats.map((chat) => chat.parentSpanId)).toEqual([run!.spanId, run!.spanId]);
    expect(tool.parentSpanId).toBe(run!.spanId);
    for (const span of [server, run!, tool, ...chats]) expect(span.resource['service.name']).toBe('assistant-sidecar');

    // SDK side.
    expect(call!.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'assistant' });
    expect(attempt.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'url.full': `${sidecar.url}/v1/invoke` });
    // Sidecar side.
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/invoke', 'http.response.status_code': 200 });
    expect(run!.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'assistant',
      'gen_ai.provider.name': 'openai',
      'squire.run.id': runId,
    });
    const finishOf = (chat: ReceivedSpan) => String(chat.attributes['gen_ai.response.finish_reasons']);
    const byFinish = [chats.find((chat) => finishOf(chat) === 'tool_calls')!, chats.find((chat) => finishOf(chat) === 'stop')!];
    for (const chat of byFinish) {
      expect(chat.kind).toBe(CLIENT);
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'test-model',
        'gen_ai.response.model': 'test-model',
        'server.address': '127.0.0.1',
      });
      expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    }
    expect(byFinish.map((chat) => chat.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool_calls'], ['stop']]);
    expect(byFinish[0]!.spanId).not.toBe(byFinish[1]!.spanId);
    expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_weather_1' });
    expect(run!.attributes['gen_ai.usage.input_tokens']).toBe(chats.reduce((sum, chat) => sum + Number(chat.attributes['gen_ai.usage.input_tokens']), 0));

    // Context reached the model: each request carried its own chat span.
    const sent = model.requests.map((request) => request.headers.traceparent);
    expect(sent).toEqual(byFinish.map((chat) => `00-${rootIds.traceId}-${chat.spanId}-01`));
  });
});

describe('failures are recorded', () => {
  let model: OpenAiTestServer;
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    model = await startOpenAiTestServer();
    sidecar = await startSidecar({
      agent: 'assistant',
      env: { OPENAI_BASE_URL: model.baseURL, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      args: ['--llm-max-retries', '0', '--model', 'test-model'],
    });
  });
  afterAll(async () => {
    await model?.close();
  });

  it('marks a failing tool, a failing model call, the run and the request as errors with exception events', async () => {
    model.script(
      { kind: 'tool_calls', calls: [{ id: 'call_nowhere', name: 'get_weather', arguments: { city: 'Atlantis' } }] },
      { kind: 'error', status: 500, message: 'the model fell over' },
    );
    const client = createClient({ sidecars: { assistant: sidecar.url } });
    const traceId = await tracer.startActiveSpan('failing checkout', async (root) => {
      await expect(client.agent<typeof assistantAgent>('assistant').invoke({ question: 'Weather in Atlantis?' }, { maxRetries: 0 })).rejects.toMatchObject({ code: 'upstream_error' });
      root.end();
      return root.spanContext().traceId;
    });
    await client.close();
    expect(await sidecar.stop()).toBe(0);
    await provider.forceFlush();

    const spans = traceOf(traceId);
    const tool = only(spans, 'execute_tool get_weather');
    expect(tool.status.code).toBe(ERROR);
    expect(tool.attributes['error.type']).toBe('tool_error');
    expect(tool.events).toEqual([expect.objectContaining({ name: 'exception', attributes: expect.objectContaining({ 'exception.message': 'no weather data for "Atlantis"' }) })]);

    const chats = named(spans, 'chat test-model');
    expect(chats.map((chat) => chat.status.code).sort()).toEqual([0, ERROR]);
    const failed = chats.find((chat) => chat.status.code === ERROR)!;
    expect(failed.attributes['error.type']).toBe('server_error');
    expect(failed.events.map((event) => event.name)).toEqual(['exception']);

    const run = spans.find((span) => span.name === 'invoke_agent assistant' && span.scope === '@squire/sidecar')!;
    expect(run.status.code).toBe(ERROR);
    expect(run.attributes['error.type']).toBe('upstream_error');
    expect(only(spans, 'POST /v1/invoke').attributes).toMatchObject({ 'http.response.status_code': 502, 'error.type': '502' });
    const sdkCall = spans.find((span) => span.name === 'invoke_agent assistant' && span.scope === '@squire/client')!;
    expect(sdkCall.status.code).toBe(ERROR);
    expect(sdkCall.attributes['error.type']).toBe('upstream_error');
  });
});

describe('exporter selection', () => {
  it('exports protobuf by default, and nests the agent’s own spans under its run', async () => {
    const sidecar = await startSidecar({ agent: 'test/fixtures/agents/otel-probe.ts', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await invoke(sidecar.url, {}, { headers: { traceparent } });
    expect(response.json.output).toEqual({ registered: true });
    // A background run starts a trace of its own, the one its log lines name.
    const submitted = await http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":{}}' });
    const runId = String(submitted.json.run_id);
    await waitFor(async () => sidecar.logLines().some((line) => line.run_id === runId && line.msg === 'probing OpenTelemetry'));
    await waitFor(async () => (await http(sidecar.url, `/v1/runs/${runId}`)).json.status === 'succeeded');
    expect(await sidecar.stop()).toBe(0);
    const background = receiver.spans.find((span) => span.name === 'invoke_agent otel-probe' && span.attributes['squire.run.id'] === runId)!;
    expect(background).toMatchObject({ parentSpanId: '', traceId: sidecar.logLines().find((line) => line.run_id === runId)!.trace_id });
    expect(background.attributes).toMatchObject({ 'squire.run.kind': 'background', 'squire.run.attempt': 1 });
    expect(receiver.contentTypes).toContain('application/x-protobuf');
    const spans = traceOf('4bf92f3577b34da6a3ce929d0e0e4736');
    const server = only(spans, 'POST /v1/invoke');
    expect(server.parentSpanId).toBe('00f067aa0ba902b7');
    const run = only(spans, 'invoke_agent otel-probe');
    expect(run.parentSpanId).toBe(server.spanId);
    expect(only(spans, 'probe work').parentSpanId).toBe(run.spanId);
  });

  it('loads and registers nothing without OTEL_* settings, or with OTEL_SDK_DISABLED=true', async () => {
    const sidecar = await startSidecar({ agent: 'test/fixtures/agents/otel-probe.ts', env: { OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_TRACES_EXPORTER: undefined } });
    const response = await invoke(sidecar.url, {});
    expect(response.json.output).toEqual({ registered: false });
    await sidecar.stop();
    const disabled = await startSidecar({ agent: 'test/fixtures/agents/otel-probe.ts', env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
    expect((await invoke(disabled.url, {})).json.output).toEqual({ registered: false });
    await disabled.stop();
  });
});

describe('the SDK’s spans of a retried call', () => {
  it('makes one span per attempt under the call’s span, each sent as traceparent, under a traceparent option given as parent', async () => {
    const server = await startFaultServer();
    server.script({ kind: 'problem', status: 503, code: 'draining', retryable: true }, { kind: 'ok', output: { text: 'hi' } });
    const client = createClient({ sidecars: { flaky: { url: server.url, backoffBaseMs: 1, backoffMaxMs: 5 } } });
    const parent = '00-11112222333344445555666677778888-9999aaaabbbbcccc-01';
    await client.agent('flaky').invoke({ text: 'hi' }, { traceparent: parent });
    await client.close();
    await server.close();
    await provider.forceFlush();

    const spans = traceOf('11112222333344445555666677778888');
    const call = only(spans, 'invoke_agent flaky');
    expect(call.parentSpanId).toBe('9999aaaabbbbcccc');
    const attempts = named(spans, 'POST');
    expect(attempts.map((attempt) => attempt.parentSpanId)).toEqual([call.spanId, call.spanId]);
    const [first, second] = [...attempts].sort((a, b) => Number(a.attributes['http.request.resend_count'] ?? 0) - Number(b.attributes['http.request.resend_count'] ?? 0));
    expect(first!).toMatchObject({ status: { code: ERROR }, attributes: expect.objectContaining({ 'http.response.status_code': 503, 'error.type': 'draining' }) });
    expect(second!.attributes).toMatchObject({ 'http.request.resend_count': 1, 'http.response.status_code': 200 });
    expect(call.status.code).toBe(0);
    expect(server.requests.map((request) => request.headers.traceparent)).toEqual([first, second].map((attempt) => `00-11112222333344445555666677778888-${attempt!.spanId}-01`));
  });
});
