/**
 * @module
 * One replica of a sidecar and everything the client keeps for it: its own
 * undici pool, circuit breaker, in-flight limit, counters, attempt
 * latencies, and the health and version state the swap layer maintains. A
 * sidecar name can have several, weighted.
 */
import { Pool } from 'undici';
import type { ClientEventBus } from '../events.js';
import type { Logger } from '../logger.js';
import { parseEndpointSafe, type ResolvedSidecar } from '../options.js';
import { Bulkhead } from '../policies/bulkhead.js';
import { CircuitBreaker, type BreakerState } from '../policies/circuit-breaker.js';
import { LatencyReservoir } from './latency-reservoir.js';
import type { Replica } from '../balancing/pick.js';

export interface EndpointStats {
  url: string;
  weight: number;
  inFlight: number;
  calls: number;
  failures: number;
  breaker: BreakerState['state'];
  draining: boolean;
  ready: boolean;
  version: string | undefined;
  latencyMs: { p50: number | undefined; p99: number | undefined };
}

export class Endpoint implements Replica {
  readonly pool: Pool;
  /** `Bearer <token>`, built once: the token does not change per call. */
  readonly authorization: string | undefined;
  readonly breaker: CircuitBreaker;
  readonly bulkhead: Bulkhead;
  /** Durations of successful attempts (request sent → answer headers), for the attempt floor and canary p99. */
  readonly latency = new LatencyReservoir(512);
  /** Attempts sent here, and those that failed. */
  calls = 0;
  failures = 0;
  /** Epoch ms until which the endpoint said it is draining (503 draining): no new calls. */
  drainingUntil = 0;
  /** Result of the last active /readyz check (true until one fails). */
  ready = true;
  /** The agent version its descriptor reported, once checked. */
  version: string | undefined;
  /** Whether it passed the version pin (undefined: not checked yet). */
  versionOk: boolean | undefined;
  private closing = false;
  /** With a version pin, a replica takes calls only once its descriptor matched. */
  private readonly versionRequired: boolean;

  constructor(
    readonly url: string,
    public weight: number,
    config: Readonly<ResolvedSidecar>,
    readonly events: ClientEventBus,
    logger: Logger | undefined,
  ) {
    this.authorization = config.token ? `Bearer ${config.token}` : undefined;
    this.versionRequired = config.versionRange !== undefined;
    const parsed = parseEndpointSafe(url)!;
    this.pool = new Pool(parsed.origin, {
      connections: config.connections,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      keepAliveMaxTimeout: config.keepAliveTimeoutMs,
      connect: { timeout: config.connectTimeoutMs, ...(parsed.socketPath && { socketPath: parsed.socketPath }) },
      // Per-request timeouts are set from the call's remaining budget.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.breaker = new CircuitBreaker({ failureThreshold: config.breakerFailureThreshold, cooldownMs: config.breakerCooldownMs }, (state, previous) => {
      logger?.warn({ sidecar: config.name, endpoint: url, state: state.state, previous: previous.state }, 'squire: circuit breaker changed state');
      events.emit('breaker', { sidecar: config.name, endpoint: url, state: state.state, previous: previous.state });
    });
    this.bulkhead = new Bulkhead(config.maxInFlight, config.maxQueued);
  }

  /** Calls in flight here now. */
  get load(): number {
    return this.bulkhead.inFlight;
  }

  /** Whether new calls may go here now. */
  eligible(now: number): boolean {
    if (this.closing || this.weight <= 0 || !this.ready || now < this.drainingUntil) return false;
    if (this.versionOk === false || (this.versionRequired && this.versionOk !== true)) return false;
    const state = this.breaker.state;
    return state.state === 'closed' || (state.state === 'half-open' && !state.probing);
  }

  stats(): EndpointStats {
    return {
      url: this.url,
      weight: this.weight,
      inFlight: this.bulkhead.inFlight,
      calls: this.calls,
      failures: this.failures,
      breaker: this.breaker.state.state,
      draining: Date.now() < this.drainingUntil,
      ready: this.ready,
      version: this.version,
      latencyMs: { p50: this.latency.quantile(0.5), p99: this.latency.quantile(0.99) },
    };
  }

  /** Stops taking calls; closes the pool once calls in flight are done. */
  retire(): Promise<void> {
    this.closing = true;
    return this.pool.close();
  }

  destroy(): Promise<void> {
    this.closing = true;
    return this.pool.destroy();
  }
}
