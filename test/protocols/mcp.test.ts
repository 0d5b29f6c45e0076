/**
 * MCP at /mcp against a real sidecar process, driven by the official
 * TypeScript SDK clients: `@modelcontextprotocol/sdk` (2025 revisions, the
 * `initialize` handshake) and `@modelcontextprotocol/client` pinned to the
 * stateless 2026-07-28 revision. Bad input is sent raw, since no real
 * client would send it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http, metricValue } from '../helpers/http.js';

const TOKEN = 'mcp-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
let sidecar: RunningSidecar;

beforeAll(async () => {
  sidecar = await startSidecar({ agent: 'slow', args: ['--token', TOKEN, '--max-body', '4kb'] });
});
afterAll(async () => {
  await sidecar?.stop();
  await stopAllSidecars();
});

const mcpUrl = () => new URL(`${sidecar.url}/mcp`);

async function cancelledRuns(): Promise<number> {
  const { text } = await http(sidecar.url, '/metrics', { headers: auth });
  return metricValue(text, 'squire_runs_total', { status: 'cancelled' });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('MCP 2025-11-25 with @modelcontextprotocol/sdk', () => {
  let client: LegacyClient;
  beforeAll(async () => {
    client = new LegacyClient({ name: 'squire-test', version: '1.0.0' });
    await client.connect(new LegacyTransport(mcpUrl(), { requestInit: { headers: auth } }));
  });
  afterAll(() => client?.close());

  it('negotiates 2025-11-25 and lists the agent as one tool with its schemas', async () => {
    expect(client.getServerVersion()?.name).toBe('squire-slow');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['slow']);
    expect(tools[0]!.inputSchema).toMatchObject({ type: 'object', required: ['ms'] });
    expect(tools[0]!.outputSchema).toMatchObject({ type: 'object', required: ['slept_ms', 'attempt'] });
  });

  it('calls the tool: structuredContent plus a text rendering, progress only when asked', async () => {
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = await client.callTool({ name: 'slow', arguments: { ms: 30, steps: 3 } }, undefined, { onprogress: (note) => progress.push(note) });
    expect(result.isError).toBe(false);
    expect(result.structuredContent).toMatchObject({ attempt: 1 });
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual(result.structuredContent);
    expect(progress.map((note) => [note.progress, note.message])).toEqual([
      [1, '{"step":1,"of":3}'],
      [2, '{"step":2,"of":3}'],
      [3, '{"step":3,"of":3}'],
    ]);
    const quiet = await client.callTool({ name: 'slow', arguments: { ms: 1 } });
    expect(quiet.isError).toBe(false);
  });

  it('reports invalid arguments as a tool error the model can read', async () => {
    const result = await client.callTool({ name: 'slow', arguments: { ms: 'soon' } });
    expect(result.isError).toBe(true);
    expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(/^invalid_input: .*\n- ms: /s);
  });

  it('aborts the run when the client cancels the call', async () => {
    const before = await cancelledRuns();
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 20_000 } }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort('the user clicked stop'), 200);
    await expect(call).rejects.toThrow(/stop/);
    await waitFor(async () => (await cancelledRuns()) === before + 1);
  });
});

describe('MCP 2026-07-28 (stateless) with @modelcontextprotocol/client', () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ name: 'squire-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { requestInit: { headers: auth } }));
  });
  afterAll(() => client?.close());

  it('discovers the server without a session and calls the tool with progress', async () => {
    expect(client.getProtocolEra()).toBe('modern');
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['slow']);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'slow', arguments: { ms: 20, steps: 2 } }, { onprogress: (note) => progress.push(note.progress) });
    expect(result.structuredContent).toMatchObject({ attempt: 1 });
    expect(progress).toEqual([1, 2]);
  });

  it('aborts the run when the client closes the call', async () => {
    const before = await cancelledRuns();
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 20_000 } }, { signal: controller.signal });
    setTimeout(() => controller.abort('stop'), 200);
    await expect(call).rejects.toThrow();
    await waitFor(async () => (await cancelledRuns()) === before + 1);
  });

  it('auto negotiation lands on the stateless revision', async () => {
    const auto = new Client({ name: 'squire-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await auto.connect(new StreamableHTTPClientTransport(mcpUrl(), { requestInit: { headers: auth } }));
    expect(auto.getProtocolEra()).toBe('modern');
    await auto.close();
  });
});

describe('MCP bad input answers JSON-RPC errors', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    http(sidecar.url, '/mcp', { method: 'POST', body, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth, ...headers } });
  const modern = (method: string, params: Record<string, unknown> = {}) => ({
    jsonrpc: '2.0',
    id: 7,
    method,
    params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
  });

  it('malformed JSON, a non-2.0 envelope, an unknown method, wrong params', async () => {
    expect(await post('{"jsonrpc":')).toMatchObject({ status: 400, json: { jsonrpc: '2.0', id: null, error: { code: -32700 } } });
    expect(await post(JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'tools/list' }))).toMatchObject({ status: 400, json: { id: 1, error: { code: -32600 } } });
    expect(await post(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]))).toMatchObject({ status: 400, json: { error: { code: -32600 } } });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/list' }))).toMatchObject({ status: 200, json: { id: 2, error: { code: -32601 } } });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'other', arguments: {} } }))).toMatchObject({ json: { id: 3, error: { code: -32602 } } });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: 'x' }))).toMatchObject({ json: { id: 4, error: { code: -32602 } } });
  });

  it('2026-07-28: unknown method 404, unsupported version and header mismatch 400', async () => {
    const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'ping' };
    expect(await post(JSON.stringify(modern('ping')), headers)).toMatchObject({ status: 404, json: { error: { code: -32601 } } });
    const future = { ...modern('tools/list'), params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01', 'io.modelcontextprotocol/clientCapabilities': {} } } };
    expect(await post(JSON.stringify(future), { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' })).toMatchObject({
      status: 400,
      json: { error: { code: -32022, data: { requested: '2099-01-01', supported: expect.arrayContaining(['2026-07-28', '2025-11-25']) } } },
    });
    expect(await post(JSON.stringify(modern('tools/list')), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' })).toMatchObject({ status: 400, json: { error: { code: -32020 } } });
    const call = modern('tools/call', { name: 'slow', arguments: { ms: 1 } });
    expect(await post(JSON.stringify(call), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'other' })).toMatchObject({ status: 400, json: { error: { code: -32020 } } });
  });

  it('oversized body 413, foreign Origin 403, missing token 401, GET 405', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { pad: 'x'.repeat(8000) } } });
    expect(await post(big)).toMatchObject({ status: 413, json: { error: { code: -32600, data: { code: 'body_too_large' } } } });
    const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(await post(list, { origin: 'https://evil.example' })).toMatchObject({ status: 403, json: { id: null, error: { data: { code: 'forbidden_host' } } } });
    expect((await post(list, { origin: 'http://localhost:3000' })).status).toBe(200);
    const anonymous = await http(sidecar.url, '/mcp', { method: 'POST', body: list, headers: { 'content-type': 'application/json' } });
    expect(anonymous).toMatchObject({ status: 401, json: { jsonrpc: '2.0', error: { data: { code: 'unauthorized' } } } });
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    const get = await http(sidecar.url, '/mcp', { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });
});
