/**
 * @module
 * Contract of a store under faults within one process: a poisonous
 * operation among others committed with it, a closed store, an unreachable
 * backend, a location that belongs to another agent, and the rule on
 * several stores open at one location (refused for an embedded store;
 * competing consumers for a shared one).
 */
import { describe, expect, it } from 'vitest';
import { isSidecarError } from '../../errors.js';
import { StoreOpenError } from '../errors.js';
import type { ContractContext } from './store.contract.js';
import { CONTRACT_AGENT, event, newRun } from './fixtures.contract.js';

const LEASE_MS = 10_000;
const never = new AbortController().signal;

function expectUnavailable(error: unknown): void {
  expect(isSidecarError(error) && error.code === 'store_unavailable' && error.retryable && error.status === 503, String(error)).toBe(true);
}

export function faultsContract({ target, fresh, open }: ContractContext): void {
  describe('faults', () => {
    it('fails a poisonous operation alone: everything committed with it stays, and its own effects are undone', async () => {
      const { store } = await fresh();
      const existing = newRun();
      const emitting = newRun();
      const finishing = newRun();
      for (const run of [existing, emitting, finishing]) await store.runs.submit(run);
      const claimed = await store.runs.claimNext(Date.now(), LEASE_MS, 3);
      const lease = (id: string) => claimed.find((run) => run.lease.runId === id)!.lease;
      const [a, b] = [newRun(), newRun()];
      // One tick: valid submissions, another run's events and finish, and two poisonous writes.
      const outcomes = await Promise.allSettled([
        store.runs.submit(a),
        store.runs.submit({ ...newRun(), id: existing.id }), // the id is taken
        store.events.append(lease(emitting.id), [event(emitting.id, 2), event(emitting.id, 3)]),
        // A terminal event numbered like run.started: the finish must not half-commit.
        store.runs.finish(lease(existing.id), { status: 'succeeded', output: '1' }, event(existing.id, 1, 'run.completed'), Date.now()),
        store.runs.finish(lease(finishing.id), { status: 'succeeded', output: '2' }, event(finishing.id, 2, 'run.completed'), Date.now()),
        store.runs.submit(b),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      for (const index of [1, 3]) {
        const reason = (outcomes[index] as PromiseRejectedResult).reason as unknown;
        expect(isSidecarError(reason) && !reason.retryable && reason.code !== 'store_unavailable', String(reason)).toBe(true);
      }
      expect((await store.runs.get(a.id))?.status).toBe('queued');
      expect((await store.runs.get(b.id))?.status).toBe('queued');
      expect((await store.events.after(emitting.id, 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await store.runs.get(finishing.id))?.status).toBe('succeeded');
      expect((await store.runs.get(existing.id))?.status).toBe('running');
      expect((await store.events.after(existing.id, 0, 10)).map((e) => e.type)).toEqual(['run.started']);
    });

    it('commits what it accepted before close, then answers store_unavailable to everything', async () => {
      const { store, location } = await fresh();
      const accepted = newRun();
      const submitted = store.runs.submit(accepted);
      await store.close();
      expect(await submitted).toEqual({ created: true });
      const calls: Array<() => Promise<unknown>> = [
        () => store.runs.submit(newRun()),
        () => store.runs.claimNext(Date.now(), LEASE_MS, 1),
        () => store.runs.get(accepted.id),
        () => store.events.after(accepted.id, 0, 10),
        () => store.keys.claim({ scope: 'invoke', key: 'k', bodyHash: 'h', expiresAt: Date.now() + 1000 }, Date.now(), Date.now() + 1000),
        () => store.sessions.append('s', [{ role: 'user', content: 'x', tokens: 1 }], Date.now()),
        () => store.ping(),
      ];
      for (const call of calls) expectUnavailable(await call().then(() => 'resolved', (error: unknown) => error));
      await store.close();
      const reopened = await open(location);
      expect((await reopened.runs.get(accepted.id))?.status).toBe('queued');
    });

    it('answers store_unavailable, acknowledging nothing, while the backend is unreachable', async () => {
      const { store, location } = await fresh();
      await store.ping();
      await target.breakConnection(store);
      const lost = newRun();
      expectUnavailable(await store.runs.submit(lost).then(() => 'acknowledged', (error: unknown) => error));
      expectUnavailable(await store.runs.get(lost.id).then(() => 'resolved', (error: unknown) => error));
      expectUnavailable(await store.sessions.recent('s', 1).then(() => 'resolved', (error: unknown) => error));
      expectUnavailable(await store.ping().then(() => 'resolved', (error: unknown) => error));
      await store.close();
      const reopened = await open(location);
      expect(await reopened.runs.get(lost.id)).toBeUndefined();
    });

    it('belongs to one agent: another agent is refused naming the owner; a later version of the same agent takes over', async () => {
      const { store, location } = await fresh();
      await store.close();
      const refused = await open(location, { name: 'another-agent', version: '1.0.0' }).then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(StoreOpenError);
      expect(String(refused)).toContain(`"${CONTRACT_AGENT.name}"`);
      const upgraded = await open(location, { name: CONTRACT_AGENT.name, version: '2.0.0' });
      await upgraded.ping();
    });

    it.skipIf(target.sharedByReplicas)('refuses a second store on a location while the first is open (one owner)', async () => {
      const { location } = await fresh();
      await expect(open(location)).rejects.toBeInstanceOf(StoreOpenError);
    });

    it.runIf(target.sharedByReplicas)('shares a location between replicas as competing consumers', async () => {
      const { store: one, location } = await fresh();
      const two = await open(location);
      for (let i = 0; i < 10; i += 1) await one.runs.submit(newRun());
      const [first, second] = await Promise.all([one.runs.claimNext(Date.now(), LEASE_MS, 6), two.runs.claimNext(Date.now(), LEASE_MS, 6)]);
      const ids = [...first, ...second].map((run) => run.lease.runId);
      expect(new Set(ids).size).toBe(10);
      const ticket = { scope: 'invoke', key: 'shared', bodyHash: 'h', expiresAt: Date.now() + 60_000 };
      const claims = await Promise.all([one.keys.claim(ticket, Date.now(), Date.now() + 5_000), two.keys.claim(ticket, Date.now(), Date.now() + 5_000)]);
      expect(claims.filter((claim) => claim.state === 'claimed')).toHaveLength(1);
      const held = await one.sessions.hold('s', never);
      let otherHeld = false;
      const waiting = two.sessions.hold('s', never).then((hold) => ((otherHeld = true), hold));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(otherHeld).toBe(false);
      await held.release();
      await (await waiting).release();
    });
  });
}
