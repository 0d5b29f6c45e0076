/**
 * @module
 * Contract of `store.events` (appends under the lease, replay in order,
 * wake-ups after commits) and `store.keys` (one claimant per key, answers
 * kept until they expire, unanswered claims released).
 */
import { describe, expect, it } from 'vitest';
import type { KeyTicket } from '../store.js';
import type { ContractContext } from './store.contract.js';
import { event, newRun } from './fixtures.contract.js';

const LEASE_MS = 10_000;

export function eventsAndKeysContract({ fresh }: ContractContext): void {
  describe('events', () => {
    it('appends a running attempt’s events in order, replays them after any seq, and wakes watchers after each commit', async () => {
      const { store } = await fresh();
      const run = newRun();
      await store.runs.submit(run);
      let wakes = 0;
      const unwatch = store.events.watch(run.id, () => (wakes += 1));
      const [claimed] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      const afterClaim = wakes;
      expect(afterClaim).toBeGreaterThanOrEqual(1);
      expect(await store.events.append(claimed!.lease, [event(run.id, 2), event(run.id, 3)])).toBe(true);
      expect(await store.events.append(claimed!.lease, [])).toBe(true);
      expect(await store.events.append(claimed!.lease, [event(run.id, 4)])).toBe(true);
      expect(wakes).toBeGreaterThanOrEqual(afterClaim + 2);
      expect((await store.events.after(run.id, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect((await store.events.after(run.id, 2, 100)).map((e) => e.seq)).toEqual([3, 4]);
      expect((await store.events.after(run.id, 1, 2)).map((e) => e.seq)).toEqual([2, 3]);
      expect(await store.events.after(run.id, 4, 100)).toEqual([]);
      expect(await store.events.lastSeq(run.id)).toBe(4);
      expect(await store.events.lastSeq('run_missing')).toBe(0);
      const beforeFinish = wakes;
      await store.runs.finish(claimed!.lease, { status: 'succeeded', output: '1' }, event(run.id, 5, 'run.completed'), Date.now());
      expect(wakes).toBeGreaterThan(beforeFinish);
      unwatch();
      expect((await store.events.after(run.id, 4, 100))[0]).toEqual(event(run.id, 5, 'run.completed'));
    });

    it('writes nothing for an attempt that no longer holds the run', async () => {
      const { store } = await fresh();
      const run = newRun();
      await store.runs.submit(run);
      const [claimed] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      expect(await store.events.append({ ...claimed!.lease, owner: 'someone-else' }, [event(run.id, 2)])).toBe(false);
      await store.runs.finish(claimed!.lease, { status: 'succeeded', output: '1' }, event(run.id, 2, 'run.completed'), Date.now());
      expect(await store.events.append(claimed!.lease, [event(run.id, 3)])).toBe(false);
      expect((await store.events.after(run.id, 0, 10)).map((e) => e.type)).toEqual(['run.started', 'run.completed']);
    });
  });

  describe('idempotency keys', () => {
    const ticket = (overrides: Partial<KeyTicket> = {}): KeyTicket => ({ scope: 'invoke', key: 'k-1', bodyHash: 'h-1', expiresAt: Date.now() + 60_000, ...overrides });

    it('gives a key to one claimant; others see it held, with the answer once it was completed', async () => {
      const { store } = await fresh();
      const now = Date.now();
      expect(await store.keys.claim(ticket(), now, now + 5_000)).toEqual({ state: 'claimed' });
      expect(await store.keys.claim(ticket({ bodyHash: 'h-2' }), now, now + 5_000)).toEqual({ state: 'held', bodyHash: 'h-1', answer: undefined });
      await store.keys.complete(ticket(), { status: 200, body: '{"ok":true}', runId: 'run_1' });
      expect(await store.keys.claim(ticket(), now, now + 5_000)).toEqual({ state: 'held', bodyHash: 'h-1', answer: { status: 200, body: '{"ok":true}', runId: 'run_1' } });
      // Releasing an answered key leaves it answered.
      await store.keys.release(ticket());
      expect((await store.keys.claim(ticket(), now, now + 5_000)).state).toBe('held');
    });

    it('frees a released claim for the next call, and keeps scopes apart', async () => {
      const { store } = await fresh();
      const now = Date.now();
      expect(await store.keys.claim(ticket(), now, now + 5_000)).toEqual({ state: 'claimed' });
      expect(await store.keys.claim(ticket({ scope: 'runs' }), now, now + 5_000)).toEqual({ state: 'claimed' });
      await store.keys.release(ticket());
      expect(await store.keys.claim(ticket({ bodyHash: 'h-2' }), now, now + 5_000)).toEqual({ state: 'claimed' });
    });

    it('forgets answers at their expiry', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const short = ticket({ expiresAt: now + 1_000 });
      await store.keys.claim(short, now, now + 5_000);
      await store.keys.complete(short, { status: 200, body: '1', runId: undefined });
      expect((await store.keys.claim(short, now + 999, now + 5_000)).state).toBe('held');
      expect(await store.keys.claim(short, now + 1_000, now + 5_000)).toEqual({ state: 'claimed' });
      await store.keys.release(short);
      expect(await store.keys.expire(now + 1_000)).toBe(1);
    });
  });
}
