/**
 * @module
 * The closed table of problem codes of contract v1: each code's HTTP status and
 * whether a caller may safely retry it. Both the sidecar (which answers with
 * these) and the client (which classifies them) read this one table.
 */

export const ERROR_CODES = {
  invalid_json: { status: 400, retryable: false, title: 'Request body is not valid JSON' },
  invalid_input: { status: 400, retryable: false, title: 'Input does not match the agent schema' },
  invalid_request: { status: 400, retryable: false, title: 'Request is malformed' },
  body_too_deep: { status: 400, retryable: false, title: 'Request body nests too deeply' },
  unauthorized: { status: 401, retryable: false, title: 'Missing or invalid bearer token' },
  forbidden_host: { status: 403, retryable: false, title: 'Host header not allowed' },
  not_found: { status: 404, retryable: false, title: 'Not found' },
  method_not_allowed: { status: 405, retryable: false, title: 'Method not allowed' },
  conflict: { status: 409, retryable: false, title: 'Conflict' },
  body_too_large: { status: 413, retryable: false, title: 'Request body too large' },
  unsupported_media_type: { status: 415, retryable: false, title: 'Unsupported media type' },
  idempotency_key_reused: {
    status: 422,
    retryable: false,
    title: 'Idempotency key reused with a different request body',
  },
  overloaded: { status: 429, retryable: true, title: 'Sidecar is at capacity' },
  rate_limited: { status: 429, retryable: true, title: 'Upstream model is rate limiting' },
  agent_error: { status: 500, retryable: false, title: 'Agent failed' },
  internal_error: { status: 500, retryable: false, title: 'Internal error' },
  upstream_error: { status: 502, retryable: true, title: 'Upstream model call failed' },
  draining: { status: 503, retryable: true, title: 'Sidecar is draining' },
  not_ready: { status: 503, retryable: true, title: 'Sidecar is not ready' },
  store_unavailable: { status: 503, retryable: true, title: 'State store unavailable' },
  deadline_exceeded: { status: 504, retryable: true, title: 'Deadline exceeded' },
  cancelled: { status: 409, retryable: false, title: 'Run was cancelled' },
  session_busy: { status: 409, retryable: false, title: 'Session is busy with another run' },
  session_queue_full: { status: 429, retryable: true, title: 'Too many runs wait for this session' },
} as const satisfies Record<string, { status: number; retryable: boolean; title: string }>;

/** Every stable problem `code` a sidecar may answer with. */
export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
