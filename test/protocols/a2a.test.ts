/**
 * A2A 1.0 against a real sidecar process with the official `@a2a-js/sdk`
 * client: the agent card, tasks as durable runs (send, stream, get,
 * cancel), and resubscribing after a cut stream with `Last-Event-ID`, where
 * no event may be lost or repeated. Bad input is sent raw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFactory, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

const TOKEN = 'a2a-test-token-0123456789';
let sidecar: RunningSidecar;
let client: Client;
let messages = 0;

beforeAll(async () => {
  sidecar = await startSidecar({ agent: 'slow', args: ['--token', TOKEN, '--max-body', '4kb'] });
  const fetchImpl: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${TOKEN}` } });
  client = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })] }).createFromUrl(sidecar.url);
});
afterAll(async () => {
  await sidecar?.stop();
  await stopAllSidecars();
});

const send = (data: unknown, configuration: Record<string, unknown> = {}) =>
  SendMessageRequest.fromJSON({ message: { messageId: `m-${++messages}-${Date.now()}`, role: 'ROLE_USER', parts: [{ data }] }, configuration });

/** The squire_event_id of a stream object, and what it is. */
function describeEvent(event: StreamResponse): { id: string; kind: string; state?: string } {
  const payload = event.payload!;
  const metadata = (payload.value as { metadata?: Record<string, unknown> }).metadata ?? {};
  const state = payload.$case === 'task' || payload.$case === 'statusUpdate' ? String(payload.value.status?.state) : undefined;
  return { id: String(metadata.squire_event_id), kind: payload.$case, ...(state !== undefined && { state }) };
}

describe('A2A with @a2a-js/sdk', () => {
  it('serves the agent card without a token: skill, JSON-RPC binding, bearer scheme, capabilities as they are', async () => {
    const card = await client.getAgentCard();
    expect(card.name).toBe('slow');
    expect(card.supportedInterfaces).toEqual([expect.objectContaining({ url: `${sidecar.url}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' })]);
    expect(card.capabilities).toMatchObject({ streaming: true, pushNotifications: false });
    expect(card.skills.map((skill) => skill.id)).toEqual(['slow']);
    expect(Object.keys(card.securitySchemes)).toEqual(['bearer']);
    const raw = await http(sidecar.url, '/.well-known/agent-card.json');
    expect(raw.status).toBe(200);
    expect(raw.headers.etag).toBeDefined();
  });

  it('sends a message and waits for the task: the run is its task', async () => {
    const task = await client.sendMessage(send({ ms: 10 }));
    expect('status' in task && task.status?.state).toBe(3); // TASK_STATE_COMPLETED
    const record = await http(sidecar.url, `/v1/runs/${(task as { id: string }).id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(record.json).toMatchObject({ status: 'succeeded', output: { attempt: 1 } });
    const got = await client.getTask({ id: (task as { id: string }).id, tenant: '', historyLength: undefined });
    expect(got.artifacts[0]!.parts[0]!.content).toMatchObject({ $case: 'data', value: { attempt: 1 } });
  });

  it('streams a task: the task first, then one update per run event, ending at the terminal state', async () => {
    const events: ReturnType<typeof describeEvent>[] = [];
    for await (const event of client.sendMessageStream(send({ ms: 40, steps: 2 }))) events.push(describeEvent(event));
    expect(events[0]!.kind).toBe('task');
    expect(events.slice(1).map((event) => event.id)).toEqual(['1', '2', '3', '4']);
    expect(events.at(-1)).toMatchObject({ kind: 'statusUpdate', state: '3' });
  });

  it('cancels a running task', async () => {
    const task = await client.sendMessage(send({ ms: 20_000 }, { returnImmediately: true }));
    const id = (task as { id: string }).id;
    const cancelled = await client.cancelTask({ id, tenant: '', metadata: undefined });
    expect(cancelled.status?.state).toBe(5); // TASK_STATE_CANCELED
    await expect(client.cancelTask({ id, tenant: '', metadata: undefined })).rejects.toThrow(/cannot be canceled/);
  });

  it('resubscribes after a cut stream with Last-Event-ID: every later event once, none lost', async () => {
    const controller = new AbortController();
    const first: ReturnType<typeof describeEvent>[] = [];
    let taskId = '';
    try {
      for await (const event of client.sendMessageStream(send({ ms: 1500, steps: 10 }), { signal: controller.signal })) {
        const described = describeEvent(event);
        if (event.payload?.$case === 'task') taskId = event.payload.value.id;
        first.push(described);
        if (first.length === 4) controller.abort();
      }
    } catch {
      // the cut
    }
    const lastSeen = first.at(-1)!.id;
    const second: ReturnType<typeof describeEvent>[] = [];
    for await (const event of client.resubscribeTask({ id: taskId, tenant: '' }, { serviceParameters: { 'Last-Event-ID': lastSeen } })) second.push(describeEvent(event));
    expect(second[0]!.kind).toBe('task');
    const ids = [...first.slice(1), ...second.slice(1)].map((event) => Number(event.id));
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(second.at(-1)).toMatchObject({ state: '3' });
  });

  it('refuses push notifications and subscribing to a finished task in A2A terms', async () => {
    const done = await client.sendMessage(send({ ms: 1 }));
    const id = (done as { id: string }).id;
    const stream = client.resubscribeTask({ id, tenant: '' });
    await expect(stream.next()).rejects.toThrow(/nothing left to subscribe/);
    await expect(client.getTask({ id: 'run_missing', tenant: '', historyLength: undefined })).rejects.toThrow(/does not exist/);
  });
});

describe('A2A bad input answers JSON-RPC errors', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    http(sidecar.url, '/a2a', { method: 'POST', body, headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${TOKEN}`, ...headers } });
  const message = { messageId: 'raw-1', role: 'ROLE_USER', parts: [{ data: { ms: 1 } }] };

  it('malformed JSON, unknown method, wrong params, bad input, missing version', async () => {
    expect(await post('{"jsonrpc"')).toMatchObject({ status: 400, json: { id: null, error: { code: -32700 } } });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: {} }))).toMatchObject({ json: { id: 1, error: { code: -32601 } } });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'SendMessage', params: { message: { parts: [] } } }))).toMatchObject({
      status: 400,
      json: { id: 2, error: { code: -32602, data: expect.arrayContaining([expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.BadRequest' })]) } },
    });
    const wrongInput = { ...message, messageId: 'raw-2', parts: [{ data: { ms: 'soon' } }] };
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'SendMessage', params: { message: wrongInput } }))).toMatchObject({ json: { id: 3, error: { code: -32602 } } });
    const file = { ...message, messageId: 'raw-3', parts: [{ url: 'https://example.com/a.png' }] };
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'SendMessage', params: { message: file } }))).toMatchObject({ json: { id: 4, error: { code: -32005 } } });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'GetTask', params: { id: 'x' } }), { 'a2a-version': '' })).toMatchObject({ json: { id: 5, error: { code: -32009 } } });
  });

  it('oversized body 413, foreign Origin 403, missing token 401 — the card stays public', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { ...message, parts: [{ text: 'x'.repeat(8000) }] } } });
    expect(await post(big)).toMatchObject({ status: 413, json: { error: { code: -32600 } } });
    const get = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } });
    expect(await post(get, { origin: 'https://evil.example' })).toMatchObject({ status: 403, json: { error: { code: -32000 } } });
    const anonymous = await http(sidecar.url, '/a2a', { method: 'POST', body: get, headers: { 'content-type': 'application/json', 'a2a-version': '1.0' } });
    expect(anonymous).toMatchObject({ status: 401, json: { jsonrpc: '2.0', error: { code: -32000, data: [expect.objectContaining({ reason: 'UNAUTHORIZED' })] } } });
    expect((await http(sidecar.url, '/.well-known/agent-card.json')).status).toBe(200);
  });
});
