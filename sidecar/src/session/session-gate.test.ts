import { describe, expect, it } from 'vitest';
import { SidecarError } from '../errors.js';
import { SessionGate, parseSessionPolicy, type SessionHolder } from './session-gate.js';

const never = new AbortController().signal;

/** A holder that records the interrupts it was sent. */
function holder(): SessionHolder & { interrupts: Array<{ code: string; rollback: boolean }> } {
  const interrupts: Array<{ code: string; rollback: boolean }> = [];
  return { interrupts, interrupt: (reason, rollback) => interrupts.push({ code: reason.code, rollback }) };
}

const settled = async <T>(promise: Promise<T>) => {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('SessionGate', () => {
  it('lets the first run in at once, whatever its policy', async () => {
    const gate = new SessionGate(4);
    for (const policy of ['reject', 'enqueue', 'interrupt', 'rollback'] as const) {
      const leave = await gate.enter(`s-${policy}`, policy, holder(), never);
      leave();
    }
    expect(gate.size).toBe(0);
  });

  it('reject: refuses with session_busy while another run holds the session, and the holder is left alone', async () => {
    const gate = new SessionGate(4);
    const first = holder();
    const leave = await gate.enter('s', 'enqueue', first, never);
    await expect(gate.enter('s', 'reject', holder(), never)).rejects.toMatchObject({ code: 'session_busy', status: 409 });
    expect(first.interrupts).toEqual([]);
    leave();
    (await gate.enter('s', 'reject', holder(), never))();
  });

  it('enqueue: first come first served, bounded, and a waiter whose signal aborts leaves the line', async () => {
    const gate = new SessionGate(2);
    const order: string[] = [];
    const leaveFirst = await gate.enter('s', 'enqueue', holder(), never);
    const controller = new AbortController();
    const second = gate.enter('s', 'enqueue', holder(), controller.signal);
    const third = gate.enter('s', 'enqueue', holder(), never).then((leave) => (order.push('third'), leave));
    await expect(gate.enter('s', 'enqueue', holder(), never)).rejects.toMatchObject({ code: 'session_queue_full', status: 429 });
    controller.abort(new SidecarError('deadline_exceeded', 'too late'));
    await expect(second).rejects.toMatchObject({ code: 'deadline_exceeded' });
    const fourth = gate.enter('s', 'enqueue', holder(), never).then((leave) => (order.push('fourth'), leave));
    expect(await settled(third)).toBe('pending');
    leaveFirst();
    const leaveThird = await third;
    expect(await settled(fourth)).toBe('pending');
    leaveThird();
    leaveThird();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(gate.size).toBe(0);
  });

  it('interrupt: stops the holder, cancels the runs still waiting, and goes next once the holder let go', async () => {
    const gate = new SessionGate(4);
    const first = holder();
    const leaveFirst = await gate.enter('s', 'enqueue', first, never);
    const waiting = gate.enter('s', 'enqueue', holder(), never);
    const newer = gate.enter('s', 'interrupt', holder(), never);
    expect(first.interrupts).toEqual([{ code: 'cancelled', rollback: false }]);
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    // The holder has not let go yet: the newer run waits, so turns never overlap.
    expect(await settled(newer)).toBe('pending');
    leaveFirst();
    (await newer)();
    expect(gate.size).toBe(0);
  });

  it('rollback: asks the holder to take its messages back', async () => {
    const gate = new SessionGate(4);
    const first = holder();
    const leaveFirst = await gate.enter('s', 'enqueue', first, never);
    const newer = gate.enter('s', 'rollback', holder(), never);
    expect(first.interrupts).toEqual([{ code: 'cancelled', rollback: true }]);
    leaveFirst();
    (await newer)();
  });

  it('keeps sessions apart', async () => {
    const gate = new SessionGate(0);
    const a = await gate.enter('a', 'reject', holder(), never);
    const b = await gate.enter('b', 'reject', holder(), never);
    a();
    b();
  });
});

describe('parseSessionPolicy', () => {
  it('takes the four policies in any case and refuses anything else with invalid_request', () => {
    expect(parseSessionPolicy(undefined)).toBeUndefined();
    expect(parseSessionPolicy('Interrupt')).toBe('interrupt');
    expect(() => parseSessionPolicy('later')).toThrow(expect.objectContaining({ code: 'invalid_request' }) as Error);
  });
});
