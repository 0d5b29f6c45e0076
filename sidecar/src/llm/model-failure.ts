/**
 * @module
 * A failed model request, classified once where it happened (status,
 * whether it is worth repeating, the wait the endpoint asked for), so the
 * retry decision and the error the caller finally gets read the same facts.
 */
import { SidecarError } from '../errors.js';

export interface ModelFailureDetails {
  /** The endpoint's HTTP status; undefined when no answer came (connection, timeout). */
  status?: number | undefined;
  /** Whether the same request may succeed if sent again. */
  retryable: boolean;
  /** The wait the endpoint asked for (`retry-after-ms` or `Retry-After`). */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class ModelCallError extends Error {
  override readonly name = 'ModelCallError';

  constructor(
    message: string,
    readonly details: ModelFailureDetails,
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  /**
   * The contract error the caller gets: 429 `rate_limited` with the
   * endpoint's `Retry-After` passed on (at least 1 s), anything else 502
   * `upstream_error`; the detail says how many requests were made.
   */
  toSidecarError(requests: number): SidecarError {
    const detail = `${this.message}${requests > 1 ? ` (${requests} requests to the model, the last one failed)` : ''}`;
    if (this.details.status === 429) {
      return new SidecarError('rate_limited', detail, { retryAfter: Math.max(1, Math.ceil((this.details.retryAfterMs ?? 1000) / 1000)), cause: this });
    }
    return new SidecarError('upstream_error', detail, { cause: this });
  }
}
