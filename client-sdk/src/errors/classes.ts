/**
 * @module
 * The SDK's errors: one root class, a closed set of subclasses, and a code
 * from the closed table ({@link SQUIRE_ERROR_CODES}) on each, which fixes
 * the class, `retryable` and `phase`. Fields are read-only: where the call
 * adds what it learnt (attempts made, the endpoint, the pipeline step) it
 * makes a copy with `with…()`, so an error already handed to one caller
 * never changes under it. `cause` is always kept, so every error carries
 * its chain down to the socket error, the problem or the last real failure.
 * Guards check a brand rather than `instanceof`, so they hold across two
 * copies of the package.
 */
import type { InvokeResult, Problem, ValidationIssue } from '../contract/index.js';
import { SQUIRE_ERROR_CODES, type CodesOf, type ErrorClassName, type ErrorPhase, type SquireErrorCode } from './codes.js';

const BRAND = Symbol.for('squire.client.error');

/** The phases a `TimeoutError` can come from. */
export type TimeoutPhase = Extract<ErrorPhase, 'connect' | 'headers' | 'body' | 'overall'>;

export interface SquireErrorFields<TCode extends SquireErrorCode = SquireErrorCode> {
  code?: TCode | undefined;
  /** The sidecar's name in the client config. */
  sidecar?: string | undefined;
  /** The endpoint the last attempt went to. */
  endpoint?: string | undefined;
  status?: number | undefined;
  runId?: string | undefined;
  /** Attempts made, including the last. */
  attempts?: number | undefined;
  /** Milliseconds, from `Retry-After` (or the breaker's cool-down). */
  retryAfterMs?: number | undefined;
  problem?: Problem | undefined;
  issues?: ValidationIssue[] | undefined;
  cause?: unknown;
}

export class SquireError extends Error {
  override name = 'SquireError';
  readonly [BRAND] = true;
  readonly code: SquireErrorCode;
  /** Whether the SDK retries this failure (see the errors table). */
  readonly retryable: boolean;
  readonly phase: ErrorPhase;
  readonly sidecar: string | undefined;
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  readonly runId: string | undefined;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;
  readonly problem: Problem | undefined;
  /** Set on the error a `client.pipeline()` step throws: the index of the failing step. */
  readonly step: number | undefined;
  /** Set with `step`: the steps that completed before it. */
  readonly completedSteps: ReadonlyArray<{ agent: string; result: InvokeResult }> | undefined;

  constructor(message: string, fields: SquireErrorFields = {}, defaultCode: SquireErrorCode = 'unexpected_error') {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    const code = fields.code ?? defaultCode;
    const spec = SQUIRE_ERROR_CODES[code];
    this.code = code;
    this.retryable = spec.retryable;
    this.phase = spec.phase;
    this.sidecar = fields.sidecar;
    this.endpoint = fields.endpoint;
    this.status = fields.status;
    this.runId = fields.runId;
    this.attempts = fields.attempts ?? 1;
    this.retryAfterMs = fields.retryAfterMs;
    this.problem = fields.problem;
    this.step = undefined;
    this.completedSteps = undefined;
  }

  /** Seconds, from `Retry-After`. @deprecated use `retryAfterMs` */
  get retryAfter(): number | undefined {
    return this.retryAfterMs === undefined ? undefined : this.retryAfterMs / 1000;
  }

  /** A copy that says how many attempts the call made. */
  withAttempts(attempts: number): this {
    return attempts === this.attempts ? this : this.copyWith({ attempts });
  }

  /** A copy that names the sidecar and the endpoint it came from. */
  withEndpoint(sidecar: string, endpoint: string): this {
    return sidecar === this.sidecar && endpoint === this.endpoint ? this : this.copyWith({ sidecar, endpoint });
  }

  /** A copy that says which pipeline step failed and what completed before it. */
  withStep(step: number, completedSteps: ReadonlyArray<{ agent: string; result: InvokeResult }>): this {
    return this.copyWith({ step, completedSteps });
  }

  private copyWith(fields: Partial<Pick<SquireError, 'attempts' | 'sidecar' | 'endpoint' | 'step' | 'completedSteps'>>): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object, Object.getOwnPropertyDescriptors(this)) as this;
    // On Node 24 `stack` is an accessor that reads the original error's internal slot: copy its value.
    Object.defineProperty(copy, 'stack', { value: this.stack, writable: true, configurable: true, enumerable: false });
    return Object.assign(copy, fields);
  }
}

/** The sidecar could not be reached, the connection broke before an answer, or no replica may take the call. */
export class ConnectionError extends SquireError {
  override name = 'ConnectionError';
  constructor(message: string, fields: SquireErrorFields<CodesOf<'ConnectionError'>> = {}) {
    super(message, fields, 'connection_error');
  }
}

/** A deadline passed; `phase` says which one. */
export class TimeoutError extends SquireError {
  override name = 'TimeoutError';
  declare readonly phase: TimeoutPhase;
  constructor(message: string, fields: SquireErrorFields<CodesOf<'TimeoutError'>> = {}) {
    super(message, fields, 'timeout');
  }
}

/** The caller aborted the call (its `AbortSignal`). Never retried. */
export class AbortError extends SquireError {
  override name = 'AbortError';
  constructor(message = 'the call was aborted', fields: SquireErrorFields<'aborted'> = {}) {
    super(message, fields, 'aborted');
  }
}

/** The sidecar's circuit breaker is open: the call failed fast without a request. */
export class CircuitOpenError extends SquireError {
  override name = 'CircuitOpenError';
  constructor(message: string, fields: SquireErrorFields<'circuit_open'> = {}) {
    super(message, fields, 'circuit_open');
  }
}

/** 429 `overloaded` from the sidecar, or the client's own in-flight limit (`client_overloaded`). */
export class OverloadedError extends SquireError {
  override name = 'OverloadedError';
  constructor(message: string, fields: SquireErrorFields<CodesOf<'OverloadedError'>> = {}) {
    super(message, fields, 'overloaded');
  }
}

/** 400: the input (or the request) does not match the agent's schema. */
export class InvalidInputError extends SquireError {
  override name = 'InvalidInputError';
  readonly issues: ValidationIssue[];
  constructor(message: string, fields: SquireErrorFields<CodesOf<'InvalidInputError'>> = {}) {
    super(message, fields, 'invalid_input');
    this.issues = fields.issues ?? [];
  }
}

/** 401/403: the token is missing or wrong, or the Host was refused. */
export class AuthError extends SquireError {
  override name = 'AuthError';
  constructor(message: string, fields: SquireErrorFields<CodesOf<'AuthError'>> = {}) {
    super(message, fields, 'unauthorized');
  }
}

/** 500: the agent threw or broke its output schema. */
export class AgentError extends SquireError {
  override name = 'AgentError';
  constructor(message: string, fields: SquireErrorFields<'agent_error'> = {}) {
    super(message, fields, 'agent_error');
  }
}

/** 502: the agent's model endpoint failed, after the retries the sidecar made in place. */
export class UpstreamError extends SquireError {
  override name = 'UpstreamError';
  constructor(message: string, fields: SquireErrorFields<CodesOf<'UpstreamError'> | CodesOf<'RateLimitedError'>> = {}, defaultCode: CodesOf<'UpstreamError'> | CodesOf<'RateLimitedError'> = 'upstream_error') {
    super(message, fields, defaultCode);
  }
}

/**
 * 429 `rate_limited`: the model endpoint rate-limits and its `Retry-After`
 * (`retryAfterMs`) is longer than the call's budget or the sidecar's retries
 * left. Surfaced at once rather than slept into the deadline.
 */
export class RateLimitedError extends UpstreamError {
  override name = 'RateLimitedError';
  constructor(message: string, fields: SquireErrorFields<'rate_limited'> = {}) {
    super(message, fields, 'rate_limited');
  }
}

/** The answer did not follow the contract (not JSON, wrong shape, failed the output schema). */
export class ProtocolError extends SquireError {
  override name = 'ProtocolError';
  constructor(message: string, fields: SquireErrorFields<'protocol_error'> = {}) {
    super(message, fields, 'protocol_error');
  }
}

/** Any other HTTP error status (404, 409, 422, 503 draining, …), with its problem. */
export class HttpError extends SquireError {
  override name = 'HttpError';
  constructor(message: string, fields: SquireErrorFields<CodesOf<'HttpError'>> = {}) {
    super(message, fields, 'http_error');
  }
}

/** A swap could not go ahead (e.g. the new replica never became ready); traffic stays where it was. */
export class SwapError extends SquireError {
  override name = 'SwapError';
  constructor(message: string, fields: SquireErrorFields<CodesOf<'SwapError'>> = {}) {
    super(message, fields, 'replica_not_ready');
  }
}

/** Invalid client options or arguments; thrown by `createClient`, `client.agent`, `fanOut`, …. */
export class SquireConfigError extends SquireError {
  override name = 'SquireConfigError';
  constructor(message: string, fields: SquireErrorFields<'invalid_config'> = {}) {
    super(message, fields, 'invalid_config');
  }
}

type ErrorClass = new (message: string, fields: SquireErrorFields) => SquireError;

const CLASSES: Record<ErrorClassName, ErrorClass> = {
  SquireError,
  ConnectionError,
  TimeoutError,
  AbortError,
  CircuitOpenError,
  OverloadedError,
  RateLimitedError,
  InvalidInputError,
  AuthError,
  AgentError,
  UpstreamError,
  ProtocolError,
  HttpError,
  SwapError,
  SquireConfigError,
} as Record<ErrorClassName, ErrorClass>;

/** The error of the class the code's table row names. */
export function squireError(code: SquireErrorCode, message: string, fields: Omit<SquireErrorFields, 'code'> = {}): SquireError {
  return new CLASSES[SQUIRE_ERROR_CODES[code].class](message, { ...fields, code });
}

export function isSquireError(value: unknown): value is SquireError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** By name along the prototype chain, so a guard holds for subclasses and across package copies. */
const guard =
  <T extends SquireError>(name: ErrorClassName) =>
  (value: unknown): value is T => {
    if (!isSquireError(value)) return false;
    if (value.name === name) return true;
    for (let proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null; proto; proto = Object.getPrototypeOf(proto) as typeof proto) {
      if (proto.constructor?.name === name) return true;
    }
    return false;
  };

export const isConnectionError = guard<ConnectionError>('ConnectionError');
export const isTimeoutError = guard<TimeoutError>('TimeoutError');
export const isAbortError = guard<AbortError>('AbortError');
export const isCircuitOpenError = guard<CircuitOpenError>('CircuitOpenError');
export const isOverloadedError = guard<OverloadedError>('OverloadedError');
export const isRateLimitedError = guard<RateLimitedError>('RateLimitedError');
export const isInvalidInputError = guard<InvalidInputError>('InvalidInputError');
export const isAuthError = guard<AuthError>('AuthError');
export const isAgentError = guard<AgentError>('AgentError');
export const isUpstreamError = guard<UpstreamError>('UpstreamError');
export const isProtocolError = guard<ProtocolError>('ProtocolError');
export const isHttpError = guard<HttpError>('HttpError');
export const isSwapError = guard<SwapError>('SwapError');
export const isSquireConfigError = guard<SquireConfigError>('SquireConfigError');
