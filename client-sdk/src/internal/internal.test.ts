import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CancelSource, cancellationOf, linkAbortSignal } from './cancel.js';
import { seededRandom } from './random.js';
import { sleep, withTimeout } from './timers.js';

describe('sleep', () => {
  it('resolves after the wait and leaves no listener on the cancellation', async () => {
    const cancel = new CancelSource();
    for (let i = 0; i < 20; i += 1) await sleep(0, cancel);
    expect(cancel.listenerCount('abort')).toBe(0);
  });

  it('rejects with the reason as soon as the cancellation aborts, and clears its listener', async () => {
    const cancel = new CancelSource();
    const pending = sleep(60_000, cancel);
    cancel.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(cancel.listenerCount('abort')).toBe(0);
    await expect(sleep(1, cancel)).rejects.toThrow('stop');
  });

  it('leaves no listener on a public AbortSignal after many sleeps', async () => {
    const controller = new AbortController();
    const cancel = cancellationOf(controller.signal);
    for (let i = 0; i < 50; i += 1) await sleep(0, cancel);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('withTimeout', () => {
  it('settles with the promise and clears its timer', async () => {
    await expect(withTimeout(Promise.resolve(7), 60_000, () => 0)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('own')), 60_000, () => 0)).rejects.toThrow('own');
  });

  it('settles with the fallback, or rejects with what it throws, when the promise is slower', async () => {
    await expect(withTimeout(new Promise<boolean>(() => undefined), 1, () => false)).resolves.toBe(false);
    await expect(
      withTimeout(new Promise(() => undefined), 1, () => {
        throw new Error('late');
      }),
    ).rejects.toThrow('late');
  });
});

describe('linkAbortSignal', () => {
  it('aborts the source with the mapped reason, and unlinks on demand', () => {
    const controller = new AbortController();
    const source = new CancelSource();
    const unlink = linkAbortSignal(controller.signal, source, () => 'caller');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    unlink();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    linkAbortSignal(controller.signal, source, () => 'caller');
    controller.abort();
    expect(source.aborted).toBe(true);
    expect(source.reason).toBe('caller');
  });

  it('aborts at once for a signal already aborted', () => {
    const source = new CancelSource();
    linkAbortSignal(AbortSignal.abort(), source, () => 'early');
    expect(source.reason).toBe('early');
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});
