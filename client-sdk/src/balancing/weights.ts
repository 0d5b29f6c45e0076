/**
 * @module
 * Weights as shares of traffic: a weighted random pick, and the weight that
 * gives a new replica a given share next to others (rollout and cut-over
 * move traffic with it).
 */
import type { Random } from '../internal/random.js';

/** One item, each with probability weight / total. Items of weight 0 are never picked unless all are 0. */
export function weightedPick<T>(items: readonly T[], weightOf: (item: T) => number, random: Random): T {
  let total = 0;
  for (const item of items) total += weightOf(item);
  let point = random() * total;
  for (const item of items) {
    point -= weightOf(item);
    if (point < 0) return item;
  }
  return items[items.length - 1]!;
}

/**
 * The weight `w` a replica needs to take `share` (0 < share < 1) of the
 * traffic next to replicas weighing `othersWeight` in all:
 * w / (w + others) = share. With no weight elsewhere, any weight takes it all.
 */
export function weightForShare(othersWeight: number, share: number): number {
  return othersWeight > 0 ? (othersWeight * share) / (1 - share) : 1;
}
