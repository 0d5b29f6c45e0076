/**
 * @module
 * A canary rollout: shifts weight onto the canary step by step and rolls
 * back on its own when the canary's error rate or p99 passes a bound.
 */
import type { ClientEventBus } from '../events.js';
import { sleep } from '../internal/timers.js';
import type { Endpoint } from '../transport/endpoint.js';
import type { SwappableReplicas } from './cutover.js';
import { replicasOtherThan, withShare } from './replicas.js';

export interface RolloutOptions {
  /** The new replica. */
  canary: string;
  /** Percent of traffic at each step. @default [5, 25, 50, 100] */
  steps?: number[];
  /** Milliseconds each step lasts before its verdict. @default 30000 */
  stepMs?: number;
  rollbackOn?: {
    /** Share of failed canary calls (0–1) that rolls back. @default 0.01 */
    errorRate?: number;
    /** Canary p99 latency in ms that rolls back. */
    p99Ms?: number;
    /** Canary calls needed before a verdict on the rate. @default 20 */
    minCalls?: number;
  };
  /** Milliseconds between checks of the bounds within a step. @default 100 */
  checkEveryMs?: number;
}

export type RolloutOutcome =
  | { state: 'completed'; steps: number[] }
  | { state: 'rolled_back'; atStep: number; reason: string; canaryCalls: number; canaryErrors: number; rollbackMs: number };

export interface Rollout {
  /** Settles when the rollout completes or rolls back. */
  done: Promise<RolloutOutcome>;
  /** Stops it and takes the canary out (as a rollback). */
  abort(): void;
}

export function startRollout(channel: SwappableReplicas, events: ClientEventBus, options: RolloutOptions): Rollout {
  const steps = options.steps ?? [5, 25, 50, 100];
  const stepMs = options.stepMs ?? 30_000;
  const errorRate = options.rollbackOn?.errorRate ?? 0.01;
  const minCalls = options.rollbackOn?.minCalls ?? 20;
  const checkEveryMs = options.checkEveryMs ?? 100;
  const stable = replicasOtherThan(channel.endpointList(), options.canary);
  let aborted = false;

  const done = (async (): Promise<RolloutOutcome> => {
    let canary: Endpoint | undefined;
    const baseline = { calls: 0, failures: 0 };
    for (const [index, percent] of steps.entries()) {
      channel.setEndpoints(percent >= 100 ? [{ url: options.canary, weight: 1 }] : withShare(stable, options.canary, percent / 100));
      canary = channel.endpointList().find((endpoint) => endpoint.url === options.canary)!;
      events.emit('rollout', { sidecar: channel.name, canary: options.canary, state: 'step', step: index + 1, percent });
      const stepEnds = Date.now() + stepMs;
      while (Date.now() < stepEnds || percent >= 100) {
        if (aborted) return rollback(index + 1, 'aborted');
        const calls = canary.calls - baseline.calls;
        const failures = canary.failures - baseline.failures;
        const p99 = canary.latency.quantile(0.99);
        if (calls >= minCalls && failures / calls > errorRate) return rollback(index + 1, `error rate ${(failures / calls * 100).toFixed(1)} % > ${errorRate * 100} %`);
        if (options.rollbackOn?.p99Ms !== undefined && calls >= minCalls && p99 !== undefined && p99 > options.rollbackOn.p99Ms) return rollback(index + 1, `p99 ${p99} ms > ${options.rollbackOn.p99Ms} ms`);
        if (percent >= 100) break;
        await sleep(checkEveryMs);
      }
    }
    events.emit('rollout', { sidecar: channel.name, canary: options.canary, state: 'completed', step: steps.length, percent: 100 });
    return { state: 'completed', steps };

    function rollback(step: number, reason: string): RolloutOutcome {
      const started = performance.now();
      channel.setEndpoints(stable.specs);
      const outcome: RolloutOutcome = {
        state: 'rolled_back',
        atStep: step,
        reason,
        canaryCalls: (canary?.calls ?? 0) - baseline.calls,
        canaryErrors: (canary?.failures ?? 0) - baseline.failures,
        rollbackMs: performance.now() - started,
      };
      events.emit('rollout', { sidecar: channel.name, canary: options.canary, state: 'rolled_back', step, percent: 0, reason });
      return outcome;
    }
  })();
  return { done, abort: () => (aborted = true) };
}
