/**
 * @module
 * Contract of `store.runs`: submit (with its key), claims with leases and
 * their `run.started`, finish with its terminal event, requeue, cancel,
 * renewal, reclaim of expired leases, listing and retention — each change
 * in one transaction, each guarded by the lease.
 */
import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store.contract.js';
import { event, newRun } from './fixtures.contract.js';

const LEASE_MS = 10_000;

export function runsContract({ fresh }: ContractContext): void {
  describe('runs', () => {
    it('submits a queued run and wakes queue watchers after the commit', async () => {
      const { store } = await fresh();
      let wakes = 0;
      const unwatch = store.runs.watchQueue(() => (wakes += 1));
      const run = newRun({ sessionId: 's-1', metadata: '{"a":"b"}' });
      expect(await store.runs.submit(run)).toEqual({ created: true });
      expect(await store.runs.get(run.id)).toMatchObject({ run_id: run.id, status: 'queued', input: JSON.parse(run.input), session_id: 's-1', metadata: { a: 'b' }, attempt: 0, max_attempts: 3 });
      expect(await store.runs.countQueued()).toBe(1);
      expect(wakes).toBeGreaterThanOrEqual(1);
      unwatch();
      expect(await store.runs.get('run_missing')).toBeUndefined();
    });

    it('claims oldest first, counts the attempt, takes a lease and writes run.started in the same transaction', async () => {
      const { store } = await fresh();
      const runs = [newRun(), newRun(), newRun()];
      for (const run of runs) await store.runs.submit(run);
      const now = Date.now();
      const claimed = await store.runs.claimNext(now, LEASE_MS, 2);
      expect(claimed.map((run) => run.lease.runId)).toEqual([runs[0]!.id, runs[1]!.id]);
      expect(claimed[0]).toMatchObject({ lease: { owner: store.owner, attempt: 1 }, input: JSON.parse(runs[0]!.input), metadata: { origin: 'contract' }, maxAttempts: 3, timeoutMs: 60_000 });
      expect(claimed[0]!.started).toMatchObject({ seq: 1, type: 'run.started' });
      expect(JSON.parse(claimed[0]!.started.data)).toEqual({ type: 'run.started', attempt: 1, run_id: runs[0]!.id, seq: 1 });
      expect(await store.events.after(runs[0]!.id, 0, 10)).toEqual([claimed[0]!.started]);
      expect((await store.runs.get(runs[0]!.id))?.status).toBe('running');
      expect(await store.runs.countQueued()).toBe(1);
      // Nobody claims the same run twice.
      expect((await store.runs.claimNext(now, LEASE_MS, 5)).map((run) => run.lease.runId)).toEqual([runs[2]!.id]);
      expect(await store.runs.claimNext(now, LEASE_MS, 5)).toEqual([]);
    });

    it('finishes an attempt once: the final state and its terminal event together, only under its lease', async () => {
      const { store } = await fresh();
      const run = newRun();
      await store.runs.submit(run);
      const [claimed] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      const lease = claimed!.lease;
      expect(await store.runs.finish({ ...lease, attempt: 2 }, { status: 'succeeded', output: '{"wrong":true}' }, event(run.id, 2, 'run.completed'), Date.now())).toBe(false);
      expect(await store.runs.finish({ ...lease, owner: 'someone-else' }, { status: 'succeeded', output: '{"wrong":true}' }, event(run.id, 2, 'run.completed'), Date.now())).toBe(false);
      expect((await store.events.after(run.id, 0, 10)).map((e) => e.type)).toEqual(['run.started']);
      expect(await store.runs.finish(lease, { status: 'succeeded', output: '{"ok":1}', usage: '{"llm_calls":0}' }, event(run.id, 2, 'run.completed'), Date.now())).toBe(true);
      expect(await store.runs.finish(lease, { status: 'failed', error: { code: 'agent_error', message: 'late' } }, event(run.id, 3, 'run.failed'), Date.now())).toBe(false);
      const record = await store.runs.get(run.id);
      expect(record).toMatchObject({ status: 'succeeded', output: { ok: 1 }, usage: { llm_calls: 0 }, attempt: 1 });
      expect(record?.finished_at).toBeDefined();
      expect((await store.events.after(run.id, 0, 10)).map((e) => e.type)).toEqual(['run.started', 'run.completed']);
    });

    it('requeues a drained attempt without counting it, under its lease only', async () => {
      const { store } = await fresh();
      const run = newRun();
      await store.runs.submit(run);
      const [first] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      expect(await store.runs.requeue({ ...first!.lease, attempt: 7 })).toBe(false);
      expect(await store.runs.requeue(first!.lease)).toBe(true);
      expect(await store.runs.requeue(first!.lease)).toBe(false);
      expect(await store.runs.get(run.id)).toMatchObject({ status: 'queued', attempt: 0 });
      const [second] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      expect(second!.lease.attempt).toBe(1);
      expect(second!.started.seq).toBe(2);
    });

    it('cancels a queued run with its run.failed event, records a cancel request for a running one, and is idempotent', async () => {
      const { store } = await fresh();
      const running = newRun();
      const queued = newRun();
      await store.runs.submit(running);
      await store.runs.submit(queued);
      const [claimed] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      expect(claimed!.lease.runId).toBe(running.id);
      const cancelled = await store.runs.cancel(queued.id, Date.now());
      expect(cancelled).toMatchObject({ outcome: 'cancelled', record: { status: 'cancelled', error: { code: 'cancelled' } } });
      const events = await store.events.after(queued.id, 0, 10);
      expect(events.map((e) => e.type)).toEqual(['run.failed']);
      expect(JSON.parse(events[0]!.data)).toMatchObject({ run_id: queued.id, seq: 1, error: { code: 'cancelled', status: 409 } });
      expect((await store.runs.cancel(queued.id, Date.now()))?.outcome).toBe('finished');
      expect(await store.runs.countQueued()).toBe(0);
      expect(await store.runs.cancel(running.id, Date.now())).toMatchObject({ outcome: 'requested', record: { status: 'running' } });
      expect(await store.runs.renew([running.id], Date.now(), LEASE_MS)).toEqual({ lost: [], cancelRequested: [running.id] });
      expect(await store.runs.cancel('run_missing', Date.now())).toBeUndefined();
    });

    it('renews leases it holds and reports the ones it lost', async () => {
      const { store } = await fresh();
      const a = newRun();
      const b = newRun();
      await store.runs.submit(a);
      await store.runs.submit(b);
      const now = Date.now();
      const [claimedA, claimedB] = await store.runs.claimNext(now, LEASE_MS, 2);
      await store.runs.finish(claimedB!.lease, { status: 'succeeded', output: '1' }, event(b.id, 2, 'run.completed'), now);
      expect(await store.runs.renew([a.id, b.id, 'run_missing'], now + 5_000, LEASE_MS)).toEqual({ lost: [b.id, 'run_missing'], cancelRequested: [] });
      // The renewal moved the expiry: not reclaimed at the first lease's end.
      expect(await store.runs.reclaimExpired(now + LEASE_MS + 1)).toEqual({ requeued: 0, failed: 0 });
      expect((await store.runs.get(claimedA!.lease.runId))?.status).toBe('running');
    });

    it('reclaims expired leases: back to the queue with the attempt counted, or failed with its event after the last attempt', async () => {
      const { store } = await fresh();
      const run = newRun({ maxAttempts: 2 });
      await store.runs.submit(run);
      let now = Date.now();
      const [first] = await store.runs.claimNext(now, LEASE_MS, 1);
      expect(await store.runs.reclaimExpired(now + LEASE_MS - 1)).toEqual({ requeued: 0, failed: 0 });
      expect(await store.runs.reclaimExpired(now + LEASE_MS + 1)).toEqual({ requeued: 1, failed: 0 });
      // The first attempt lost its lease: nothing it records counts any more.
      expect(await store.runs.finish(first!.lease, { status: 'succeeded', output: '1' }, event(run.id, 2, 'run.completed'), now)).toBe(false);
      expect(await store.events.append(first!.lease, [event(run.id, 2)])).toBe(false);
      now += LEASE_MS * 2;
      const [second] = await store.runs.claimNext(now, LEASE_MS, 1);
      expect(second!.lease.attempt).toBe(2);
      expect(await store.runs.reclaimExpired(now + LEASE_MS + 1)).toEqual({ requeued: 0, failed: 1 });
      expect(await store.runs.get(run.id)).toMatchObject({ status: 'failed', attempt: 2, error: { code: 'max_attempts_exceeded' } });
      const events = await store.events.after(run.id, 0, 10);
      expect(events.map((e) => `${e.seq}:${e.type}`)).toEqual(['1:run.started', '2:run.started', '3:run.failed']);
      expect(JSON.parse(events[2]!.data)).toMatchObject({ error: { code: 'max_attempts_exceeded', retryable: false } });
    });

    it('lists newest first with a status filter and a keyset cursor', async () => {
      const { store } = await fresh();
      const runs = [newRun(), newRun(), newRun(), newRun()];
      for (const run of runs) await store.runs.submit(run);
      await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      const newestFirst = [...runs].reverse().map((run) => run.id);
      expect((await store.runs.list({ limit: 10 })).map((record) => record.run_id)).toEqual(newestFirst);
      const firstPage = await store.runs.list({ limit: 2 });
      const last = firstPage.at(-1)!;
      const secondPage = await store.runs.list({ limit: 2, after: { createdAt: Date.parse(last.created_at), id: last.run_id } });
      expect([...firstPage, ...secondPage].map((record) => record.run_id)).toEqual(newestFirst);
      expect((await store.runs.list({ limit: 10, status: 'running' })).map((record) => record.run_id)).toEqual([runs[0]!.id]);
    });

    it('purges finished runs and their events past retention, and nothing else', async () => {
      const { store } = await fresh();
      const done = newRun();
      const waiting = newRun();
      await store.runs.submit(done);
      await store.runs.submit(waiting);
      const [claimed] = await store.runs.claimNext(Date.now(), LEASE_MS, 1);
      await store.runs.finish(claimed!.lease, { status: 'succeeded', output: '1' }, event(done.id, 2, 'run.completed'), 1_000);
      expect(await store.runs.purgeFinished(999)).toBe(0);
      expect(await store.runs.purgeFinished(1_001)).toBe(1);
      expect(await store.runs.get(done.id)).toBeUndefined();
      expect(await store.events.after(done.id, 0, 10)).toEqual([]);
      expect((await store.runs.get(waiting.id))?.status).toBe('queued');
    });

    it('stores a submission key with its run, atomically, and hands back the holder of a key already taken', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const first = newRun({ createdAt: now });
      const ticket = { scope: 'runs', key: 'job-1', bodyHash: 'hash-a', expiresAt: now + 60_000 };
      expect(await store.runs.submit(first, ticket)).toEqual({ created: true });
      expect(await store.runs.submit(newRun({ createdAt: now + 1 }), { ...ticket, bodyHash: 'hash-b' })).toEqual({ created: false, runId: first.id, bodyHash: 'hash-a' });
      expect(await store.keys.claim(ticket, now + 2, now + 5_000)).toEqual({ state: 'held', bodyHash: 'hash-a', answer: { status: 202, body: undefined, runId: first.id } });
      // Past its expiry the key is free again.
      const later = newRun({ createdAt: now + 120_000 });
      expect(await store.runs.submit(later, { ...ticket, expiresAt: now + 200_000 })).toEqual({ created: true });
      expect(await store.runs.countQueued()).toBe(2);
    });

    it('gives a key submitted several times at once to one run: the others get that run and its body hash, whatever body they had', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const ticket = { scope: 'runs', key: 'job-together', bodyHash: 'hash-a', expiresAt: now + 60_000 };
      const runs = [newRun({ createdAt: now }), newRun({ createdAt: now }), newRun({ createdAt: now }), newRun({ createdAt: now })];
      const hashes = ['hash-a', 'hash-b', 'hash-a', 'hash-b'];
      const results = await Promise.all(runs.map((run, i) => store.runs.submit(run, { ...ticket, bodyHash: hashes[i]! })));
      const winners = results.flatMap((result, i) => (result.created ? [i] : []));
      expect(winners).toHaveLength(1);
      const winner = winners[0]!;
      for (const [i, result] of results.entries()) {
        if (i !== winner) expect(result).toEqual({ created: false, runId: runs[winner]!.id, bodyHash: hashes[winner] });
      }
      expect(await store.runs.countQueued()).toBe(1);
    });

    it('keeps a key free when its run cannot be stored', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const existing = newRun({ createdAt: now });
      await store.runs.submit(existing);
      const ticket = { scope: 'runs', key: 'job-refused', bodyHash: 'hash-a', expiresAt: now + 60_000 };
      // The id is taken: the run is refused, and the key with it.
      await expect(store.runs.submit(newRun({ id: existing.id, createdAt: now }), ticket)).rejects.toThrow();
      expect(await store.keys.claim(ticket, now + 1, now + 5_000)).toEqual({ state: 'claimed' });
    });
  });
}
