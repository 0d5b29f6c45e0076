import { describe, expect, it } from 'vitest';
import { RunAbort } from './deadline.js';
import { sleep, withTimeout } from './timers.js';

describe('sleep', () => {
  it('resolves after the wait, or rejects with the abort reason at once', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const abort = new RunAbort(Date.now() + 60_000);
    const pending = sleep(60_000, abort);
    abort.abort(new Error('drain'));
    await expect(pending).rejects.toThrow('drain');
    await expect(sleep(1, abort)).rejects.toThrow('drain');
    abort.dispose();
  });
});

describe('withTimeout', () => {
  it('settles with the promise, or with the fallback when time runs out', async () => {
    await expect(withTimeout(Promise.resolve(true), 60_000, () => false)).resolves.toBe(true);
    await expect(withTimeout(new Promise<boolean>(() => undefined), 1, () => false)).resolves.toBe(false);
    await expect(
      withTimeout(new Promise(() => undefined), 1, () => {
        throw new Error('late');
      }),
    ).rejects.toThrow('late');
  });
});
