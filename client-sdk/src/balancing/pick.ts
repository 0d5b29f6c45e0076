/**
 * @module
 * Which replica takes one attempt: a session's own (rendezvous), else power
 * of two choices over the eligible replicas, avoiding those this call has
 * already tried while others are left. Pure over the replicas' state.
 */
import type { Random } from '../internal/random.js';
import { powerOfTwoChoices } from './p2c.js';
import { rendezvous } from './rendezvous.js';

export interface Replica {
  readonly url: string;
  readonly weight: number;
  /** Calls in flight now. */
  readonly load: number;
  /** Whether it may take a call now (health, drain, version pin, breaker). */
  eligible(now: number): boolean;
}

export interface PickOptions {
  now: number;
  /** Replicas this call already tried. */
  tried?: readonly Replica[] | undefined;
  sessionId?: string | undefined;
  random: Random;
}

/** The replica for the next attempt, or undefined when none is eligible. */
export function pickReplica<T extends Replica>(replicas: readonly T[], options: PickOptions): T | undefined {
  if (replicas.length === 1) {
    // One replica (the usual case): no arrays to filter.
    const only = replicas[0]!;
    return only.eligible(options.now) ? only : undefined;
  }
  const eligible = replicas.filter((replica) => replica.eligible(options.now));
  const { tried } = options;
  const fresh = tried === undefined ? eligible : eligible.filter((replica) => !tried.includes(replica));
  const candidates = fresh.length > 0 ? fresh : eligible;
  if (candidates.length <= 1) return candidates[0];
  if (options.sessionId !== undefined) return rendezvous(candidates, options.sessionId, urlOf, weightOf);
  return powerOfTwoChoices(candidates, weightOf, loadOf, options.random);
}

/** Whether some eligible replica other than those tried could take a retry. */
export function hasUntriedReplica(replicas: readonly Replica[], tried: readonly Replica[], now: number): boolean {
  return replicas.some((replica) => !tried.includes(replica) && replica.eligible(now));
}

const urlOf = (replica: Replica) => replica.url;
const weightOf = (replica: Replica) => replica.weight;
const loadOf = (replica: Replica) => replica.load;
