import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from './agent/define-agent.js';
import { AgentError } from './agent/agent-error.js';
import { invokeInProcess } from './testing/index.js';
import { buildTestSidecar as createTestSidecar } from './testing/build-test-sidecar.js';

const upper = defineAgent({
  name: 'upper',
  version: '1.0.0',
  input: z.object({ text: z.string() }),
  output: z.object({ text: z.string() }),
  run: ({ input }) => ({ text: input.text.toUpperCase() }),
});

describe('createApp', () => {
  it('runs the agent for POST /v1/invoke', async () => {
    const response = await invokeInProcess(createTestSidecar(upper), { text: 'abc' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'succeeded', output: { text: 'ABC' } });
  });

  it('answers 500 agent_error when the output breaks the output schema', async () => {
    const broken = defineAgent({ ...upper, run: () => ({ text: 42 as unknown as string }) });
    const response = await invokeInProcess(createTestSidecar(broken), { text: 'abc' });
    expect(response.status).toBe(500);
    const problem = (await response.json()) as { issues: Array<{ path: unknown[] }> };
    expect(problem).toMatchObject({ code: 'agent_error', retryable: false });
    expect(problem.issues[0]?.path).toEqual(['text']);
  });

  it('answers 500 agent_error, without a stack trace, when the agent throws', async () => {
    const throwing = defineAgent({ ...upper, run: () => { throw new Error('boom'); } });
    const response = await invokeInProcess(createTestSidecar(throwing), { text: 'abc' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'agent_error', detail: 'agent "upper" failed; its log has the error under this run id' });
    expect(text).not.toContain('boom');
    expect(text).not.toContain('at ');
  });

  it("answers an AgentError's own message, the agent's public one", async () => {
    const refusing = defineAgent({ ...upper, run: () => { throw new AgentError('the text must be in English'); } });
    const response = await invokeInProcess(createTestSidecar(refusing), { text: 'abc' });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'agent_error', detail: 'the text must be in English', retryable: false });
  });

  it('answers at the deadline even when the agent ignores its signal, and keeps the slot until the agent settles', async () => {
    let finish: () => void = () => undefined;
    const stubborn = defineAgent({ ...upper, run: () => new Promise<{ text: string }>((resolve) => (finish = () => resolve({ text: 'late' }))) });
    const sidecar = createTestSidecar(stubborn, { args: ['--slots', '1'] });
    const response = await invokeInProcess(sidecar, { text: 'abc' }, { 'squire-timeout-ms': '50' });
    expect(response.status).toBe(504);
    expect(sidecar.slots.used).toBe(1);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sidecar.slots.used).toBe(0);
  });

  it('answers 503 not_ready while starting and 503 draining while draining', async () => {
    const sidecar = createTestSidecar(upper);
    sidecar.lifecycle.startDrain();
    const response = await invokeInProcess(sidecar, { text: 'abc' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('connection')).toBe('close');
    expect((await sidecar.app.request('/readyz')).status).toBe(503);
  });

  it("turns /readyz 503 when the agent's ready() fails", async () => {
    let healthy = true;
    const sidecar = createTestSidecar(defineAgent({ ...upper, ready: () => healthy }));
    expect((await sidecar.app.request('/readyz')).status).toBe(200);
    healthy = false;
    const response = await sidecar.app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'not_ready' });
    expect((await sidecar.app.request('/healthz')).status).toBe(200);
  });
});
