/**
 * A cancel stops spending: cancelling a background run, a deadline, or a
 * caller that hangs up closes the upstream model connection at once (the
 * fake model streams a token every 10 ms and sees the close), no further
 * tool starts, and the run's usage counts only what streamed before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { REPO_ROOT, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

const CONVERSATIONAL = join(REPO_ROOT, 'test/fixtures/agents/conversational.ts');
/** About a second of talk (100 tokens, one every 10 ms), then a call of `step`. */
const TALK_THEN_TOOL = { kind: 'tool_calls' as const, content: 'tok '.repeat(100).trim(), chunks: 100, calls: [{ name: 'step', arguments: { n: 1 } }] };

let model: OpenAiTestServer | undefined;
afterEach(async () => {
  await stopAllSidecars();
  await model?.close();
  model = undefined;
});

async function start() {
  model = await startOpenAiTestServer({ chunkDelayMs: 10 });
  const sideEffects = join(mkdtempSync(join(tmpdir(), 'squire-cancel-')), 'tools.log');
  const sidecar = await startSidecar({ agent: CONVERSATIONAL, env: { OPENAI_BASE_URL: model.baseURL, SQUIRE_TEST_SIDE_EFFECTS: sideEffects } });
  const toolsRun = () => (existsSync(sideEffects) ? readFileSync(sideEffects, 'utf8').trim().split('\n').filter(Boolean).map((line) => line.split(' ').slice(1).join(' ')) : []);
  return { sidecar, model, toolsRun };
}

const post = (url: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  http(url, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined && { body: JSON.stringify(body) }), ...(signal && { signal }) });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cancel stops spending', () => {
  it('cancel at 200 ms: the model connection is closed, no tool runs, usage counts the streamed part', async () => {
    const { sidecar, model, toolsRun } = await start();
    model.script(TALK_THEN_TOOL);
    const submitted = await post(sidecar.url, '/v1/runs', { input: { text: 'talk, then call step' } });
    const runId = submitted.json.run_id as string;
    await expect.poll(() => model.calls).toBe(1);
    const startedAt = model.requests[0]!.receivedAt;
    await sleep(Math.max(0, startedAt + 200 - Date.now()));
    const cancelSent = Date.now();
    const cancelled = await post(sidecar.url, `/v1/runs/${runId}/cancel`);
    expect(cancelled.json.status).toBe('cancelled');
    // The fake model, in this process, may learn of the close after the cancel's answer arrived.
    await expect.poll(() => model.disconnects).toBe(1);
    const closedAfterMs = model.disconnectedAt[0]! - cancelSent;
    await sleep(300);
    expect(model.calls).toBe(1);
    expect(toolsRun()).toEqual([]);
    const record = (await http(sidecar.url, `/v1/runs/${runId}`)).json;
    expect(record.status).toBe('cancelled');
    expect(record.usage.llm_calls).toBe(1);
    // Some tokens streamed before the cancel; far from the whole answer.
    expect(record.usage.output_tokens).toBeGreaterThan(0);
    expect(record.usage.output_tokens).toBeLessThan(Math.ceil(TALK_THEN_TOOL.content.length / 4));
    console.log(`cancel at 200 ms: upstream closed ${closedAfterMs} ms after the cancel was sent; tools run after: ${toolsRun().length}; usage ${JSON.stringify(record.usage)}`);
  });

  it('a cancel while a tool runs lets that tool finish but starts no further tool and no further model call', async () => {
    const { sidecar, model, toolsRun } = await start();
    model.script({ kind: 'tool_calls', calls: [{ name: 'step', arguments: { n: 1, ms: 600 } }, { name: 'step', arguments: { n: 2 } }] });
    const runId = (await post(sidecar.url, '/v1/runs', { input: { text: 'two steps' } })).json.run_id as string;
    await expect.poll(() => model.calls).toBe(1);
    await sleep(200);
    await post(sidecar.url, `/v1/runs/${runId}/cancel`);
    await expect.poll(() => toolsRun(), { timeout: 5000 }).toEqual(['step 1']);
    await sleep(300);
    expect(toolsRun()).toEqual(['step 1']);
    expect(model.calls).toBe(1);
    expect((await http(sidecar.url, `/v1/runs/${runId}`)).json.status).toBe('cancelled');
  });

  it('a deadline of 200 ms and a caller that hangs up at 200 ms both close the model connection, and no tool runs', async () => {
    const { sidecar, model, toolsRun } = await start();
    model.script(TALK_THEN_TOOL, TALK_THEN_TOOL);
    const late = await post(sidecar.url, '/v1/invoke', { input: { text: 'talk' } }, { 'squire-timeout-ms': '200' });
    expect(late.status).toBe(504);
    expect(late.json.code).toBe('deadline_exceeded');
    await expect.poll(() => model.disconnects).toBe(1);

    const caller = new AbortController();
    const gone = post(sidecar.url, '/v1/invoke', { input: { text: 'talk' } }, {}, caller.signal).catch((error: unknown) => error);
    await expect.poll(() => model.calls).toBe(2);
    await sleep(200);
    caller.abort();
    await gone;
    await expect.poll(() => model.disconnects).toBe(2);
    await sleep(300);
    expect(model.calls).toBe(2);
    expect(toolsRun()).toEqual([]);
  });
});
