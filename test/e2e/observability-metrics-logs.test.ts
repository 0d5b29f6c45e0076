/**
 * Metrics Prometheus can scrape and log lines that name their run, from a
 * real sidecar process: standard Node process metrics, model-call and
 * tool-call histograms and counters on the health port without the token
 * (`--metrics-on-health-port`), and `agent`, `run_id`, `trace_id` on every
 * line about a run (the agent's own `ctx.log` lines and `run failed`
 * included), read from the process's stdout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http, invoke, metricValue } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'observability-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

afterAll(stopAllSidecars);

describe('metrics on the health port', () => {
  let model: OpenAiTestServer;
  let sidecar: RunningSidecar;
  let healthUrl: string;
  beforeAll(async () => {
    model = await startOpenAiTestServer();
    sidecar = await startSidecar({
      agent: 'assistant',
      env: { OPENAI_BASE_URL: model.baseURL, SQUIRE_TOKEN: TOKEN },
      args: ['--llm-max-retries', '0', '--model', 'test-model', '--health-port', '0', '--health-host', '127.0.0.1', '--metrics-on-health-port'],
    });
    healthUrl = String(sidecar.logLines().find((line) => line.msg === 'listening')?.healthAddress);
  });
  afterAll(async () => {
    await sidecar?.stop();
    await model?.close();
  });

  it('serves standard-named process metrics and model and tool call metrics after a run, without the token', async () => {
    model.script(
      { kind: 'tool_calls', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
      { kind: 'text', content: JSON.stringify({ answer: '14 °C', city: 'Paris', temperature_c: 14 }) },
      { kind: 'tool_calls', calls: [{ name: 'get_weather', arguments: { city: 'Atlantis' } }] },
      { kind: 'error', status: 500 },
      { kind: 'error', status: 429, retryAfter: 30 },
    );
    expect((await invoke(sidecar.url, { question: 'Weather in Paris?' }, { headers: auth })).status).toBe(200);
    expect((await invoke(sidecar.url, { question: 'Weather in Atlantis?' }, { headers: auth })).status).toBe(502);
    expect((await invoke(sidecar.url, { question: 'Anything?' }, { headers: auth })).status).toBe(429);
    const tokens = model.requests.length;
    expect(tokens).toBe(5);

    const scrape = await http(healthUrl, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toContain('text/plain');
    const text = scrape.text;
    // Node's default metrics under the names Node dashboards use.
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(text).toMatch(new RegExp(`^${name}\\{`, 'm'));
    }
    expect(text).not.toContain('squire_process_');
    expect(text).toContain('# TYPE squire_llm_call_duration_seconds histogram');
    expect(metricValue(text, 'squire_llm_call_duration_seconds_count', { model: 'test-model', outcome: 'ok' })).toBe(3);
    expect(metricValue(text, 'squire_llm_call_duration_seconds_count', { model: 'test-model', outcome: 'error' })).toBe(2);
    expect(metricValue(text, 'squire_llm_call_errors_total', { model: 'test-model', kind: 'server_error' })).toBe(1);
    expect(metricValue(text, 'squire_llm_call_errors_total', { model: 'test-model', kind: 'rate_limited' })).toBe(1);
    expect(metricValue(text, 'squire_llm_tokens_total', { kind: 'input', model: 'test-model' })).toBeGreaterThan(0);
    expect(metricValue(text, 'squire_llm_tokens_total', { kind: 'output', model: 'test-model' })).toBeGreaterThan(0);
    expect(metricValue(text, 'squire_tool_calls_total', { tool: 'get_weather', outcome: 'ok' })).toBe(1);
    expect(metricValue(text, 'squire_tool_calls_total', { tool: 'get_weather', outcome: 'error' })).toBe(1);
    expect(metricValue(text, 'squire_tool_call_duration_seconds_count', { tool: 'get_weather' })).toBe(2);
    expect(metricValue(text, 'squire_runs_total', { agent: 'assistant', status: 'succeeded' })).toBe(1);

    // The main port still wants the token for /metrics.
    expect((await http(sidecar.url, '/metrics')).status).toBe(401);
    expect((await http(sidecar.url, '/metrics', { headers: auth })).status).toBe(200);
  });

  it('serves no /metrics on the health port unless asked', async () => {
    const plain = await startSidecar({ agent: 'echo', env: { SQUIRE_TOKEN: TOKEN }, args: ['--health-port', '0', '--health-host', '127.0.0.1'] });
    const url = String(plain.logLines().find((line) => line.msg === 'listening')?.healthAddress);
    expect((await http(url, '/metrics')).status).toBe(404);
    await plain.stop();
  });
});

describe('log lines about a run', () => {
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar({ agent: 'test/fixtures/agents/otel-probe.ts' });
  });
  afterAll(async () => {
    await sidecar?.stop();
  });

  const linesOf = (runId: string) => sidecar.logLines().filter((line) => line.run_id === runId);
  const waitForLine = (runId: string, msg: string) => waitFor(async () => linesOf(runId).some((line) => line.msg === msg));

  it("carry agent, run_id and the caller's trace_id: the agent's own lines and the request line", async () => {
    const response = await invoke(sidecar.url, {}, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(response.status).toBe(200);
    const runId = String(response.json.run_id);
    await waitForLine(runId, 'request');
    const lines = linesOf(runId);
    expect(lines.map((line) => line.msg).sort()).toEqual(['probing OpenTelemetry', 'request']);
    for (const line of lines) expect(line).toMatchObject({ agent: 'otel-probe', run_id: runId, trace_id: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('carry one trace_id per run when no trace came, on `run failed` too', async () => {
    const response = await invoke(sidecar.url, { fail: true });
    expect(response.status).toBe(500);
    const runId = String(response.json.run_id);
    await waitForLine(runId, 'request');
    const lines = linesOf(runId);
    expect(lines.map((line) => line.msg).sort()).toEqual(['probing OpenTelemetry', 'request', 'run failed']);
    const traceId = lines[0]!.trace_id;
    expect(traceId).toMatch(/^[\da-f]{32}$/);
    for (const line of lines) expect(line).toMatchObject({ agent: 'otel-probe', run_id: runId, trace_id: traceId });
  });

  it('carry them for background runs too', async () => {
    const submitted = await http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { fail: true } }) });
    expect(submitted.status).toBe(202);
    const runId = String(submitted.json.run_id);
    await waitForLine(runId, 'run failed');
    const failed = linesOf(runId).filter((line) => line.msg === 'run failed' || line.msg === 'probing OpenTelemetry');
    expect(failed).toHaveLength(2);
    for (const line of failed) expect(line).toMatchObject({ agent: 'otel-probe', run_id: runId, trace_id: expect.stringMatching(/^[\da-f]{32}$/) });
  });
});
