import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent, type AgentDefinition } from '../agent/define-agent.js';
import { SidecarError, problemResponse } from '../errors.js';
import { parseChatCompletion } from './openai/chat-request.js';
import { originCheck } from './origin-check.js';
import { parseRpcMessage, RpcError } from './json-rpc.js';
import { streamResponseOf, taskOf } from './a2a/task-view.js';
import { chatRun } from './chat-input.js';
import type { RunExecutor } from '../runtime/run-executor.js';

describe('originCheck', () => {
  const app = new Hono();
  const check = originCheck(['agents.internal']);
  app.use('*', (c, next) => (check(c), next()));
  app.post('*', (c) => c.text('ok'));
  app.onError((error) => problemResponse(error as SidecarError));
  const status = async (headers: Record<string, string>) => (await app.request('http://127.0.0.1:7700/mcp', { method: 'POST', headers })).status;

  it('passes no Origin, loopback, allowed and same-host origins; refuses the rest', async () => {
    expect(await status({})).toBe(200);
    expect(await status({ origin: 'http://localhost:3000' })).toBe(200);
    expect(await status({ origin: 'https://agents.internal' })).toBe(200);
    expect(await status({ origin: 'http://127.0.0.1:7700', host: '127.0.0.1:7700' })).toBe(200);
    expect(await status({ origin: 'https://evil.example' })).toBe(403);
    expect(await status({ origin: 'null' })).toBe(403);
  });
});

describe('parseRpcMessage', () => {
  it('keeps the id of a bad envelope when it has one; refuses batches and non-object params', () => {
    expect(parseRpcMessage({ jsonrpc: '2.0', id: 3, method: 'x' })).toEqual({ id: 3, method: 'x', params: undefined });
    expect(() => parseRpcMessage([{}])).toThrow(/batches/);
    expect(() => parseRpcMessage({ jsonrpc: '2.0', id: 1, method: 'x', params: [1] })).toThrow(RpcError);
    expect(() => parseRpcMessage({ jsonrpc: '2.0', id: {}, method: 'x' })).toThrow(/id must be/);
  });
});

describe('parseChatCompletion', () => {
  it('reduces messages to text turns and refuses what an agent cannot honour', () => {
    const call = parseChatCompletion({ model: 'a', user: 'u1', stream: true, messages: [{ role: 'developer', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'text', text: '!' }] }] });
    expect(call).toEqual({ model: 'a', turns: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi!' }], stream: true, includeUsage: false, user: 'u1' });
    expect(() => parseChatCompletion({ model: 'a', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] })).toThrow(/only text/);
    expect(() => parseChatCompletion({ model: 'a', messages: [{ role: 'tool', content: 'x', tool_call_id: '1' }] })).toThrow(/tool messages/);
    expect(() => parseChatCompletion({ model: 'a', messages: [{ role: 'user', content: 'x' }], n: 2 })).toThrow(/n must be 1/);
    expect(() => parseChatCompletion({ messages: [] })).toThrow(SidecarError);
  });
});

describe('chatRun', () => {
  const executor = { validateInput: (raw: unknown) => z.object({ text: z.string() }).parse(raw) } as unknown as RunExecutor;
  const turns = [{ role: 'user' as const, content: 'hello' }];
  const base = { name: 'a', version: '1.0.0', input: z.object({ text: z.string() }), output: z.string() };

  it('uses fromChat when declared, takes the conversation as it is for an LLM agent, and says how to declare it otherwise', () => {
    expect(chatRun(defineAgent({ ...base, fromChat: (m) => ({ text: m[0]!.content }), run: () => '' }), executor, turns, 'sync')).toEqual({ rawInput: { text: 'hello' }, input: { text: 'hello' } });
    const llm = defineAgent({ ...base, instructions: 'x' }) as unknown as AgentDefinition;
    expect(chatRun(llm, executor, turns, 'sync')).toEqual({ rawInput: 'hello', input: 'hello', conversation: turns });
    expect(() => chatRun(llm, executor, turns, 'durable')).toThrow(/fromChat/);
    expect(() => chatRun(defineAgent({ ...base, run: () => '' }), executor, turns, 'sync')).toThrow(/add fromChat\(messages\)/);
  });
});

describe('A2A task view', () => {
  const record = { run_id: 'run_1', status: 'succeeded' as const, input: {}, output: { n: 1 }, session_id: 'ctx-1', attempt: 1, max_attempts: 3, created_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.000Z' };

  it('shows a run as a task with its output as artifact and the event id it reflects', () => {
    expect(taskOf(record, 4)).toMatchObject({
      id: 'run_1',
      contextId: 'ctx-1',
      status: { state: 'TASK_STATE_COMPLETED', timestamp: '2026-01-01T00:00:01.000Z' },
      artifacts: [{ artifactId: 'output', parts: [{ data: { n: 1 }, mediaType: 'application/json' }] }],
      metadata: { squire_event_id: '4' },
    });
  });

  it('maps each run event to exactly one stream object carrying its seq', () => {
    const at = { run_id: 'run_1', seq: 7 };
    expect(streamResponseOf({ ...at, type: 'run.delta', delta: 'hi' }, 'ctx-1')).toMatchObject({ artifactUpdate: { artifact: { parts: [{ text: 'hi' }] }, metadata: { squire_event_id: '7' } } });
    expect(streamResponseOf({ ...at, type: 'run.failed', error: { type: 'about:blank', status: 409, title: 't', code: 'cancelled', retryable: false } }, 'ctx-1')).toMatchObject({
      statusUpdate: { status: { state: 'TASK_STATE_CANCELED' }, metadata: { squire_event_id: '7' } },
    });
    expect(streamResponseOf({ ...at, type: 'run.progress', data: { step: 1 } }, 'ctx-1')).toMatchObject({
      statusUpdate: { status: { state: 'TASK_STATE_WORKING', message: { parts: [{ data: { type: 'run.progress', data: { step: 1 } } }] } } },
    });
  });
});
