/**
 * @module
 * Randomness as a parameter: balancing, backoff jitter and shadow sampling
 * take a `() => number` in [0, 1), `Math.random` in production and a seeded
 * generator in tests, so their rules can be checked exactly.
 */
export type Random = () => number;

/** mulberry32: a small, fast generator; the same seed gives the same sequence. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
