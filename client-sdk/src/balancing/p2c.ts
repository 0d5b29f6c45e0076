/**
 * @module
 * Power of two choices: two weighted random picks, and the one with fewer
 * calls in flight wins (a tie goes to the first). When load is light the
 * shares follow the weights exactly (a canary at 5 % gets 5 %); under load
 * calls move to the less busy replica, without the herd that "least loaded"
 * alone causes when every client sees the same counts.
 */
import type { Random } from '../internal/random.js';
import { weightedPick } from './weights.js';

export function powerOfTwoChoices<T>(items: readonly T[], weightOf: (item: T) => number, loadOf: (item: T) => number, random: Random): T {
  const a = weightedPick(items, weightOf, random);
  const b = weightedPick(items, weightOf, random);
  return loadOf(b) < loadOf(a) ? b : a;
}
