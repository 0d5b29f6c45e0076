import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';
import { SidecarError } from '../errors.js';
import { cancellationOf } from '@squire/client/internal';

const never = () => cancellationOf(new AbortController().signal);

describe('Slots', () => {
  it('grants up to capacity at once and queues the rest in order', async () => {
    const slots = new Slots(2, 5);
    const first = await slots.acquire(never());
    await slots.acquire(never());
    const order: number[] = [];
    const third = slots.acquire(never()).then((release) => (order.push(3), release));
    const fourth = slots.acquire(never()).then((release) => (order.push(4), release));
    expect(slots.used).toBe(2);
    expect(slots.queued).toBe(2);
    first();
    (await third)();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(slots.used).toBe(2);
  });

  it('rejects with overloaded and a Retry-After once the queue is full', async () => {
    const slots = new Slots(1, 1);
    await slots.acquire(never());
    void slots.acquire(never());
    const error = await slots.acquire(never()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SidecarError);
    expect((error as SidecarError).code).toBe('overloaded');
    expect((error as SidecarError).retryAfter).toBeGreaterThanOrEqual(1);
  });

  it('drops a waiter whose signal aborts, with the signal reason', async () => {
    const slots = new Slots(1, 3);
    const release = await slots.acquire(never());
    const controller = new AbortController();
    const waiting = slots.acquire(cancellationOf(controller.signal));
    controller.abort(new SidecarError('deadline_exceeded', 'late'));
    await expect(waiting).rejects.toMatchObject({ code: 'deadline_exceeded' });
    expect(slots.queued).toBe(0);
    release();
    expect(slots.used).toBe(0);
  });

  it('releases a slot only once however often release is called', async () => {
    const slots = new Slots(2, 0);
    const release = await slots.acquire(never());
    release();
    release();
    expect(slots.used).toBe(0);
  });

  it('gives background work a slot only when no sync caller waits, and tells it when one frees', async () => {
    const slots = new Slots(1, 2);
    const release = slots.tryAcquire();
    expect(release).toBeDefined();
    expect(slots.tryAcquire()).toBeUndefined();
    const waiter = slots.acquire(never());
    let notified = 0;
    slots.onAvailable(() => (notified += 1));
    release!();
    // The sync waiter got the slot: background work is not told.
    expect(notified).toBe(0);
    (await waiter)();
    expect(notified).toBe(1);
    expect(slots.tryAcquire()).toBeDefined();
  });

  it('derives Retry-After from recent run times and the backlog', () => {
    const slots = new Slots(1, 10);
    for (let i = 0; i < 30; i += 1) slots.recordRunDuration(4000);
    expect(slots.retryAfterSeconds()).toBeGreaterThanOrEqual(4);
  });
});
