/**
 * @module
 * The SDK's errors: one root class, a closed set of subclasses, a stable
 * `code` on each, and `cause` always kept. Guards check a brand rather than
 * `instanceof`, so they hold across two copies of the package.
 */
import { ProblemSchema, type Problem, type ValidationIssue } from './contract/index.js';

const BRAND = Symbol.for('squire.client.error');

export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'overall';

export interface SquireErrorFields {
  /** The sidecar's name in the client config. */
  sidecar?: string | undefined;
  /** The endpoint the last attempt went to. */
  endpoint?: string | undefined;
  status?: number | undefined;
  /** The problem `code` from the sidecar, or a client-side code such as `connection_error`. */
  code?: string | undefined;
  runId?: string | undefined;
  /** Attempts made, including the last. */
  attempts?: number | undefined;
  retryable?: boolean | undefined;
  /** Seconds, from `Retry-After`. */
  retryAfter?: number | undefined;
  problem?: Problem | undefined;
  cause?: unknown;
}

export class SquireError extends Error {
  override name = 'SquireError';
  readonly [BRAND] = true;
  sidecar: string | undefined;
  endpoint: string | undefined;
  readonly status: number | undefined;
  readonly code: string;
  readonly runId: string | undefined;
  attempts: number;
  readonly retryable: boolean;
  readonly retryAfter: number | undefined;
  readonly problem: Problem | undefined;

  constructor(message: string, fields: SquireErrorFields = {}, defaultCode = 'squire_error') {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.sidecar = fields.sidecar;
    this.endpoint = fields.endpoint;
    this.status = fields.status;
    this.code = fields.code ?? defaultCode;
    this.runId = fields.runId;
    this.attempts = fields.attempts ?? 1;
    this.retryable = fields.retryable ?? false;
    this.retryAfter = fields.retryAfter;
    this.problem = fields.problem;
  }
}

/** The sidecar could not be reached, or the connection broke before an answer. */
export class ConnectionError extends SquireError {
  override name = 'ConnectionError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, { retryable: true, ...fields }, 'connection_error');
  }
}

/** A deadline passed; `phase` says which one. */
export class TimeoutError extends SquireError {
  override name = 'TimeoutError';
  readonly phase: TimeoutPhase;
  constructor(message: string, phase: TimeoutPhase, fields: SquireErrorFields = {}) {
    super(message, { retryable: phase !== 'overall', ...fields }, fields.code ?? 'timeout');
    this.phase = phase;
  }
}

/** The caller aborted the call (its `AbortSignal`). Never retried. */
export class AbortError extends SquireError {
  override name = 'AbortError';
  constructor(message = 'the call was aborted', fields: SquireErrorFields = {}) {
    super(message, { retryable: false, ...fields }, 'aborted');
  }
}

/** The sidecar's circuit breaker is open: the call failed fast without a request. */
export class CircuitOpenError extends SquireError {
  override name = 'CircuitOpenError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, { retryable: true, ...fields }, 'circuit_open');
  }
}

/** 429 from the sidecar, or the client's own in-flight limit (`code: 'client_overloaded'`). */
export class OverloadedError extends SquireError {
  override name = 'OverloadedError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, { retryable: true, ...fields }, 'overloaded');
  }
}

/** 400: the input (or the request) does not match the agent's schema. */
export class InvalidInputError extends SquireError {
  override name = 'InvalidInputError';
  readonly issues: ValidationIssue[];
  constructor(message: string, issues: ValidationIssue[], fields: SquireErrorFields = {}) {
    super(message, { retryable: false, ...fields }, 'invalid_input');
    this.issues = issues;
  }
}

/** 401/403: the token is missing or wrong, or the Host was refused. */
export class AuthError extends SquireError {
  override name = 'AuthError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, { retryable: false, ...fields }, 'unauthorized');
  }
}

/** 500: the agent threw or broke its output schema. */
export class AgentError extends SquireError {
  override name = 'AgentError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, { retryable: false, ...fields }, 'agent_error');
  }
}

/** 502 (or an upstream 429): the agent's model endpoint failed. */
export class UpstreamError extends SquireError {
  override name = 'UpstreamError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, { retryable: true, ...fields }, 'upstream_error');
  }
}

/** The answer did not follow the contract (not JSON, wrong shape, failed the output schema). */
export class ProtocolError extends SquireError {
  override name = 'ProtocolError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, { retryable: false, ...fields }, 'protocol_error');
  }
}

/** Any other HTTP error status (404, 409, 422, 503 draining, …), with its problem. */
export class HttpError extends SquireError {
  override name = 'HttpError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, fields, 'http_error');
  }
}

/** Invalid client options; thrown by `createClient` and `withOptions`. */
export class SquireConfigError extends SquireError {
  override name = 'SquireConfigError';
  constructor(message: string, fields: SquireErrorFields = {}) {
    super(message, { retryable: false, ...fields }, 'invalid_config');
  }
}

const guard =
  <T extends SquireError>(name: string) =>
  (value: unknown): value is T =>
    isSquireError(value) && (value.name === name || Object.getPrototypeOf(value)?.constructor?.name === name);

export function isSquireError(value: unknown): value is SquireError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
export const isConnectionError = guard<ConnectionError>('ConnectionError');
export const isTimeoutError = guard<TimeoutError>('TimeoutError');
export const isAbortError = guard<AbortError>('AbortError');
export const isCircuitOpenError = guard<CircuitOpenError>('CircuitOpenError');
export const isOverloadedError = guard<OverloadedError>('OverloadedError');
export const isInvalidInputError = guard<InvalidInputError>('InvalidInputError');
export const isAuthError = guard<AuthError>('AuthError');
export const isAgentError = guard<AgentError>('AgentError');
export const isUpstreamError = guard<UpstreamError>('UpstreamError');
export const isProtocolError = guard<ProtocolError>('ProtocolError');
export const isHttpError = guard<HttpError>('HttpError');

/**
 * Maps an HTTP error answer to its error class: by the problem `code` when
 * the body is problem+json, else by status (a proxy's HTML 502 still gives
 * a clear error).
 */
export function fromResponse(status: number, bodyText: string, fields: SquireErrorFields = {}): SquireError {
  let problem: Problem | undefined;
  try {
    const parsed = ProblemSchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) problem = parsed.data;
  } catch {
    // not JSON: classified by status below
  }
  const base: SquireErrorFields = {
    ...fields,
    status,
    problem,
    ...(problem?.code !== undefined && { code: problem.code }),
    ...(problem?.run_id !== undefined && { runId: problem.run_id }),
    ...(problem?.retryable !== undefined && { retryable: problem.retryable }),
    ...(problem?.retry_after !== undefined && fields.retryAfter === undefined && { retryAfter: problem.retry_after }),
  };
  const detail = problem ? `${problem.title}: ${problem.detail ?? ''}`.replace(/: $/, '') : `HTTP ${status}${bodyText ? `: ${bodyText.slice(0, 200)}` : ''}`;
  const where = fields.sidecar ? ` (sidecar "${fields.sidecar}")` : '';
  const message = `${detail}${where}`;
  const code = problem?.code;
  if (code === 'invalid_input' || code === 'invalid_json' || code === 'invalid_request' || (status === 400 && !code)) {
    return new InvalidInputError(message, problem?.issues ?? [], base);
  }
  if (status === 401 || status === 403) return new AuthError(message, base);
  if (status === 429 && code === 'rate_limited') return new UpstreamError(message, { retryable: true, ...base });
  if (status === 429) return new OverloadedError(message, { retryable: true, ...base });
  if (code === 'agent_error' || (status === 500 && !code)) return new AgentError(message, base);
  if (status === 502) return new UpstreamError(message, { retryable: true, ...base });
  if (status === 504 || code === 'deadline_exceeded') return new TimeoutError(message, 'overall', { retryable: true, ...base, code: code ?? 'deadline_exceeded' });
  if (status === 503) return new HttpError(message, { retryable: true, ...base, code: code ?? 'unavailable' });
  return new HttpError(message, base);
}
