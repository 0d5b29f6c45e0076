/**
 * @module
 * Moving traffic between versions of a sidecar: a canary rollout that shifts
 * weight step by step and rolls back on its own when the canary's error rate
 * or p99 passes a bound, and a blue/green cut-over that waits for the new
 * replica to be ready, moves all traffic, and lets the old one drain.
 */
import { Client } from 'undici';
import type { ClientEventBus } from '../events.js';
import { parseEndpointSafe, type EndpointSpec } from '../options.js';
import type { SidecarChannel } from '../transport/sidecar-channel.js';
import type { Endpoint } from '../transport/endpoint.js';

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

export function startRollout(channel: SidecarChannel, events: ClientEventBus, options: RolloutOptions): Rollout {
  const steps = options.steps ?? [5, 25, 50, 100];
  const stepMs = options.stepMs ?? 30_000;
  const errorRate = options.rollbackOn?.errorRate ?? 0.01;
  const minCalls = options.rollbackOn?.minCalls ?? 20;
  const checkEveryMs = options.checkEveryMs ?? 100;
  const stable = replicasOtherThan(channel, options.canary);
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
        await new Promise((resolve) => setTimeout(resolve, checkEveryMs));
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

export interface CutoverOptions {
  /** How long to wait for `/readyz` 200 before giving up (traffic stays put). @default 60000 */
  readyTimeoutMs?: number;
  /**
   * Milliseconds over which traffic moves from the old replicas to the new
   * one, in ten even steps (Envoy's "slow start"): a cold process (JIT,
   * caches, connection set-up) takes the full load only once it has warmed
   * up on a share of it. 0 moves everything at once. @default 2000
   */
  warmupMs?: number;
}

/**
 * Blue/green: waits until `next` answers `/readyz` 200, ramps traffic onto
 * it over `warmupMs`, then sends it everything. The old replicas stop taking
 * calls and close their pools when their calls in flight are done; the
 * operator then stops them (SIGTERM), and any call that still lands there
 * gets `draining` and is retried on `next`.
 */
export async function cutover(channel: SidecarChannel, next: string, options: CutoverOptions = {}): Promise<void> {
  const endpoint = parseEndpointSafe(next);
  if (!endpoint) throw new Error(`not an endpoint: ${next}`);
  const until = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    const probe = new Client(endpoint.origin, { ...(endpoint.socketPath && { socketPath: endpoint.socketPath }), headersTimeout: 2000, bodyTimeout: 2000 });
    try {
      const response = await probe.request({ path: '/readyz', method: 'GET' });
      await response.body.text();
      if (response.statusCode === 200) break;
    } catch {
      // not up yet
    } finally {
      await probe.close().catch(() => undefined);
    }
    if (Date.now() > until) throw new Error(`${next} did not become ready in time; traffic stays where it was`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const old = replicasOtherThan(channel, next);
  const warmupMs = options.warmupMs ?? 2000;
  const steps = 10;
  if (old.weight > 0 && warmupMs > 0) {
    for (let step = 1; step < steps; step += 1) {
      channel.setEndpoints(withShare(old, next, step / steps));
      await new Promise((resolve) => setTimeout(resolve, warmupMs / steps));
    }
  }
  channel.setEndpoints([{ url: next, weight: 1 }]);
}

interface Replicas {
  specs: EndpointSpec[];
  /** Their weights added up. */
  weight: number;
}

function replicasOtherThan(channel: SidecarChannel, url: string): Replicas {
  const specs = channel.endpointList().filter((replica) => replica.url !== url).map((replica) => ({ url: replica.url, weight: replica.weight }));
  return { specs, weight: specs.reduce((sum, replica) => sum + replica.weight, 0) };
}

/** `others` plus `url` weighted to take `share` (0 < share < 1) of the traffic. */
function withShare(others: Replicas, url: string, share: number): EndpointSpec[] {
  // Weight w with share p: w / (w + others) = p. With no weight elsewhere, any weight takes it all.
  const weight = others.weight > 0 ? (others.weight * share) / (1 - share) : 1;
  return [...others.specs, { url, weight }];
}
