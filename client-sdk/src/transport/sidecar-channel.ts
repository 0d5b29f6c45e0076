/**
 * @module
 * Everything the client keeps per sidecar, and the one call path every method
 * goes through: bulkhead → breaker → undici `Pool.request` with the
 * remaining budget as `Squire-Timeout-Ms` → classify → retry (idempotency key
 * reused, budget permitting, never past the deadline). A dead or hung sidecar
 * only ever holds its own pool, breaker and in-flight places.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import semver from 'semver';
import { AgentDescriptorSchema, CONTRACT_VERSION, HEADERS } from '../contract/index.js';
import {
  AbortError,
  CircuitOpenError,
  ConnectionError,
  OverloadedError,
  SquireConfigError,
  TimeoutError,
  fromResponse,
  isSquireError,
  type SquireError,
} from '../errors.js';
import type { ClientEventBus } from '../events.js';
import type { Logger } from '../logger.js';
import { parseEndpointSafe, type CallOptions, type EndpointSpec, type ResolvedSidecar } from '../options.js';
import type { BreakerState } from '../policies/circuit-breaker.js';
import { RetryBudget } from '../policies/retry-budget.js';
import { Endpoint, type EndpointStats } from './endpoint.js';
import { fullJitterBackoff, parseRetryAfter } from '../policies/backoff.js';
import { LatencyReservoir } from './latency-reservoir.js';
import { CallSignal } from './call-signal.js';
import { deadlines, type Expiring } from './deadlines.js';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** A JSON body, already serialised. */
  body?: string;
  accept?: string;
  /** GETs and DELETEs are safe to repeat; POSTs only with an idempotency key. */
  idempotent: boolean;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  attempts: number;
}

export interface OpenResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  attempts: number;
  /** Frees the in-flight place and the call's deadline timer; call when done with the body. */
  finish(): void;
  signal: CallSignal;
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
  shadow?: { url: string; calls: number; matches: number; mismatches: number; errors: number; skipped: number; latencyDeltaMs: { p50: number | undefined; p99: number | undefined } };
}

/**
 * Part of the remaining budget kept back so the sidecar answers 504 before
 * the client gives up: 5 %, but at least 50 ms (the 504 has to travel back
 * on a busy machine too) and never more than half.
 */
const SIDECAR_DEADLINE_MARGIN = 0.05;
const MIN_SIDECAR_DEADLINE_MARGIN_MS = 50;

function sidecarBudgetMs(remaining: number): number {
  const margin = Math.min(remaining / 2, Math.max(remaining * SIDECAR_DEADLINE_MARGIN, MIN_SIDECAR_DEADLINE_MARGIN_MS));
  return Math.max(1, Math.floor(remaining - margin));
}

export class SidecarChannel {
  readonly budget: RetryBudget;
  private endpoints: Endpoint[] = [];
  private readonly latency = new LatencyReservoir(512);
  private counters = { calls: 0, successes: 0, failures: 0, retries: 0 };
  private healthTimer: NodeJS.Timeout | undefined;
  /** Built once: the token does not change per call. */
  private readonly authorization: string | undefined;

  constructor(
    readonly config: Readonly<ResolvedSidecar>,
    private readonly events: ClientEventBus,
    private readonly logger: Logger | undefined,
  ) {
    this.authorization = config.token ? `Bearer ${config.token}` : undefined;
    this.budget = new RetryBudget({ ratio: config.retryBudgetRatio, minPerSecond: config.retryBudgetMinPerSecond, windowMs: config.retryBudgetWindowMs });
    this.setEndpoints(config.endpoints);
    if (config.healthCheckIntervalMs > 0) {
      this.healthTimer = setInterval(() => void this.checkHealth(), config.healthCheckIntervalMs);
      this.healthTimer.unref();
    }
  }

  /**
   * Replaces the replicas without dropping calls: endpoints that stay keep
   * their pool and state (weights are updated), new ones start fresh, and
   * removed ones stop taking calls and close once their calls are done.
   */
  setEndpoints(specs: readonly EndpointSpec[]): void {
    for (const spec of specs) {
      if (!parseEndpointSafe(spec.url)) throw new SquireConfigError(`sidecar "${this.name}": ${spec.url} is not an http(s):// or unix:/ endpoint`);
      if (!(spec.weight >= 0)) throw new SquireConfigError(`sidecar "${this.name}": weight of ${spec.url} must be ≥ 0`);
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

  /** Shadow traffic compared so far. */
  readonly shadowStats = { calls: 0, matches: 0, mismatches: 0, errors: 0, skipped: 0, latencyDeltaMs: new LatencyReservoir(512) };
  private shadowEndpoint: Endpoint | undefined;

  /**
   * Sends a copy of a successful invoke to the shadow endpoint, off the
   * caller's path (never awaited, never retried, errors only counted), and
   * compares its output and latency with the primary's. A copy that would
   * have to wait for a connection is dropped (`skipped`), so a slow shadow
   * never queues mirrored calls without bound.
   */
  mirror(body: string, primaryText: string, primaryStarted: number): void {
    const shadow = this.config.shadow;
    if (!shadow || Math.random() * 100 >= shadow.percent) return;
    const primaryMs = performance.now() - primaryStarted;
    this.shadowEndpoint ??= new Endpoint(shadow.url, 1, { ...this.config, maxInFlight: this.config.connections }, this.events, this.logger);
    const endpoint = this.shadowEndpoint;
    const release = endpoint.bulkhead.tryEnter();
    if (!release) {
      this.shadowStats.skipped += 1;
      return;
    }
    const started = performance.now();
    this.shadowStats.calls += 1;
    void endpoint.pool
      .request({ path: '/v1/invoke', method: 'POST', headers: { 'content-type': 'application/json', ...(this.authorization && { authorization: this.authorization }) }, body, headersTimeout: this.config.timeoutMs, bodyTimeout: this.config.timeoutMs })
      .then(async (response) => {
        const text = await response.body.text();
        const shadowMs = performance.now() - started;
        const match = response.statusCode === 200 && sameOutput(primaryText, text);
        if (match) this.shadowStats.matches += 1;
        else this.shadowStats.mismatches += 1;
        this.shadowStats.latencyDeltaMs.record(shadowMs - primaryMs);
        this.events.emit('shadow', { sidecar: this.name, endpoint: shadow.url, match, primaryMs, shadowMs });
      })
      .catch((error: unknown) => {
        this.shadowStats.errors += 1;
        this.events.emit('shadow', { sidecar: this.name, endpoint: shadow.url, match: false, primaryMs, shadowMs: performance.now() - started, error: String(error) });
      })
      .finally(release);
  }

  get name(): string {
    return this.config.name;
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
      ...(this.config.shadow && { shadow: this.shadowReport(this.config.shadow.url) }),
    };
  }

  private shadowReport(url: string): NonNullable<SidecarStats['shadow']> {
    const { calls, matches, mismatches, errors, skipped, latencyDeltaMs } = this.shadowStats;
    return { url, calls, matches, mismatches, errors, skipped, latencyDeltaMs: { p50: latencyDeltaMs.quantile(0.5), p99: latencyDeltaMs.quantile(0.99) } };
  }

  /** A whole call with a buffered body: 2xx resolves, anything else throws a `SquireError`. */
  async call(spec: RequestSpec, options: CallOptions = {}): Promise<CallResult> {
    const opened = await this.open(spec, options);
    try {
      const text = await opened.body.text();
      return { status: opened.status, headers: opened.headers, text, attempts: opened.attempts };
    } catch (error) {
      throw this.classify(error, opened.signal, 'body', opened.attempts);
    } finally {
      opened.finish();
    }
  }

  /**
   * Runs the retry loop until a 2xx answer's headers arrive and returns its
   * body unread (streams read it incrementally). Errors are `SquireError`s.
   */
  async open(spec: RequestSpec, options: CallOptions = {}): Promise<OpenResult> {
    // The monotonic clock: cheaper than Date.now() and immune to wall-clock steps.
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs;
    const deadline = started + timeoutMs;
    const signal = new CallSignal();
    const overall: Expiring = {
      deadline,
      expire: () => signal.abort(new TimeoutError(`no answer within ${timeoutMs} ms`, 'overall', { sidecar: this.name, endpoint: this.config.url })),
    };
    deadlines.add(overall);
    const callerSignal = options.signal;
    const onCallerAbort = () => signal.abort(new AbortError('the caller aborted the call', { sidecar: this.name, endpoint: this.config.url }));
    if (callerSignal?.aborted) onCallerAbort();
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const finish = () => {
      deadlines.delete(overall);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    };

    const key = options.idempotencyKey === false ? undefined : (options.idempotencyKey ?? (spec.idempotent ? undefined : randomUUID()));
    const maxRetries = options.maxRetries ?? this.config.maxRetries;
    this.counters.calls += 1;
    this.budget.recordCall();
    if (this.config.versionRange !== undefined) await this.checkVersions(signal);
    // Replicas already tried in this call; only allocated once a call retries.
    let tried: Endpoint[] | undefined;
    let attempt = 0;
    for (;;) {
      attempt += 1;
      let error: SquireError;
      let endpoint: Endpoint | undefined;
      try {
        endpoint = this.pick(tried, options.sessionId);
        const { response, release } = await this.attempt(endpoint, spec, options, key, deadline, signal, attempt);
        if (response.statusCode >= 200 && response.statusCode < 300) {
          endpoint.breaker.recordSuccess();
          this.counters.successes += 1;
          const elapsed = performance.now() - started;
          this.latency.record(elapsed);
          endpoint.latency.record(elapsed);
          const done = () => {
            release();
            finish();
          };
          return { status: response.statusCode, headers: response.headers, body: response.body, attempts: attempt, finish: done, signal };
        }
        const text = await response.body.text().catch(() => '');
        release();
        error = fromResponse(response.statusCode, text, {
          sidecar: this.name,
          endpoint: endpoint.url,
          attempts: attempt,
          retryAfter: secondsOf(parseRetryAfter(response.headers[HEADERS.retryAfter])),
        });
        endpoint.failures += 1;
        if (error.code === 'draining') {
          // Out of rotation at once; the next health check (or the cool-down) brings it back.
          endpoint.drainingUntil = Date.now() + this.config.breakerCooldownMs;
        }
        if (countsAgainstBreaker(response.statusCode, error.code)) endpoint.breaker.recordFailure();
        else endpoint.breaker.recordSuccess();
      } catch (caught) {
        error = this.classify(caught, signal, 'headers', attempt, endpoint?.url);
        if (!endpoint || error instanceof CircuitOpenError || error.code === 'client_overloaded') {
          // Failed fast without touching the sidecar: nothing to tell the breaker.
        } else if (!(error instanceof AbortError)) {
          endpoint.failures += 1;
          endpoint.breaker.recordFailure();
        } else {
          endpoint.breaker.releaseProbe();
        }
      }
      if (endpoint) (tried ??= []).push(endpoint);
      error.attempts = attempt;
      const delay = this.retryDelay(error, spec, key, attempt, maxRetries, deadline, signal);
      if (delay === undefined) {
        this.counters.failures += 1;
        finish();
        throw error;
      }
      this.counters.retries += 1;
      this.events.emit('retry', { sidecar: this.name, endpoint: endpoint?.url ?? this.config.url, attempt, delayMs: delay, error });
      this.logger?.debug({ sidecar: this.name, attempt, delayMs: delay, code: error.code }, 'squire: retrying');
      try {
        await sleep(delay, signal);
      } catch {
        this.counters.failures += 1;
        finish();
        throw this.classify(signal.reason, signal, 'overall', attempt);
      }
    }
  }

  private async attempt(
    endpoint: Endpoint,
    spec: RequestSpec,
    options: CallOptions,
    key: string | undefined,
    deadline: number,
    signal: CallSignal,
    attempt: number,
  ): Promise<{ response: Dispatcher.ResponseData; release: () => void }> {
    const { breaker, bulkhead } = endpoint;
    if (!breaker.tryPass()) {
      throw new CircuitOpenError(`the circuit breaker of sidecar "${this.name}" (${endpoint.url}) is open; next probe in ${breaker.retryInMs()} ms`, {
        sidecar: this.name,
        endpoint: endpoint.url,
        retryAfter: breaker.retryInMs() / 1000,
      });
    }
    const release =
      bulkhead.tryEnter() ??
      (await bulkhead.enter(signal).catch((reason: unknown) => {
        breaker.releaseProbe();
        throw reason;
      }));
    if (!release) {
      breaker.releaseProbe();
      throw new OverloadedError(`sidecar "${this.name}" (${endpoint.url}) already has ${bulkhead.maxInFlight} calls in flight`, {
        sidecar: this.name,
        endpoint: endpoint.url,
        code: 'client_overloaded',
        retryable: false,
      });
    }
    try {
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw signal.reason ?? new TimeoutError('the call budget is spent', 'overall');
      const extra = this.config.headers;
      const headers: Record<string, string> = extra === undefined && options.headers === undefined ? {} : { ...extra, ...options.headers };
      headers[HEADERS.timeoutMs] = String(sidecarBudgetMs(remaining));
      if (spec.body !== undefined) headers['content-type'] = 'application/json';
      if (spec.accept) headers.accept = spec.accept;
      if (this.authorization) headers.authorization = this.authorization;
      if (key) headers[HEADERS.idempotencyKey] = key;
      if (options.traceparent) headers[HEADERS.traceparent] = options.traceparent;
      if (this.events.wants('request')) {
        this.events.emit('request', { sidecar: this.name, endpoint: endpoint.url, method: spec.method, path: spec.path, attempt, idempotencyKey: key });
      }
      endpoint.calls += 1;
      const sent = performance.now();
      // undici wants whole milliseconds; the deadline timer, not these, holds the call to its budget.
      const phaseTimeout = Math.ceil(remaining);
      const response = await endpoint.pool.request({
        path: spec.path,
        method: spec.method,
        headers,
        body: spec.body ?? null,
        signal,
        headersTimeout: phaseTimeout,
        bodyTimeout: phaseTimeout,
      });
      if (this.events.wants('response')) {
        this.events.emit('response', { sidecar: this.name, endpoint: endpoint.url, status: response.statusCode, attempt, durationMs: performance.now() - sent });
      }
      // The in-flight place is held until the body is consumed or dropped
      // (the caller releases at once; 'close' covers a body left to the GC).
      response.body.once('close', release);
      response.body.once('error', release);
      return { response, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined to give up. */
  private retryDelay(error: SquireError, spec: RequestSpec, key: string | undefined, attempt: number, maxRetries: number, deadline: number, signal: CallSignal): number | undefined {
    if (signal.aborted || error instanceof AbortError || !error.retryable) return undefined;
    if (attempt > maxRetries) return undefined;
    // Without a key a POST may have run on the sidecar: retry only what never reached it.
    if (!spec.idempotent && key === undefined && !neverReachedServer(error)) return undefined;
    const retryAfterMs = error.retryAfter !== undefined ? error.retryAfter * 1000 : 0;
    if (retryAfterMs > this.config.maxRetryAfterMs) return undefined;
    const delay = Math.max(retryAfterMs, fullJitterBackoff(attempt, this.config.backoffBaseMs, this.config.backoffMaxMs));
    if (performance.now() + delay >= deadline) return undefined;
    if (!this.budget.tryRetry()) {
      this.logger?.warn({ sidecar: this.name, code: error.code }, 'squire: retry budget exhausted; not retrying');
      return undefined;
    }
    return delay;
  }

  /** Turns whatever a request threw into a `SquireError`. */
  classify(error: unknown, signal: CallSignal, phase: 'headers' | 'body' | 'overall', attempts: number, endpointUrl = this.config.url): SquireError {
    const fields = { sidecar: this.name, endpoint: endpointUrl, attempts };
    if (signal.aborted && isSquireError(signal.reason)) {
      const reason = signal.reason;
      reason.attempts = attempts;
      return reason;
    }
    if (isSquireError(error)) return error;
    const code = (error as { code?: string } | undefined)?.code ?? '';
    const message = (error as Error | undefined)?.message ?? String(error);
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return new TimeoutError(`connecting to sidecar "${this.name}" timed out`, 'connect', { ...fields, cause: error, code: 'connect_timeout' });
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new TimeoutError(`sidecar "${this.name}" sent no headers in time`, 'headers', { ...fields, cause: error, code: 'headers_timeout' });
      case 'UND_ERR_BODY_TIMEOUT':
        return new TimeoutError(`sidecar "${this.name}" stalled while sending its body`, 'body', { ...fields, cause: error, code: 'body_timeout' });
      case 'UND_ERR_ABORTED':
      case 'ABORT_ERR':
        return new AbortError('the call was aborted', { ...fields, cause: error });
      default:
        return new ConnectionError(`sidecar "${this.name}" at ${endpointUrl}: ${message}${phase === 'body' ? ' (while reading the body)' : ''}`, {
          ...fields,
          cause: error,
          code: code === 'ECONNREFUSED' || code === 'ENOENT' ? 'connection_refused' : 'connection_error',
        });
    }
  }

  close(): Promise<void> {
    clearInterval(this.healthTimer);
    return Promise.all([...this.endpoints, ...(this.shadowEndpoint ? [this.shadowEndpoint] : [])].map((endpoint) => endpoint.retire())).then(() => undefined);
  }

  destroy(): Promise<void> {
    clearInterval(this.healthTimer);
    return Promise.all([...this.endpoints, ...(this.shadowEndpoint ? [this.shadowEndpoint] : [])].map((endpoint) => endpoint.destroy())).then(() => undefined);
  }

  /**
   * Chooses the replica for one attempt: the session's own (rendezvous hash,
   * so a session stays on one version during a rollout), else the less
   * loaded of two weighted random picks (power of two choices). Replicas
   * already tried in this call are avoided while others are left.
   */
  private pick(tried: readonly Endpoint[] | undefined, sessionId: string | undefined): Endpoint {
    const now = Date.now();
    if (this.endpoints.length === 1) {
      // One replica (the usual case): no arrays to filter.
      const only = this.endpoints[0]!;
      if (only.eligible(now)) return only;
      throw this.noEndpoint(now);
    }
    const eligible = this.endpoints.filter((endpoint) => endpoint.eligible(now));
    const fresh = tried === undefined ? eligible : eligible.filter((endpoint) => !tried.includes(endpoint));
    const pool = fresh.length > 0 ? fresh : eligible;
    if (pool.length === 0) throw this.noEndpoint(now);
    if (pool.length === 1) return pool[0]!;
    if (sessionId !== undefined) return rendezvous(pool, sessionId);
    // Two weighted picks, the less busy wins and a tie goes to the first: when
    // load is light the shares follow the weights exactly (a canary at 5 % gets
    // 5 %), and under load calls move to the replica with fewer in flight.
    const a = weightedRandom(pool);
    const b = weightedRandom(pool);
    return b.bulkhead.inFlight < a.bulkhead.inFlight ? b : a;
  }

  private noEndpoint(now: number): SquireError {
    const fields = { sidecar: this.name, endpoint: this.config.url };
    if (this.endpoints.length === 0) return new ConnectionError(`sidecar "${this.name}" has no endpoints`, { ...fields, code: 'no_endpoint', retryable: false });
    if (this.endpoints.every((endpoint) => endpoint.versionOk === false)) {
      return new ConnectionError(`no endpoint of sidecar "${this.name}" runs a version in ${this.config.versionRange} (contract ${CONTRACT_VERSION}): ${this.endpoints.map((endpoint) => `${endpoint.url}=${endpoint.version ?? '?'}`).join(', ')}`, {
        ...fields,
        code: 'no_matching_endpoint',
        retryable: false,
      });
    }
    const wait = Math.min(...this.endpoints.map((endpoint) => Math.max(endpoint.breaker.retryInMs(), endpoint.drainingUntil - now, 0)));
    return new CircuitOpenError(`no endpoint of sidecar "${this.name}" takes calls now (breakers open, draining or not ready)`, { ...fields, retryAfter: wait / 1000 });
  }

  /** Reads the descriptor of replicas not checked yet and keeps out those outside the version range. */
  private async checkVersions(signal: CallSignal | undefined): Promise<void> {
    const unchecked = this.endpoints.filter((endpoint) => endpoint.versionOk === undefined);
    if (unchecked.length === 0) return;
    await Promise.all(
      unchecked.map(async (endpoint) => {
        try {
          const response = await endpoint.pool.request({ path: '/v1/agent', method: 'GET', headers: this.authorization ? { authorization: this.authorization } : {}, signal, headersTimeout: 2000, bodyTimeout: 2000 });
          const text = await response.body.text();
          if (response.statusCode !== 200) return;
          const descriptor = AgentDescriptorSchema.safeParse(JSON.parse(text));
          if (!descriptor.success) {
            endpoint.versionOk = false;
            return;
          }
          endpoint.version = descriptor.data.version;
          endpoint.versionOk = semver.satisfies(descriptor.data.version, this.config.versionRange!, { includePrerelease: true });
          if (!endpoint.versionOk) this.logger?.warn({ sidecar: this.name, endpoint: endpoint.url, version: endpoint.version, range: this.config.versionRange }, 'squire: endpoint version outside the pinned range; not used');
        } catch {
          // Unreachable now: stays unchecked, and unchecked replicas take no calls.
        }
      }),
    );
  }

  /** Active health check: `/readyz` of every replica; a ready one is back in rotation even if it said draining. */
  async checkHealth(): Promise<void> {
    await Promise.all(
      this.endpoints.map(async (endpoint) => {
        try {
          const response = await endpoint.pool.request({ path: '/readyz', method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
          await response.body.text();
          endpoint.ready = response.statusCode === 200;
          if (endpoint.ready) endpoint.drainingUntil = 0;
        } catch {
          endpoint.ready = false;
        }
      }),
    );
    if (this.config.versionRange !== undefined) await this.checkVersions(undefined);
  }
}

function sameOutput(a: string, b: string): boolean {
  try {
    return JSON.stringify((JSON.parse(a) as { output: unknown }).output) === JSON.stringify((JSON.parse(b) as { output: unknown }).output);
  } catch {
    return false;
  }
}

function weightedRandom(endpoints: readonly Endpoint[]): Endpoint {
  const total = endpoints.reduce((sum, endpoint) => sum + endpoint.weight, 0);
  let point = Math.random() * total;
  for (const endpoint of endpoints) {
    point -= endpoint.weight;
    if (point < 0) return endpoint;
  }
  return endpoints[endpoints.length - 1]!;
}

/** Weighted rendezvous hashing: the same key lands on the same replica while the set and weights hold. */
function rendezvous(endpoints: readonly Endpoint[], key: string): Endpoint {
  let best = endpoints[0]!;
  let bestScore = -Infinity;
  for (const endpoint of endpoints) {
    const hash = createHash('sha256').update(`${key}\u0000${endpoint.url}`).digest().readUInt32BE(0);
    const unit = (hash + 1) / 0x1_0000_0001;
    const score = -endpoint.weight / Math.log(unit);
    if (score > bestScore) {
      best = endpoint;
      bestScore = score;
    }
  }
  return best;
}

/** 5xx other than an agent's own failure say the sidecar is unwell; 4xx and agent errors do not. */
function countsAgainstBreaker(status: number, code: string): boolean {
  return status >= 500 && code !== 'agent_error' && code !== 'draining';
}

/** Errors where the request provably never reached the agent. */
function neverReachedServer(error: SquireError): boolean {
  return error.code === 'connection_refused' || error.code === 'connect_timeout' || error instanceof CircuitOpenError || error.status === 429 || error.code === 'draining' || error.code === 'not_ready';
}

function secondsOf(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

function sleep(ms: number, signal: CallSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.once('abort', onAbort);
  });
}
