/**
 * The HTTP contract v1 of one real sidecar process: every route, every
 * status code of the sync path, and the problem+json shape of each error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema, AgentDescriptorSchema, InvokeResultSchema } from '@squire/client/contract';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http, invoke, metricValue } from '../helpers/http.js';

let echo: RunningSidecar;

beforeAll(async () => {
  echo = await startSidecar({ agent: 'echo', args: ['--max-body', '4kb'] });
});
afterAll(stopAllSidecars);

function expectProblem(response: { status: number; headers: Record<string, unknown>; json: unknown }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  const problem = ProblemSchema.parse(response.json);
  expect(problem.code).toBe(code);
  expect(problem.status).toBe(status);
  expect(typeof problem.retryable).toBe('boolean');
  expect(JSON.stringify(problem)).not.toMatch(/at .+\.(js|ts):\d+/);
  return problem;
}

describe('probes', () => {
  it('answers /healthz and /readyz with 200 while serving', async () => {
    expect((await http(echo.url, '/healthz')).json).toEqual({ status: 'ok' });
    expect((await http(echo.url, '/readyz')).json).toEqual({ status: 'ready' });
  });
});

describe('GET /v1/agent', () => {
  it('describes the agent with its JSON Schemas and limits', async () => {
    const descriptor = AgentDescriptorSchema.parse((await http(echo.url, '/v1/agent')).json);
    expect(descriptor).toMatchObject({ contract: 'squire/1', name: 'echo', version: '1.0.0' });
    expect(descriptor.input_schema).toMatchObject({ type: 'object', required: ['text'] });
    expect(descriptor.limits).toMatchObject({ slots: 4, queue_max: 64, max_body_bytes: 4096 });
  });
});

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 carrying the agent input schema', async () => {
    const doc = (await http(echo.url, '/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/invoke'].post).toBeDefined();
    expect(doc.components.schemas.InvokeRequest.properties.input).toMatchObject({ required: ['text'] });
  });
});

describe('POST /v1/invoke', () => {
  it('runs the agent and answers run_id, status, output, usage, timing', async () => {
    const response = await invoke(echo.url, { text: 'hello' });
    expect(response.status).toBe(200);
    const result = InvokeResultSchema.parse(response.json);
    expect(result.output).toEqual({ text: 'hello' });
    expect(result.run_id).toMatch(/^run_/);
    expect(response.headers['squire-run-id']).toBe(result.run_id);
  });

  it('rejects malformed JSON with 400 invalid_json', async () => {
    const response = await http(echo.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input": {' });
    expectProblem(response, 400, 'invalid_json');
  });

  it('rejects input that fails the schema with 400 invalid_input and issues', async () => {
    const problem = expectProblem(await invoke(echo.url, { text: 42 }), 400, 'invalid_input');
    expect(problem.issues?.[0]?.path).toEqual(['text']);
  });

  it('rejects a body without input or with unknown fields with 400 invalid_request', async () => {
    const missing = await http(echo.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' });
    expectProblem(missing, 400, 'invalid_request');
    const array = await http(echo.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
    expectProblem(array, 400, 'invalid_request');
  });

  it('rejects other content types and compressed bodies with 415', async () => {
    const response = await http(echo.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"input":{"text":"x"}}' });
    expectProblem(response, 415, 'unsupported_media_type');
    const gzipped = await http(echo.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{"input":{"text":"x"}}' });
    expectProblem(gzipped, 415, 'unsupported_media_type');
  });

  it('rejects a body over --max-body with 413, by Content-Length and when chunked', async () => {
    const big = JSON.stringify({ input: { text: 'x'.repeat(5000) } });
    const declared = await http(echo.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expectProblem(declared, 413, 'body_too_large');
    // The rest of an oversize upload is not read: the connection closes.
    expect(declared.headers.connection).toBe('close');
    // A stream body has no Content-Length: undici sends it chunked.
    const { Readable } = await import('node:stream');
    const { request } = await import('undici');
    const response = await request(`${echo.url}/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from([Buffer.from(big.slice(0, 3000)), Buffer.from(big.slice(3000))]),
    });
    const text = await response.body.text();
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(text).code).toBe('body_too_large');
  });

  it('rejects a malformed Squire-Timeout-Ms with 400', async () => {
    expectProblem(await invoke(echo.url, { text: 'x' }, { headers: { 'squire-timeout-ms': 'soon' } }), 400, 'invalid_request');
  });

  it('streams the run as SSE with ids when asked for text/event-stream', async () => {
    const response = await invoke(echo.url, { text: 'sse' }, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/event-stream');
    const events = response.text
      .split('\n\n')
      .filter((block) => block.includes('data:'))
      .map((block) => ({ id: /^id: (.*)$/m.exec(block)?.[1], event: /^event: (.*)$/m.exec(block)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) }));
    expect(events.map((event) => event.event)).toEqual(['run.started', 'run.completed']);
    expect(events.map((event) => event.id)).toEqual(['1', '2']);
    expect(events[1]!.data.result.output).toEqual({ text: 'sse' });
  });
});

describe('routing', () => {
  it('answers unknown routes with 404 problem+json', async () => {
    expectProblem(await http(echo.url, '/v2/nothing'), 404, 'not_found');
  });

  it('refuses a Host header that is not loopback (DNS rebinding) with 403', async () => {
    expectProblem(await http(echo.url, '/v1/agent', { headers: { host: 'evil.example:7700' } }), 403, 'forbidden_host');
    expect((await http(echo.url, '/v1/agent', { headers: { host: 'localhost:7700' } })).status).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('exposes requests, latency, slots, queue and runs in Prometheus format', async () => {
    await invoke(echo.url, { text: 'count me' });
    const response = await http(echo.url, '/metrics');
    expect(response.headers['content-type']).toContain('text/plain');
    expect(metricValue(response.text, 'squire_http_requests_total', { route: '/v1/invoke', status: '200' })).toBeGreaterThan(0);
    expect(metricValue(response.text, 'squire_runs_total', { status: 'succeeded' })).toBeGreaterThan(0);
    expect(response.text).toContain('squire_http_request_duration_seconds_bucket');
    expect(metricValue(response.text, 'squire_slots_total')).toBe(4);
    expect(response.text).toContain('squire_queue_depth');
  });
});

describe('logs', () => {
  it('writes one line per request with request id, run id, agent, status and duration, carrying traceparent', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await invoke(echo.url, { text: 'trace' }, { headers: { traceparent, 'x-request-id': 'req-abc' } });
    // Access lines go out in batches, at the latest ACCESS_FLUSH_MS (100 ms) after they are logged.
    let line: Record<string, unknown> | undefined;
    for (let waited = 0; !line && waited < 3000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      line = echo.logLines().find((entry) => entry.reqId === 'req-abc' && entry.msg === 'request');
    }
    expect(line).toMatchObject({ agent: 'echo', status: 200, traceparent, run_id: response.json.run_id, trace_id: traceparent.split('-')[1], path: '/v1/invoke' });
    expect(typeof line?.durationMs).toBe('number');
  });
});

describe('methods', () => {
  it('answers a wrong method on a contract path with 405 and Allow', async () => {
    const response = await http(echo.url, '/v1/invoke');
    expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers.allow).toBe('POST');
  });
});
