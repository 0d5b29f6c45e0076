import { describe, expect, it } from 'vitest';
import { seededRandom } from '../internal/random.js';
import { powerOfTwoChoices } from './p2c.js';
import { hasUntriedReplica, pickReplica, type Replica } from './pick.js';
import { rendezvous } from './rendezvous.js';
import { weightForShare, weightedPick } from './weights.js';

interface Fake extends Replica {
  load: number;
  open: boolean;
}

const replica = (url: string, weight = 1, load = 0): Fake => ({ url, weight, load, open: true, eligible() {
  return this.open;
} });

function shares(picks: number, pick: () => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < picks; i += 1) {
    const url = pick();
    counts[url] = (counts[url] ?? 0) + 1;
  }
  return counts;
}

describe('weightedPick', () => {
  it('gives each item its share of the weights (seeded, so the counts are exact)', () => {
    const items = [replica('a', 1), replica('b', 3), replica('c', 0)];
    const random = seededRandom(7);
    const counts = shares(4000, () => weightedPick(items, (item) => item.weight, random).url);
    expect(counts.c).toBeUndefined();
    expect(counts.a! + counts.b!).toBe(4000);
    // 1 : 3 within 3 points of share for this seed.
    expect(Math.abs(counts.a! / 4000 - 0.25)).toBeLessThan(0.03);
  });

  it('maps the random number onto the cumulative weights', () => {
    const items = [replica('a', 1), replica('b', 3)];
    expect(weightedPick(items, (item) => item.weight, () => 0.2).url).toBe('a');
    expect(weightedPick(items, (item) => item.weight, () => 0.25).url).toBe('b');
    expect(weightedPick(items, (item) => item.weight, () => 0.999).url).toBe('b');
  });
});

describe('weightForShare', () => {
  it('is the weight that takes the share next to the others', () => {
    expect(weightForShare(3, 0.25)).toBeCloseTo(1);
    expect(weightForShare(1, 0.5)).toBeCloseTo(1);
    expect(weightForShare(0, 0.1)).toBe(1);
  });
});

describe('powerOfTwoChoices', () => {
  it('sends the call to the less loaded of the two picks, and to the first on a tie', () => {
    const idle = replica('idle', 1, 0);
    const busy = replica('busy', 1, 10);
    const sequence = [0.9, 0.1]; // first pick busy, second idle
    const random = () => sequence.shift()!;
    expect(powerOfTwoChoices([idle, busy], (r) => r.weight, (r) => r.load, random).url).toBe('idle');
    const tie = [0.9, 0.1];
    expect(powerOfTwoChoices([replica('x'), replica('y')], (r) => r.weight, (r) => r.load, () => tie.shift()!).url).toBe('y');
  });

  it('follows the weights exactly when nothing is in flight', () => {
    const items = [replica('stable', 95), replica('canary', 5)];
    const random = seededRandom(3);
    const counts = shares(2000, () => powerOfTwoChoices(items, (r) => r.weight, (r) => r.load, random).url);
    expect(Math.abs(counts.canary! / 2000 - 0.05)).toBeLessThan(0.02);
  });
});

describe('rendezvous', () => {
  it('keeps a key on one replica, and moves only the keys of a replica that leaves', () => {
    const items = [replica('a'), replica('b'), replica('c')];
    const keys = Array.from({ length: 300 }, (_, i) => `session-${i}`);
    const before = keys.map((key) => rendezvous(items, key, (r) => r.url, (r) => r.weight).url);
    expect(keys.map((key) => rendezvous(items, key, (r) => r.url, (r) => r.weight).url)).toEqual(before);
    expect(new Set(before).size).toBe(3);
    const after = keys.map((key) => rendezvous(items.slice(0, 2), key, (r) => r.url, (r) => r.weight).url);
    const moved = keys.filter((_, i) => before[i] !== after[i]);
    expect(moved.length).toBe(before.filter((url) => url === 'c').length);
  });
});

describe('pickReplica', () => {
  it('returns the only replica while it is eligible, and none when it is not', () => {
    const only = replica('a');
    expect(pickReplica([only], { now: 0, random: Math.random })).toBe(only);
    only.open = false;
    expect(pickReplica([only], { now: 0, random: Math.random })).toBeUndefined();
  });

  it('avoids replicas the call already tried while others are eligible', () => {
    const a = replica('a');
    const b = replica('b');
    const c = replica('c');
    c.open = false;
    const random = seededRandom(11);
    for (let i = 0; i < 50; i += 1) expect(pickReplica([a, b, c], { now: 0, tried: [a], random })).toBe(b);
    // Every eligible one tried: any eligible one again.
    expect([a, b]).toContain(pickReplica([a, b, c], { now: 0, tried: [a, b], random }));
    expect(hasUntriedReplica([a, b, c], [a], 0)).toBe(true);
    expect(hasUntriedReplica([a, b, c], [a, b], 0)).toBe(false);
  });

  it('sends a session to the same replica every time', () => {
    const items = [replica('a'), replica('b'), replica('c')];
    const random = seededRandom(5);
    const chosen = new Set(Array.from({ length: 30 }, () => pickReplica(items, { now: 0, sessionId: 'user-42', random })!.url));
    expect(chosen.size).toBe(1);
  });
});
