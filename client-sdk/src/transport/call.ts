/**
 * @module
 * One logical call as the pipeline sees it: what to send, its one budget
 * (an absolute deadline on the monotonic clock), its one cancellation (the
 * deadline and the caller's `AbortSignal` both end there), its idempotency
 * key, the attempts made and the last real failure. Every attempt and every
 * policy reads this one object; `finish()` unhooks it from the shared
 * deadline timer and from the caller's signal.
 */
import { randomUUID } from 'node:crypto';
import { AbortError, TimeoutError, type SquireError } from '../errors.js';
import { CancelSource, linkAbortSignal } from '../internal/cancel.js';
import type { CallOptions, ResolvedSidecar } from '../options.js';
import { deadlines, type Expiring } from './deadlines.js';
import type { Endpoint } from './endpoint.js';
import { endCallTrace, passiveTraceparent, startCallTrace, type CallTrace } from './call-tracing.js';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** A JSON body, already serialised. */
  body?: string;
  accept?: string;
  /** GETs and DELETEs are safe to repeat; POSTs only with an idempotency key. */
  idempotent: boolean;
}

export class CallState implements Expiring {
  /** `performance.now()` at the start: cheaper than Date.now() and immune to wall-clock steps. */
  readonly started = performance.now();
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly cancel = new CancelSource();
  readonly key: string | undefined;
  readonly maxRetries: number;
  /** Attempts started so far. */
  attempt = 0;
  /** The failure of the last attempt that was retried: the cause of a later timeout. */
  lastFailure: SquireError | undefined;
  /** Replicas already tried; only allocated once a call retries. */
  tried: Endpoint[] | undefined;
  /** The call's span, when the application's OpenTelemetry SDK records it. */
  private trace: CallTrace | undefined;
  /** The `traceparent` every attempt sends when the call has no span of its own. */
  readonly traceparent: string | undefined;
  private readonly unlinkCaller: () => void;

  constructor(
    readonly config: Readonly<ResolvedSidecar>,
    readonly spec: RequestSpec,
    readonly options: CallOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? config.timeoutMs;
    this.deadline = this.started + this.timeoutMs;
    this.key = options.idempotencyKey === false ? undefined : (options.idempotencyKey ?? (spec.idempotent ? undefined : randomUUID()));
    this.maxRetries = options.maxRetries ?? config.maxRetries;
    this.trace = startCallTrace(config.name, spec, options.traceparent);
    this.traceparent = this.trace ? undefined : passiveTraceparent(options.traceparent);
    deadlines.add(this);
    this.unlinkCaller = linkAbortSignal(options.signal, this.cancel, () => new AbortError('the caller aborted the call', { sidecar: config.name, endpoint: config.url, cause: this.lastFailure }));
  }

  get sidecar(): string {
    return this.config.name;
  }

  /** Whether the request may be sent again even if the agent ran. */
  get mayRepeat(): boolean {
    return this.spec.idempotent || this.key !== undefined;
  }

  /** The overall deadline passed (called by the shared deadline timer). */
  expire(): void {
    this.cancel.abort(
      new TimeoutError(`no answer from sidecar "${this.sidecar}" within ${this.timeoutMs} ms${this.lastFailure ? ` (last failure: ${this.lastFailure.message})` : ''}`, {
        code: 'timeout',
        sidecar: this.sidecar,
        endpoint: this.config.url,
        cause: this.lastFailure,
      }),
    );
  }

  /** The span each attempt's span goes under; undefined when nothing records. */
  get traceContext(): CallTrace | undefined {
    return this.trace;
  }

  /** Ends the call; `error` is why it failed, if it did. */
  finish(error?: unknown): void {
    deadlines.delete(this);
    this.unlinkCaller();
    if (this.trace) {
      endCallTrace(this.trace, error);
      this.trace = undefined;
    }
  }
}
