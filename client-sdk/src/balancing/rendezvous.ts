/**
 * @module
 * Weighted rendezvous hashing: the same key lands on the same replica while
 * the set and its weights hold, and when a replica leaves only its keys
 * move. Sessions stick to one replica (and one version during a rollout).
 */
import { createHash } from 'node:crypto';

export function rendezvous<T>(items: readonly T[], key: string, idOf: (item: T) => string, weightOf: (item: T) => number): T {
  let best = items[0] as T;
  let bestScore = -Infinity;
  for (const item of items) {
    const hash = createHash('sha256').update(`${key}\u0000${idOf(item)}`).digest().readUInt32BE(0);
    const unit = (hash + 1) / 0x1_0000_0001;
    const score = -weightOf(item) / Math.log(unit);
    if (score > bestScore) {
      best = item;
      bestScore = score;
    }
  }
  return best;
}
