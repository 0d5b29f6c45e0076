/**
 * @module
 * Blue/green cut-over: wait until the new replica is ready, ramp traffic
 * onto it (a cold process takes the full load only once warm), then send it
 * everything while the old replicas drain their calls in flight.
 */
import { Client } from 'undici';
import { SquireConfigError, SwapError } from '../errors.js';
import { sleep } from '../internal/timers.js';
import { parseEndpointSafe, type EndpointSpec } from '../options.js';
import type { Endpoint } from '../transport/endpoint.js';
import { replicasOtherThan, withShare } from './replicas.js';

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

/** What a cut-over needs of a sidecar's channel. */
export interface SwappableReplicas {
  readonly name: string;
  endpointList(): readonly Endpoint[];
  setEndpoints(specs: readonly EndpointSpec[]): void;
}

const READY_POLL_MS = 100;
const PROBE_TIMEOUT_MS = 2000;
const WARMUP_STEPS = 10;

/**
 * Blue/green: waits until `next` answers `/readyz` 200, ramps traffic onto
 * it over `warmupMs`, then sends it everything. The old replicas stop taking
 * calls and close their pools when their calls in flight are done; the
 * operator then stops them (SIGTERM), and any call that still lands there
 * gets `draining` and is retried on `next`.
 * @throws {SquireConfigError} `next` is not an endpoint
 * @throws {SwapError} `replica_not_ready`: `next` was not ready in time; traffic stays where it was
 */
export async function cutover(channel: SwappableReplicas, next: string, options: CutoverOptions = {}): Promise<void> {
  const endpoint = parseEndpointSafe(next);
  if (!endpoint) throw new SquireConfigError(`cutover of sidecar "${channel.name}": ${next} is not an http(s):// or unix:/ endpoint`, { sidecar: channel.name });
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const until = Date.now() + readyTimeoutMs;
  let lastProblem = 'no answer yet';
  for (;;) {
    const probe = new Client(endpoint.origin, { ...(endpoint.socketPath && { socketPath: endpoint.socketPath }), headersTimeout: PROBE_TIMEOUT_MS, bodyTimeout: PROBE_TIMEOUT_MS });
    try {
      const response = await probe.request({ path: '/readyz', method: 'GET' });
      await response.body.text();
      if (response.statusCode === 200) break;
      lastProblem = `/readyz answered ${response.statusCode}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    } finally {
      await probe.close().catch(() => undefined);
    }
    if (Date.now() > until) {
      throw new SwapError(`${next} did not become ready within ${readyTimeoutMs} ms (${lastProblem}); traffic of sidecar "${channel.name}" stays where it was`, {
        code: 'replica_not_ready',
        sidecar: channel.name,
        endpoint: next,
      });
    }
    await sleep(READY_POLL_MS);
  }
  const old = replicasOtherThan(channel.endpointList(), next);
  const warmupMs = options.warmupMs ?? 2000;
  if (old.weight > 0 && warmupMs > 0) {
    for (let step = 1; step < WARMUP_STEPS; step += 1) {
      channel.setEndpoints(withShare(old, next, step / WARMUP_STEPS));
      await sleep(warmupMs / WARMUP_STEPS);
    }
  }
  channel.setEndpoints([{ url: next, weight: 1 }]);
}
