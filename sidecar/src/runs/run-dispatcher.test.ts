/**
 * The dispatcher as one of several competing consumers, in process on a
 * real SQLite store: what another replica does to a run (takes it over,
 * cancels it) is written straight into the store, and the heartbeat must
 * notice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import pino from 'pino';
import { defineAgent } from '../agent/define-agent.js';
import { buildTestSidecar } from '../testing/build-test-sidecar.js';
import type { SqliteStore } from '../store/sqlite/index.js';
import { RunDispatcher } from './run-dispatcher.js';

const waiting = defineAgent({
  name: 'waiting',
  version: '1.0.0',
  input: z.object({}),
  output: z.object({ done: z.boolean() }),
  run: async ({ signal, emit }) => {
    emit({ started: true });
    await sleep(10_000, undefined, { signal });
    return { done: true };
  },
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup() {
  const sidecar = buildTestSidecar(waiting, { args: ['--slots', '2'] });
  // Replace the sidecar's own consumer by one with a short lease.
  sidecar.runs.close();
  const store = sidecar.store as SqliteStore;
  const dispatcher = new RunDispatcher(store, sidecar.executor, sidecar.slots, sidecar.lifecycle, pino({ level: 'silent' }), { leaseMs: 300 });
  cleanups.push(async () => {
    dispatcher.close();
    sidecar.lifecycle.abortRemaining();
    await sidecar.lifecycle.waitIdle(2000);
    await sidecar.close();
  });
  const runId = `run_dispatch_${Math.random().toString(36).slice(2)}`;
  await store.runs.submit({ id: runId, input: '{}', sessionId: undefined, metadata: '{}', maxAttempts: 3, timeoutMs: 60_000, createdAt: Date.now() });
  dispatcher.start();
  await expect.poll(async () => (await store.events.after(runId, 0, 10)).map((event) => event.type), { timeout: 5000 }).toEqual(['run.started', 'run.progress']);
  return { store, runId, slots: sidecar.slots };
}

describe('RunDispatcher', () => {
  it('stops an attempt whose lease it lost, and records nothing more for it', async () => {
    const { store, runId, slots } = await setup();
    // What another replica's reclaim does to a run whose lease it saw expire.
    store.databases.runs.prepare("UPDATE runs SET status = 'queued', owner = NULL, lease_expires_at = NULL WHERE id = ?").run(runId);
    await expect.poll(() => slots.used, { timeout: 5000 }).toBe(0);
    await sleep(50);
    expect(await store.runs.get(runId)).toMatchObject({ status: 'queued', attempt: 1 });
    expect((await store.events.after(runId, 0, 10)).map((event) => event.type)).toEqual(['run.started', 'run.progress']);
  });

  it('aborts an attempt cancelled through the store (by another replica) and records the cancel with its event', async () => {
    const { store, runId } = await setup();
    expect((await store.runs.cancel(runId, Date.now()))?.outcome).toBe('requested');
    await expect.poll(async () => (await store.runs.get(runId))?.status, { timeout: 5000 }).toBe('cancelled');
    const events = await store.events.after(runId, 0, 10);
    expect(events.map((event) => event.type)).toEqual(['run.started', 'run.progress', 'run.failed']);
    expect(JSON.parse(events[2]!.data)).toMatchObject({ error: { code: 'cancelled' } });
  });

  it('keeps renewing its leases while a reclaim hangs (regression: the heartbeat waited for the reclaim, and a live replica lost its runs)', async () => {
    const { store, runId } = await setup();
    // A reclaim stuck behind a busy pool, as on a loaded shared database.
    store.runs.reclaimExpired = () => new Promise(() => undefined);
    const renewed: number[] = [];
    const renew = store.runs.renew.bind(store.runs);
    store.runs.renew = (runIds, now, leaseMs) => {
      renewed.push(now);
      return renew(runIds, now, leaseMs);
    };
    // Three leases' worth of time: every heartbeat renewed.
    await sleep(900);
    expect(renewed.length).toBeGreaterThanOrEqual(5);
    expect(await store.runs.get(runId)).toMatchObject({ status: 'running', attempt: 1 });
  });
});
