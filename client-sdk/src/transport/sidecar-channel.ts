/**
 * @module
 * Everything the client keeps per sidecar, and the one call path every method
 * goes through: bulkhead → breaker → undici `Pool.request` with the
 * remaining budget as `Squire-Timeout-Ms` → classify → retry (idempotency key
 * reused, budget permitting, never past the deadline). A dead or hung sidecar
 * only ever holds its own pool, breaker and in-flight places.
 */
import { randomUUID } from 'node:crypto';
import { Pool, type Dispatcher } from 'undici';
import { HEADERS } from '../contract/index.js';
import type {
  SquireError} from '../errors.js';
import {
  AbortError,
  CircuitOpenError,
  ConnectionError,
  OverloadedError,
  TimeoutError,
  fromResponse,
  isSquireError,
} from '../errors.js';
import type { ClientEventBus } from '../events.js';
import type { Logger } from '../logger.js';
import { parseEndpointSafe, type CallOptions, type ResolvedSidecar } from '../options.js';
import { Bulkhead } from '../policies/bulkhead.js';
import { CircuitBreaker, type BreakerState } from '../policies/circuit-breaker.js';
import { RetryBudget } from '../policies/retry-budget.js';
import { fullJitterBackoff, parseRetryAfter } from '../policies/backoff.js';
import { LatencyReservoir } from './latency-reservoir.js';

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
  signal: AbortSignal;
}

export interface SidecarStats {
  endpoint: string;
  inFlight: number;
  queued: number;
  calls: number;
  successes: number;
  failures: number;
  retries: number;
  breaker: BreakerState['state'];
  latencyMs: { p50: number | undefined; p99: number | undefined };
}

/** Share of the remaining budget kept back so the sidecar answers 504 before the client gives up. */
const SIDECAR_DEADLINE_MARGIN = 0.05;

export class SidecarChannel {
  readonly pool: Pool;
  readonly breaker: CircuitBreaker;
  readonly bulkhead: Bulkhead;
  readonly budget: RetryBudget;
  private readonly latency = new LatencyReservoir(512);
  private counters = { calls: 0, successes: 0, failures: 0, retries: 0 };

  constructor(
    readonly config: Readonly<ResolvedSidecar>,
    private readonly events: ClientEventBus,
    private readonly logger: Logger | undefined,
  ) {
    const endpoint = parseEndpointSafe(config.url)!;
    this.pool = new Pool(endpoint.origin, {
      connections: config.connections,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      keepAliveMaxTimeout: config.keepAliveTimeoutMs,
      connect: { timeout: config.connectTimeoutMs, ...(endpoint.socketPath && { socketPath: endpoint.socketPath }) },
      // Per-request timeouts are set from the call's remaining budget.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.breaker = new CircuitBreaker(
      { failureThreshold: config.breakerFailureThreshold, cooldownMs: config.breakerCooldownMs },
      (state, previous) => {
        this.logger?.warn({ sidecar: config.name, endpoint: config.url, state: state.state, previous: previous.state }, 'squire: circuit breaker changed state');
        this.events.emit('breaker', { sidecar: config.name, endpoint: config.url, state: state.state, previous: previous.state });
      },
    );
    this.bulkhead = new Bulkhead(config.maxInFlight, config.maxQueued);
    this.budget = new RetryBudget({ ratio: config.retryBudgetRatio, minPerSecond: config.retryBudgetMinPerSecond, windowMs: config.retryBudgetWindowMs });
  }

  get name(): string {
    return this.config.name;
  }

  stats(): SidecarStats {
    return {
      endpoint: this.config.url,
      inFlight: this.bulkhead.inFlight,
      queued: this.bulkhead.queued,
      ...this.counters,
      breaker: this.breaker.state.state,
      latencyMs: { p50: this.latency.quantile(0.5), p99: this.latency.quantile(0.99) },
    };
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
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const controller = new AbortController();
    const overall = setTimeout(() => controller.abort(new TimeoutError(`no answer within ${timeoutMs} ms`, 'overall', { sidecar: this.name, endpoint: this.config.url })), timeoutMs);
    const onCallerAbort = () => controller.abort(new AbortError('the caller aborted the call', { sidecar: this.name, endpoint: this.config.url }));
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (options.signal?.aborted) onCallerAbort();
    const finish = () => {
      clearTimeout(overall);
      options.signal?.removeEventListener('abort', onCallerAbort);
    };

    const key = options.idempotencyKey === false ? undefined : (options.idempotencyKey ?? (spec.idempotent ? undefined : randomUUID()));
    const maxRetries = options.maxRetries ?? this.config.maxRetries;
    this.counters.calls += 1;
    this.budget.recordCall();
    let attempt = 0;
    for (;;) {
      attempt += 1;
      let error: SquireError;
      try {
        const { response, release } = await this.attempt(spec, options, key, deadline, controller.signal, attempt);
        if (response.statusCode >= 200 && response.statusCode < 300) {
          this.breaker.recordSuccess();
          this.counters.successes += 1;
          this.latency.record(performance.now() - started);
          const done = () => {
            release();
            finish();
          };
          return { status: response.statusCode, headers: response.headers, body: response.body, attempts: attempt, finish: done, signal: controller.signal };
        }
        const text = await response.body.text().catch(() => '');
        release();
        error = fromResponse(response.statusCode, text, {
          sidecar: this.name,
          endpoint: this.config.url,
          attempts: attempt,
          retryAfter: secondsOf(parseRetryAfter(response.headers[HEADERS.retryAfter])),
        });
        if (countsAgainstBreaker(response.statusCode, error.code)) this.breaker.recordFailure();
        else this.breaker.recordSuccess();
      } catch (caught) {
        error = this.classify(caught, controller.signal, 'headers', attempt);
        if (error instanceof CircuitOpenError || error.code === 'client_overloaded') {
          // Failed fast without touching the sidecar: nothing to tell the breaker.
        } else if (!(error instanceof AbortError)) {
          this.breaker.recordFailure();
        } else {
          this.breaker.releaseProbe();
        }
      }
      error.attempts = attempt;
      const delay = this.retryDelay(error, spec, key, attempt, maxRetries, deadline, controller.signal);
      if (delay === undefined) {
        this.counters.failures += 1;
        finish();
        throw error;
      }
      this.counters.retries += 1;
      this.events.emit('retry', { sidecar: this.name, endpoint: this.config.url, attempt, delayMs: delay, error });
      this.logger?.debug({ sidecar: this.name, attempt, delayMs: delay, code: error.code }, 'squire: retrying');
      try {
        await sleep(delay, controller.signal);
      } catch {
        this.counters.failures += 1;
        finish();
        throw this.classify(controller.signal.reason, controller.signal, 'overall', attempt);
      }
    }
  }

  private async attempt(
    spec: RequestSpec,
    options: CallOptions,
    key: string | undefined,
    deadline: number,
    signal: AbortSignal,
    attempt: number,
  ): Promise<{ response: Dispatcher.ResponseData; release: () => void }> {
    if (!this.breaker.tryPass()) {
      throw new CircuitOpenError(`the circuit breaker of sidecar "${this.name}" is open; next probe in ${this.breaker.retryInMs()} ms`, {
        sidecar: this.name,
        endpoint: this.config.url,
        retryAfter: this.breaker.retryInMs() / 1000,
      });
    }
    const release = await this.bulkhead.enter(signal).catch((reason: unknown) => {
      this.breaker.releaseProbe();
      throw reason;
    });
    if (!release) {
      this.breaker.releaseProbe();
      throw new OverloadedError(`sidecar "${this.name}" already has ${this.bulkhead.maxInFlight} calls in flight`, {
        sidecar: this.name,
        endpoint: this.config.url,
        code: 'client_overloaded',
        retryable: false,
      });
    }
    try {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw signal.reason ?? new TimeoutError('the call budget is spent', 'overall');
      const headers: Record<string, string> = {
        ...this.config.headers,
        ...options.headers,
        [HEADERS.timeoutMs]: String(Math.max(1, Math.floor(remaining * (1 - SIDECAR_DEADLINE_MARGIN)))),
      };
      if (spec.body !== undefined) headers['content-type'] = 'application/json';
      if (spec.accept) headers.accept = spec.accept;
      if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
      if (key) headers[HEADERS.idempotencyKey] = key;
      if (options.traceparent) headers[HEADERS.traceparent] = options.traceparent;
      if (this.events.wants('request')) {
        this.events.emit('request', { sidecar: this.name, endpoint: this.config.url, method: spec.method, path: spec.path, attempt, idempotencyKey: key });
      }
      const sent = performance.now();
      const response = await this.pool.request({
        path: spec.path,
        method: spec.method,
        headers,
        body: spec.body ?? null,
        signal,
        headersTimeout: remaining,
        bodyTimeout: remaining,
      });
      if (this.events.wants('response')) {
        this.events.emit('response', { sidecar: this.name, endpoint: this.config.url, status: response.statusCode, attempt, durationMs: performance.now() - sent });
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
  private retryDelay(error: SquireError, spec: RequestSpec, key: string | undefined, attempt: number, maxRetries: number, deadline: number, signal: AbortSignal): number | undefined {
    if (signal.aborted || error instanceof AbortError || !error.retryable) return undefined;
    if (attempt > maxRetries) return undefined;
    // Without a key a POST may have run on the sidecar: retry only what never reached it.
    if (!spec.idempotent && key === undefined && !neverReachedServer(error)) return undefined;
    const retryAfterMs = error.retryAfter !== undefined ? error.retryAfter * 1000 : 0;
    if (retryAfterMs > this.config.maxRetryAfterMs) return undefined;
    const delay = Math.max(retryAfterMs, fullJitterBackoff(attempt, this.config.backoffBaseMs, this.config.backoffMaxMs));
    if (Date.now() + delay >= deadline) return undefined;
    if (!this.budget.tryRetry()) {
      this.logger?.warn({ sidecar: this.name, code: error.code }, 'squire: retry budget exhausted; not retrying');
      return undefined;
    }
    return delay;
  }

  /** Turns whatever a request threw into a `SquireError`. */
  classify(error: unknown, signal: AbortSignal, phase: 'headers' | 'body' | 'overall', attempts: number): SquireError {
    const fields = { sidecar: this.name, endpoint: this.config.url, attempts };
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
        return new ConnectionError(`sidecar "${this.name}" at ${this.config.url}: ${message}${phase === 'body' ? ' (while reading the body)' : ''}`, {
          ...fields,
          cause: error,
          code: code === 'ECONNREFUSED' || code === 'ENOENT' ? 'connection_refused' : 'connection_error',
        });
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
