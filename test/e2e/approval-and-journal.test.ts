/**
 * Human approval and the step journal, against real sidecar processes, the
 * fake model and kill -9: a tool that needs approval pauses its run
 * (`input_required`, holding no slot) across a crash and runs exactly once
 * after the decision; a decision is taken once; a run killed after tool 2 of
 * 3 resumes from its journal, paying no model call again and running each
 * finished tool once (an idempotent one again), with its events numbered
 * without a gap or a repeat.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, isSquireError, type RunEvent } from '@squire/client';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { REPO_ROOT, startSidecar, stopAllSidecars } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';

const CONVERSATIONAL = join(REPO_ROOT, 'test/fixtures/agents/conversational.ts');

let model: OpenAiTestServer | undefined;
afterEach(async () => {
  await stopAllSidecars();
  await model?.close();
  model = undefined;
});

async function setup() {
  model = await startOpenAiTestServer();
  const sideEffects = join(mkdtempSync(join(tmpdir(), 'squire-journal-')), 'tools.log');
  const env = { OPENAI_BASE_URL: model.baseURL, SQUIRE_TEST_SIDE_EFFECTS: sideEffects };
  const start = (dataDir?: string) => startSidecar({ agent: CONVERSATIONAL, env, args: ['--slots', '1'], ...(dataDir && { dataDir }) });
  /** Tool calls that really ran for `runId`, in order: "step 1", "charge 5", … */
  const toolsRun = (runId: string) =>
    existsSync(sideEffects)
      ? readFileSync(sideEffects, 'utf8').split('\n').filter((line) => line.startsWith(`${runId} `)).map((line) => line.slice(runId.length + 1))
      : [];
  return { model, start, toolsRun };
}

const submit = async (url: string, text: string) =>
  (await http(url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { text } }) })).json.run_id as string;
const record = async (url: string, runId: string) => (await http(url, `/v1/runs/${runId}`)).json;
const resume = (url: string, runId: string, body: unknown) => http(url, `/v1/runs/${runId}/resume`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const statusOf = async (url: string, runId: string) => (await record(url, runId)).status as string;

/** Every stored event of a finished run, parsed from its SSE replay. */
async function eventsOf(url: string, runId: string): Promise<RunEvent[]> {
  const { text } = await http(url, `/v1/runs/${runId}/events`);
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as RunEvent);
}

function expectNumberedOnce(events: RunEvent[]): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
}

describe('human approval', () => {
  it('pauses at a tool that needs approval, holds no slot, survives kill -9, and runs the tool once after the decision', async () => {
    const { model, start, toolsRun } = await setup();
    let sidecar = await start();
    model.script({ kind: 'tool_calls', calls: [{ name: 'charge', arguments: { amount: 5 }, id: 'call_charge' }] });
    const runId = await submit(sidecar.url, 'charge me 5');
    await expect.poll(() => statusOf(sidecar.url, runId), { timeout: 10_000 }).toBe('input_required');
    const paused = await record(sidecar.url, runId);
    expect(paused.awaiting).toMatchObject({ type: 'approval', call_id: 'call_charge', tool: 'charge', arguments: { amount: 5 } });
    // With --slots 1, another run gets through while this one waits.
    const other = await submit(sidecar.url, 'meanwhile');
    await expect.poll(() => statusOf(sidecar.url, other), { timeout: 10_000 }).toBe('succeeded');

    await sidecar.kill9();
    sidecar = await start(sidecar.dataDir);
    expect(await statusOf(sidecar.url, runId)).toBe('input_required');
    expect(toolsRun(runId)).toEqual([]);
    model.script({ kind: 'text', content: 'charged 5' });
    const client = createClient({ sidecars: { talk: sidecar.url }, timeoutMs: 10_000 });
    try {
      const resumed = await client.agent('talk').run(runId).resume('approve');
      expect(resumed.status).toBe('queued');
      const again = await client
        .agent('talk')
        .run(runId)
        .resume('approve')
        .catch((error: unknown) => error);
      expect(isSquireError(again) && again.code).toBe('conflict');
      const done = await client.agent('talk').run(runId).wait({ timeoutMs: 10_000 });
      expect(done).toMatchObject({ status: 'succeeded', output: 'charged 5' });
    } finally {
      await client.close();
    }
    expect(toolsRun(runId)).toEqual(['charge 5']);
    // The model's first answer (the call to approve) came from the journal: 2 calls for this run, 1 for the other.
    expect(model.calls).toBe(3);
    expect(model.requests[2]!.body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_charge', content: JSON.stringify({ charged: 5 }) });
    const events = await eventsOf(sidecar.url, runId);
    expectNumberedOnce(events);
    expect(events.map((event) => event.type).filter((type) => type !== 'run.delta')).toEqual([
      'run.started',
      'run.tool_call',
      'run.input_required',
      'run.started',
      'run.tool_result',
      'run.completed',
    ]);
    expect((await resume(sidecar.url, runId, { decision: 'reject' })).status).toBe(409);
    console.log(`approval: paused run resumed after kill -9 and restart; charge ran ${toolsRun(runId).length} time(s); model calls for the run: 2`);
  });

  it('a rejection is what the model sees; a bad decision is 400; an invoke cannot wait for approval', async () => {
    const { model, start, toolsRun } = await setup();
    const sidecar = await start();
    model.script({ kind: 'tool_calls', calls: [{ name: 'charge', arguments: { amount: 500 }, id: 'call_big' }] }, { kind: 'text', content: 'not charged' });
    const runId = await submit(sidecar.url, 'charge me 500');
    await expect.poll(() => statusOf(sidecar.url, runId), { timeout: 10_000 }).toBe('input_required');
    const bad = await resume(sidecar.url, runId, { decision: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('invalid_request');
    expect((await resume(sidecar.url, 'run_missing', { decision: 'approve' })).status).toBe(404);
    expect((await resume(sidecar.url, runId, { decision: 'reject', reason: 'too much' })).status).toBe(200);
    await expect.poll(() => statusOf(sidecar.url, runId), { timeout: 10_000 }).toBe('succeeded');
    expect(toolsRun(runId)).toEqual([]);
    expect(model.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'tool', content: JSON.stringify({ error: 'a person rejected this call: too much' }) });

    model.script({ kind: 'tool_calls', calls: [{ name: 'charge', arguments: { amount: 1 } }] });
    const invoked = await http(sidecar.url, '/v1/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { text: 'charge 1 now' } }) });
    expect(invoked.status).toBe(500);
    expect(invoked.json.code).toBe('agent_error');
    expect(toolsRun(String(invoked.headers['squire-run-id']))).toEqual([]);
  });

  it('a paused run nobody answers ends timed_out after --input-timeout-ms; a paused run can be cancelled', async () => {
    model = await startOpenAiTestServer();
    const sidecar = await startSidecar({ agent: CONVERSATIONAL, env: { OPENAI_BASE_URL: model.baseURL }, args: ['--input-timeout-ms', '1000'] });
    model.script({ kind: 'tool_calls', calls: [{ name: 'charge', arguments: { amount: 1 } }] }, { kind: 'tool_calls', calls: [{ name: 'charge', arguments: { amount: 2 } }] });
    const expiring = await submit(sidecar.url, 'charge 1');
    await expect.poll(() => statusOf(sidecar.url, expiring), { timeout: 10_000 }).toBe('input_required');
    const cancelled = await submit(sidecar.url, 'charge 2');
    await expect.poll(() => statusOf(sidecar.url, cancelled), { timeout: 10_000 }).toBe('input_required');
    expect((await http(sidecar.url, `/v1/runs/${cancelled}/cancel`, { method: 'POST' })).json.status).toBe('cancelled');
    await expect.poll(() => statusOf(sidecar.url, expiring), { timeout: 15_000 }).toBe('timed_out');
    expect((await record(sidecar.url, expiring)).error.code).toBe('deadline_exceeded');
    expect((await eventsOf(sidecar.url, expiring)).at(-1)?.type).toBe('run.failed');
  });
});

describe('step journal', () => {
  it('kill -9 after tool 2 of 3: the model is called as often as without a crash, each finished tool once, the idempotent one again', async () => {
    const { model, start, toolsRun } = await setup();
    let sidecar = await start();
    const plan = () =>
      model.script(
        {
          kind: 'tool_calls',
          calls: [
            { name: 'lookup', arguments: { q: 'a' } },
            { name: 'step', arguments: { n: 1 } },
            { name: 'step', arguments: { n: 2 } },
            { name: 'step', arguments: { n: 3, ms: 1500 } },
          ],
        },
        { kind: 'text', content: 'all steps done' },
      );

    plan();
    const baseline = await submit(sidecar.url, 'do the steps');
    await expect.poll(() => statusOf(sidecar.url, baseline), { timeout: 15_000 }).toBe('succeeded');
    const baselineCalls = model.calls;
    expect(toolsRun(baseline)).toEqual(['lookup a', 'step 1', 'step 2', 'step 3']);

    plan();
    const crashed = await submit(sidecar.url, 'do the steps');
    await expect.poll(() => toolsRun(crashed), { timeout: 15_000 }).toEqual(['lookup a', 'step 1', 'step 2']);
    // Tool 3 is under way (it takes 1.5 s); tool 2's result is in the journal by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sidecar.kill9();
    sidecar = await start(sidecar.dataDir);
    await expect.poll(() => statusOf(sidecar.url, crashed), { timeout: 20_000 }).toBe('succeeded');
    const crashedCalls = model.calls - baselineCalls;
    expect(crashedCalls).toBe(baselineCalls);
    expect(toolsRun(crashed)).toEqual(['lookup a', 'step 1', 'step 2', 'lookup a', 'step 3']);
    expect((await record(sidecar.url, crashed)).attempt).toBe(2);

    const events = await eventsOf(sidecar.url, crashed);
    expectNumberedOnce(events);
    const results = events.filter((event) => event.type === 'run.tool_result').map((event) => (event.type === 'run.tool_result' ? `${event.name} ${JSON.stringify(event.result)}` : ''));
    expect(results).toEqual(['lookup {"found":"a"}', 'step {"done":1}', 'step {"done":2}', 'step {"done":3}']);
    expect(events.filter((event) => event.type === 'run.started').map((event) => (event.type === 'run.started' ? event.attempt : 0))).toEqual([1, 2]);
    console.log(`journal: kill -9 after tool 2 of 3 → model calls ${crashedCalls} (without a crash: ${baselineCalls}); tools ${JSON.stringify(toolsRun(crashed))}`);
  });
});
