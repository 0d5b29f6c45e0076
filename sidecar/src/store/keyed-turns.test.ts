import { describe, expect, it } from 'vitest';
import { KeyedTurns } from './keyed-turns.js';

const never = new AbortController().signal;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedTurns', () => {
  it('serves takers of one key in order, each after the previous released', async () => {
    const turns = new KeyedTurns();
    const order: string[] = [];
    const first = await turns.take('s', never);
    const second = turns.take('s', never).then((release) => (order.push('second'), release));
    const third = turns.take('s', never).then((release) => (order.push('third'), release));
    await tick();
    expect(order).toEqual([]);
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect(turns.size).toBe(0);
  });

  it('lets an aborted waiter leave the line without blocking those behind it', async () => {
    const turns = new KeyedTurns();
    const first = await turns.take('s', never);
    const controller = new AbortController();
    const aborted = turns.take('s', controller.signal);
    let thirdHeld = false;
    const third = turns.take('s', never).then((release) => ((thirdHeld = true), release));
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    await tick();
    expect(thirdHeld).toBe(false);
    first();
    (await third)();
    expect(thirdHeld).toBe(true);
  });

  it('keeps keys apart, treats a second release as a no-op, and refuses an aborted signal at once', async () => {
    const turns = new KeyedTurns();
    const a = await turns.take('a', never);
    const b = await turns.take('b', never);
    a();
    a();
    b();
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(turns.take('c', controller.signal)).rejects.toThrow('already');
    expect(turns.size).toBe(0);
  });
});
