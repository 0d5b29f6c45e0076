/**
 * @module
 * One sidecar as the client sees it: its list of replicas (which changes at
 * run time) and the wiring of the call pipeline around them. Each policy
 * lives in its own module; this file only connects them:
 * bulkhead → breaker → replica health → classify → dispatch for each
 * attempt, the retry decision between attempts, version pins before the
 * first. A dead or hung sidecar only ever holds its own pools, breakers and
 * in-flight places.
 */
import type { Dispatcher } from 'undici';
import type { ClientEventBus } from '../events.js';
import { SquireConfigError, type SquireError } from '../errors.js';
import type { Random } from '../internal/random.js';
import type { Logger } from '../logger.js';
import { parseEndpointSafe, type CallOptions, type EndpointSpec, type ResolvedSidecar } from '../options.js';
import type { BreakerState } from '../policies/circuit-breaker.js';
import { RetryBudget } from '../policies/retry-budget.js';
import { ReplicaHealth, noReplicaError, replicaHealthStep } from '../swap/replica-health.js';
import type { ShadowReport } from '../swap/shadow.js';
import { VersionPins } from '../swap/version-pins.js';
import { bulkheadStep, breakerStep } from './admission.js';
import { composeAttempt, type Answer } from './attempt.js';
import { CallState, type RequestSpec } from './call.js';
import { classifyStep, classifyThrown } from './classify.js';
import { dispatch } from './dispatch.js';
import { Endpoint, type EndpointStats } from './endpoint.js';
import { LatencyReservoir } from './latency-reservoir.js';
import { runCall, type CallPipeline } from './pipeline.js';
import { traceStep } from './trace-step.js';

/** One attempt, the same steps for every sidecar (each step reads its endpoint and call). */
const ATTEMPT = composeAttempt([traceStep, bulkheadStep, breakerStep, replicaHealthStep, classifyStep], dispatch);

export type { RequestSpec } from './call.js';

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  attempts: number;
}

/** A 2xx answer whose body is unread; `finish()` frees its in-flight place and its deadline. */
export class OpenResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.ResponseData['body'];

  constructor(
    readonly call: CallState,
    private readonly answer: Answer,
  ) {
    this.status = answer.response.statusCode;
    this.headers = answer.response.headers;
    this.body = answer.response.body;
  }

  get attempts(): number {
    return this.call.attempt;
  }

  /** `error`: why the body could not be used (the call's span records it). */
  finish(error?: unknown): void {
    this.answer.release();
    this.call.finish(error);
  }
}

export interface SidecarStats {
  /** The first endpoint (the only one for a single-endpoint sidecar). */
  endpoint: string;
  endpoints: EndpointStats[];
  inFlight: number;
  queued: number;
  calls: number;
  successes: number;
  failures: number;
  retries: number;
  breaker: BreakerState['state'];
  latencyMs: { p50: number | undefined; p99: number | undefined };
  /** With `shadow` configured: mirrored calls and how the shadow compared (latency delta = shadow − primary). */
  shadow?: ShadowReport;
}

export class SidecarChannel implements CallPipeline {
  readonly budget: RetryBudget;
  /** `Bearer <token>`, for requests outside the call pipeline (descriptors). */
  readonly authorization: string | undefined;
  readonly attempt = ATTEMPT;
  readonly counters = { calls: 0, successes: 0, failures: 0, retries: 0 };
  private endpoints: Endpoint[] = [];
  private readonly latency = new LatencyReservoir(512);
  private readonly pins: VersionPins | undefined;
  /** Active checks; created with the first check (or at once with `healthCheckIntervalMs`). */
  private health: ReplicaHealth | undefined;

  constructor(
    readonly config: Readonly<ResolvedSidecar>,
    readonly events: ClientEventBus,
    readonly logger: Logger | undefined,
    readonly random: Random = Math.random,
  ) {
    this.authorization = config.token ? `Bearer ${config.token}` : undefined;
    this.budget = new RetryBudget({ ratio: config.retryBudgetRatio, minPerSecond: config.retryBudgetMinPerSecond, windowMs: config.retryBudgetWindowMs });
    this.setEndpoints(config.endpoints);
    this.pins = config.versionRange !== undefined ? new VersionPins(config.name, config.versionRange, this.authorization, logger) : undefined;
    if (config.healthCheckIntervalMs > 0) this.replicaHealth();
  }

  replicas(): readonly Endpoint[] {
    return this.endpoints;
  }

  noReplica(now: number, lastFailure: SquireError | undefined): SquireError {
    return noReplicaError(this.config.name, this.config.url, this.endpoints, this.config.versionRange, now, lastFailure);
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * Replaces the replicas without dropping calls: endpoints that stay keep
   * their pool and state (weights are updated), new ones start fresh, and
   * removed ones stop taking calls and close once their calls are done.
   */
  setEndpoints(specs: readonly EndpointSpec[]): void {
    for (const spec of specs) {
      if (!parseEndpointSafe(spec.url)) throw new SquireConfigError(`sidecar "${this.name}": ${spec.url} is not an http(s):// or unix:/ endpoint`, { sidecar: this.name });
      if (!(spec.weight >= 0)) throw new SquireConfigError(`sidecar "${this.name}": weight of ${spec.url} must be ≥ 0`, { sidecar: this.name });
    }
    const byUrl = new Map(this.endpoints.map((endpoint) => [endpoint.url, endpoint]));
    const next: Endpoint[] = [];
    for (const spec of specs) {
      const existing = byUrl.get(spec.url);
      if (existing) {
        existing.weight = spec.weight;
        byUrl.delete(spec.url);
        next.push(existing);
      } else {
        next.push(new Endpoint(spec.url, spec.weight, this.config, this.events, this.logger));
      }
    }
    this.endpoints = next;
    for (const removed of byUrl.values()) void removed.retire();
  }

  endpointList(): readonly Endpoint[] {
    return this.endpoints;
  }

  /** A whole call with a buffered body: 2xx resolves, anything else throws a `SquireError`. */
  async call(spec: RequestSpec, options: CallOptions = {}): Promise<CallResult> {
    const opened = await this.open(spec, options);
    let text: string;
    try {
      text = await opened.body.text();
    } catch (error) {
      const failure = classifyThrown(error, opened.call, 'body');
      opened.finish(failure);
      throw failure;
    }
    opened.finish();
    return { status: opened.status, headers: opened.headers, text, attempts: opened.attempts };
  }

  /**
   * Runs the call pipeline until a 2xx answer's headers arrive and returns
   * its body unread (streams read it incrementally). Errors are `SquireError`s.
   */
  async open(spec: RequestSpec, options: CallOptions = {}): Promise<OpenResult> {
    const call = new CallState(this.config, spec, options);
    this.counters.calls += 1;
    this.budget.recordCall();
    let answer: Answer;
    try {
      if (this.pins) await this.pins.check(this.endpoints, call.cancel);
      answer = await runCall(call, this);
    } catch (error) {
      this.counters.failures += 1;
      call.finish(error);
      throw error;
    }
    this.counters.successes += 1;
    this.latency.record(performance.now() - call.started);
    return new OpenResult(call, answer);
  }

  /** Active health check of every replica (and the version pins of new ones). */
  checkHealth(): Promise<void> {
    return this.replicaHealth().check();
  }

  private replicaHealth(): ReplicaHealth {
    this.health ??= new ReplicaHealth(() => this.endpoints, {
      intervalMs: this.config.healthCheckIntervalMs,
      ...(this.pins && { afterCheck: () => this.pins!.check(this.endpoints, undefined) }),
    });
    return this.health;
  }

  stats(): SidecarStats {
    const endpoints = this.endpoints.map((endpoint) => endpoint.stats());
    const states = endpoints.map((endpoint) => endpoint.breaker);
    return {
      endpoint: endpoints[0]?.url ?? this.config.url,
      endpoints,
      inFlight: this.endpoints.reduce((sum, endpoint) => sum + endpoint.bulkhead.inFlight, 0),
      queued: this.endpoints.reduce((sum, endpoint) => sum + endpoint.bulkhead.queued, 0),
      ...this.counters,
      // The sidecar is only as open as its healthiest replica.
      breaker: states.includes('closed') ? 'closed' : states.includes('half-open') ? 'half-open' : (states[0] ?? 'closed'),
      latencyMs: { p50: this.latency.quantile(0.5), p99: this.latency.quantile(0.99) },
    };
  }

  /** Lets calls in flight finish, then closes every pool. */
  async close(): Promise<void> {
    this.health?.stop();
    await Promise.all(this.endpoints.map((endpoint) => endpoint.retire()));
  }

  /** Aborts calls in flight and closes every pool at once. */
  async destroy(): Promise<void> {
    this.health?.stop();
    await Promise.all(this.endpoints.map((endpoint) => endpoint.destroy()));
  }
}
