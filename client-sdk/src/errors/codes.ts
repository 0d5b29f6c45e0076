/**
 * @module
 * The closed table of every `code` a `SquireError` can carry: the contract's
 * problem codes (what a sidecar answers) and the SDK's own (what happens on
 * the client's side of the wire). Each code fixes its error class, whether
 * the SDK retries it, and the phase of the call it comes from; the classes,
 * the retry decision and the README's error table all read this one table,
 * so they cannot drift apart.
 */
import type { ErrorCode } from '../contract/error-codes.js';

export type ErrorClassName =
  | 'SquireError'
  | 'ConnectionError'
  | 'TimeoutError'
  | 'AbortError'
  | 'CircuitOpenError'
  | 'OverloadedError'
  | 'RateLimitedError'
  | 'InvalidInputError'
  | 'AuthError'
  | 'AgentError'
  | 'UpstreamError'
  | 'ProtocolError'
  | 'HttpError'
  | 'SwapError'
  | 'SquireConfigError';

/**
 * Where in a call an error arises:
 * - `config`: bad options or arguments, before anything was sent;
 * - `admission`: refused before the agent ran, by the SDK (breaker, in-flight
 *   limit, no usable replica) or by the sidecar (`overloaded`, `draining`,
 *   `not_ready`): always safe to send again;
 * - `connect`: opening the connection (nothing reached the sidecar);
 * - `headers`: the request went out and no answer came back (the agent may have run);
 * - `response`: the sidecar answered with this error;
 * - `body`: while reading the answer or its event stream;
 * - `overall`: the call's budget ran out, or the caller ended it;
 * - `swap`: moving traffic between replicas.
 */
export type ErrorPhase = 'config' | 'admission' | 'connect' | 'headers' | 'response' | 'body' | 'overall' | 'swap';

export interface ErrorCodeSpec {
  readonly class: ErrorClassName;
  /** Whether the SDK's retry loop retries it (within `maxRetries`, the retry budget and the deadline). */
  readonly retryable: boolean;
  readonly phase: ErrorPhase;
}

/** The contract's codes, as the client classifies them. `upstream_error` and `rate_limited` were already retried by the sidecar. */
const SIDECAR_CODES = {
  invalid_json: { class: 'InvalidInputError', retryable: false, phase: 'response' },
  invalid_input: { class: 'InvalidInputError', retryable: false, phase: 'response' },
  invalid_request: { class: 'InvalidInputError', retryable: false, phase: 'response' },
  body_too_deep: { class: 'InvalidInputError', retryable: false, phase: 'response' },
  unauthorized: { class: 'AuthError', retryable: false, phase: 'response' },
  forbidden_host: { class: 'AuthError', retryable: false, phase: 'response' },
  not_found: { class: 'HttpError', retryable: false, phase: 'response' },
  method_not_allowed: { class: 'HttpError', retryable: false, phase: 'response' },
  conflict: { class: 'HttpError', retryable: false, phase: 'response' },
  body_too_large: { class: 'HttpError', retryable: false, phase: 'response' },
  unsupported_media_type: { class: 'HttpError', retryable: false, phase: 'response' },
  idempotency_key_reused: { class: 'HttpError', retryable: false, phase: 'response' },
  overloaded: { class: 'OverloadedError', retryable: true, phase: 'admission' },
  rate_limited: { class: 'RateLimitedError', retryable: false, phase: 'response' },
  agent_error: { class: 'AgentError', retryable: false, phase: 'response' },
  internal_error: { class: 'HttpError', retryable: false, phase: 'response' },
  upstream_error: { class: 'UpstreamError', retryable: false, phase: 'response' },
  draining: { class: 'HttpError', retryable: true, phase: 'admission' },
  not_ready: { class: 'HttpError', retryable: true, phase: 'admission' },
  // Nothing was acknowledged, so another attempt (another replica first) is safe.
  store_unavailable: { class: 'HttpError', retryable: true, phase: 'response' },
  deadline_exceeded: { class: 'TimeoutError', retryable: true, phase: 'overall' },
  cancelled: { class: 'HttpError', retryable: false, phase: 'response' },
  // The caller chose `reject`: sending the same turn again at once would defeat it.
  session_busy: { class: 'HttpError', retryable: false, phase: 'admission' },
  session_queue_full: { class: 'OverloadedError', retryable: true, phase: 'admission' },
} as const satisfies { readonly [K in ErrorCode]: ErrorCodeSpec };

/** Codes only the SDK raises. */
const CLIENT_CODES = {
  connection_refused: { class: 'ConnectionError', retryable: true, phase: 'connect' },
  connect_timeout: { class: 'TimeoutError', retryable: true, phase: 'connect' },
  connection_error: { class: 'ConnectionError', retryable: true, phase: 'headers' },
  headers_timeout: { class: 'TimeoutError', retryable: true, phase: 'headers' },
  body_timeout: { class: 'TimeoutError', retryable: false, phase: 'body' },
  first_event_timeout: { class: 'TimeoutError', retryable: false, phase: 'body' },
  stream_idle_timeout: { class: 'TimeoutError', retryable: false, phase: 'body' },
  timeout: { class: 'TimeoutError', retryable: false, phase: 'overall' },
  wait_timeout: { class: 'TimeoutError', retryable: false, phase: 'overall' },
  aborted: { class: 'AbortError', retryable: false, phase: 'overall' },
  circuit_open: { class: 'CircuitOpenError', retryable: true, phase: 'admission' },
  client_overloaded: { class: 'OverloadedError', retryable: false, phase: 'admission' },
  no_endpoint: { class: 'ConnectionError', retryable: false, phase: 'admission' },
  no_matching_endpoint: { class: 'ConnectionError', retryable: false, phase: 'admission' },
  unavailable: { class: 'HttpError', retryable: true, phase: 'response' },
  http_error: { class: 'HttpError', retryable: false, phase: 'response' },
  protocol_error: { class: 'ProtocolError', retryable: false, phase: 'response' },
  invalid_config: { class: 'SquireConfigError', retryable: false, phase: 'config' },
  replica_not_ready: { class: 'SwapError', retryable: false, phase: 'swap' },
  unexpected_error: { class: 'SquireError', retryable: false, phase: 'overall' },
} as const satisfies Record<string, ErrorCodeSpec>;

/** Every code a `SquireError` can carry. */
export type SquireErrorCode = ErrorCode | keyof typeof CLIENT_CODES;

export const SQUIRE_ERROR_CODES = Object.freeze({ ...SIDECAR_CODES, ...CLIENT_CODES }) satisfies { readonly [K in SquireErrorCode]: ErrorCodeSpec };

export const SQUIRE_ERROR_CODE_LIST = Object.keys(SQUIRE_ERROR_CODES) as SquireErrorCode[];

/** The codes whose class is `C` (for typed constructors). */
export type CodesOf<C extends ErrorClassName> = { [K in SquireErrorCode]: (typeof SQUIRE_ERROR_CODES)[K]['class'] extends C ? K : never }[SquireErrorCode];

export function isSquireErrorCode(value: unknown): value is SquireErrorCode {
  return typeof value === 'string' && Object.hasOwn(SQUIRE_ERROR_CODES, value);
}
