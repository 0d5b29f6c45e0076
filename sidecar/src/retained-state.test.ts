import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from './agent/define-agent.js';
import { fastPathOf } from './app.js';
import { listen, type Listening } from './server.js';
import { buildTestSidecar } from './testing/build-test-sidecar.js';
import type { Sidecar } from './sidecar.js';

// Guards the RSS-growth figure of the bench (100,000 invokes): nothing a
// finished invoke leaves behind may be kept per call. Counts entries, not memory.
const echo = defineAgent({
  name: 'echo',
  version: '1.0.0',
  input: z.object({ text: z.string() }),
  output: z.object({ text: z.string() }),
  run: ({ input }) => {
    if (input.text === 'fail') throw new Error('failed on purpose');
    return { text: input.text };
  },
});

let sidecar: Sidecar;
let server: Listening;

beforeAll(async () => {
  sidecar = buildTestSidecar(echo);
  server = await listen(sidecar.app, { host: '127.0.0.1', port: 0, keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000, requestTimeoutMs: 5000, fastPath: fastPathOf(sidecar.app) });
});

afterAll(async () => {
  await server.close();
  await sidecar.close();
});

const invoke = (text: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.address}/v1/invoke`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ input: { text } }) }).then((response) => response.text());

/** One round of each kind of un-keyed call: fast path, its errors, the app's streamed and wrong-method answers. */
async function round(i: number): Promise<void> {
  await Promise.all([
    invoke(`hello ${i}`, { 'x-request-id': `req-${i}` }),
    invoke(42),
    invoke('fail'),
    invoke(`stream ${i}`, { accept: 'text/event-stream' }),
    fetch(`${server.address}/v1/invoke`).then((response) => response.text()),
  ]);
}

async function retained() {
  const metricSeries = (await sidecar.metrics.registry.getMetricsAsJSON()).reduce((sum, metric) => sum + metric.values.length, 0);
  return {
    registeredRuns: sidecar.lifecycle.registeredRuns,
    inFlight: sidecar.lifecycle.inFlight,
    slotsUsed: sidecar.slots.used,
    slotsQueued: sidecar.slots.queued,
    metricSeries,
  };
}

describe('state kept per invoke', () => {
  it('is none: run bookkeeping and metric series stay the same from 50 to 300 calls of each kind', async () => {
    for (let i = 0; i < 50; i += 1) await round(i);
    const after50 = await retained();
    for (let i = 50; i < 300; i += 1) await round(i);
    const after300 = await retained();
    expect(after300).toEqual(after50);
    expect(after300).toMatchObject({ registeredRuns: 0, inFlight: 0, slotsUsed: 0, slotsQueued: 0 });
  });
});
