/**
 * @module
 * Header names of contract v1, lower-case as Node and undici present them.
 */
export const HEADERS = {
  authorization: 'authorization',
  idempotencyKey: 'idempotency-key',
  idempotentReplayed: 'idempotent-replayed',
  timeoutMs: 'squire-timeout-ms',
  /**
   * Retries the caller still allows for this call. The sidecar spends them on
   * failed model calls in place (never more than `--llm-max-retries`), and the
   * caller does not retry `upstream_error` or `rate_limited` answers again, so
   * retries never multiply across the layers.
   */
  maxRetries: 'squire-max-retries',
  traceparent: 'traceparent',
  requestId: 'x-request-id',
  runId: 'squire-run-id',
  retryAfter: 'retry-after',
  lastEventId: 'last-event-id',
  /** Names the session of a call whose body has no place for one (OpenAI chat completions). */
  sessionId: 'squire-session-id',
  /** What to do when the session is busy with another run (`reject`, `enqueue`, `interrupt`, `rollback`), where the body has no place for `on_busy`. */
  onBusy: 'squire-on-busy',
} as const;

export const CONTRACT_VERSION = 'squire/1' as const;
