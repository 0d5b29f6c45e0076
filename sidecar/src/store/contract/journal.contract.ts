/**
 * @module
 * Contract of the step journal and of pauses for input: steps recorded
 * once, in order, only under the attempt's lease; a pause that ends the
 * lease with its event, a decision recorded and the run queued again in one
 * transaction (once), cancel and expiry of a paused run.
 */
import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store.contract.js';
import { event, newRun } from './fixtures.contract.js';

const LEASE_MS = 10_000;
const AWAITING = JSON.stringify({ type: 'approval', call_id: 'c1', tool: 'charge', arguments: { amount: 5 }, expires_at: new Date(0).toISOString() });

export function journalContract({ fresh }: ContractContext): void {
  describe('step journal and pauses', () => {
    it('records each step once, in order, only while the lease holds', async () => {
      const { store } = await fresh();
      const run = newRun();
      await store.runs.submit(run);
      const [claimed] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      const lease = claimed!.lease;
      expect(await store.journal.record(lease, { key: 'model:1', data: '{"a":1}' })).toBe(true);
      expect(await store.journal.record(lease, { key: 'tool:c1', data: '{"b":2}' })).toBe(true);
      expect(await store.journal.record(lease, { key: 'model:1', data: '{"again":true}' })).toBe(true);
      expect(await store.journal.record({ ...lease, owner: 'someone-else' }, { key: 'model:2', data: '{}' })).toBe(false);
      expect(await store.journal.read(run.id)).toEqual([
        { key: 'model:1', data: '{"a":1}' },
        { key: 'tool:c1', data: '{"b":2}' },
      ]);
      expect(await store.journal.read('run_missing')).toEqual([]);
    });

    it('pauses a running attempt with its event, and resumes it once with the decision in its journal', async () => {
      const { store } = await fresh();
      const run = newRun();
      await store.runs.submit(run);
      const [claimed] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      const lease = claimed!.lease;
      expect(await store.runs.pause({ ...lease, attempt: 9 }, AWAITING, event(run.id, 2), Date.now() + 60_000)).toBe(false);
      expect(await store.runs.pause(lease, AWAITING, event(run.id, 2), Date.now() + 60_000)).toBe(true);
      const paused = await store.runs.get(run.id);
      expect(paused).toMatchObject({ status: 'input_required', attempt: 0, awaiting: JSON.parse(AWAITING) });
      expect(await store.runs.countQueued()).toBe(0);
      // The paused attempt can write nothing more.
      expect(await store.journal.record(lease, { key: 'tool:c1', data: '{}' })).toBe(false);
      expect(await store.runs.finish(lease, { status: 'succeeded', output: '1' }, event(run.id, 3, 'run.completed'), Date.now())).toBe(false);

      expect(await store.runs.resume(run.id, { key: 'approval:c1', data: '{"decision":"approve"}' })).toBe(true);
      expect(await store.runs.resume(run.id, { key: 'approval:c1', data: '{"decision":"reject"}' })).toBe(false);
      expect(await store.runs.resume('run_missing', { key: 'approval:c1', data: '{}' })).toBe(false);
      expect(await store.runs.get(run.id)).toMatchObject({ status: 'queued', attempt: 0 });
      expect((await store.runs.get(run.id))?.awaiting).toBeUndefined();
      expect(await store.journal.read(run.id)).toEqual([{ key: 'approval:c1', data: '{"decision":"approve"}' }]);
      const [again] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      expect(again?.lease).toMatchObject({ runId: run.id, attempt: 1 });
    });

    it('cancels a paused run at once, and ends one nobody answered in time as timed_out with its event', async () => {
      const { store } = await fresh();
      const runs = [newRun(), newRun()];
      for (const run of runs) await store.runs.submit(run);
      const now = Date.now();
      const claimed = await store.runs.claimNext(now, LEASE_MS, 2);
      for (const [i, run] of claimed.entries()) expect(await store.runs.pause(run.lease, AWAITING, event(run.lease.runId, 2), now + 1000 * (i + 1))).toBe(true);
      const cancelled = await store.runs.cancel(runs[0]!.id, now);
      expect(cancelled?.outcome).toBe('cancelled');
      expect(cancelled?.record.status).toBe('cancelled');
      expect(await store.runs.resume(runs[0]!.id, { key: 'approval:c1', data: '{}' })).toBe(false);
      expect(await store.runs.reclaimExpired(now + 500)).toEqual({ requeued: 0, failed: 0 });
      expect(await store.runs.reclaimExpired(now + 2000)).toEqual({ requeued: 0, failed: 1 });
      expect(await store.runs.get(runs[1]!.id)).toMatchObject({ status: 'timed_out', error: { code: 'deadline_exceeded' } });
      const events = await store.events.after(runs[1]!.id, 0, 10);
      expect(events.map((e) => e.type)).toEqual(['run.started', 'run.progress', 'run.failed']);
      expect(await store.runs.countQueued()).toBe(0);
    });
  });
}
